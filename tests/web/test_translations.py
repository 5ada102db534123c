"""Translations: every message id has its Chinese in some area's zh.py, gathered once."""

import importlib.util
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _fill_zh():
    path = ROOT / "web" / "translations" / "fill_zh.py"
    spec = importlib.util.spec_from_file_location("fill_zh", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_id_has_chinese_in_an_area():
    with open(ROOT / "web" / "translations" / "messages.pot", "rb") as f:
        ids = {m.id for m in read_po(f) if m.id}
    zh = _fill_zh().gather()
    assert ids and not ids - set(zh), f"add to the area's zh.py: {sorted(ids - set(zh))}"
    with open(ROOT / "web" / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = {m.id: m.string for m in read_po(f, locale="zh") if m.id}
    assert {i: catalog[i] for i in ids} == {i: zh[i] for i in ids}


def test_one_id_translated_two_ways_is_refused(tmp_path):
    for area, text in (("portal", "公平抽查"), ("console", "公正抽查")):
        (tmp_path / "web" / area).mkdir(parents=True)
        (tmp_path / "web" / area / "zh.py").write_text(f"ZH = {{'Fairdraw': '{text}'}}\n")
    with pytest.raises(SystemExit, match="translated differently"):
        _fill_zh().gather(tmp_path)
