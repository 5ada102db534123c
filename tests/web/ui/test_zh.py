"""Every message of the UI kit has its Chinese, in web/ui/zh.py or the catalogue."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from web.ui.zh import ZH

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    ROOT / "web/templates/base.html",
    ROOT / "web/templates/macros.html",
    *sorted((ROOT / "web/ui").glob("*.py")),
]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def kit_messages() -> set[str]:
    found = set()
    for path in SOURCES:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue() -> dict[str, str]:
    with open(ROOT / "web/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        return {m.id: m.string for m in read_po(f, locale="zh") if m.id and m.string}


def test_every_kit_message_has_chinese():
    messages = kit_messages()
    assert len(messages) > 50
    known = {**catalogue(), **ZH}
    assert sorted(m for m in messages if not known.get(m)) == []


def test_zh_has_no_stale_entries_and_keeps_placeholders():
    messages = kit_messages()
    assert sorted(set(ZH) - messages) == []
    placeholder = re.compile(r"%\(\w+\)s")
    for english, chinese in ZH.items():
        assert chinese.strip() and chinese != english
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(chinese)), english


def test_state_words_match_ui_md():
    ui_md = (
        "草稿 已冻结 已抽取 已匹配 已排期 已公示 已结束 已撤销 未录入 待审核 已退回 已通过 已公开"
    )
    words = [
        ZH[m]
        for m in (
            "Draft",
            "Frozen",
            "Drawn",
            "Matched",
            "Scheduled",
            "Published",
            "Closed",
            "Cancelled",
            "Not entered",
            "Submitted",
            "Returned",
            "Approved",
            "Disclosed",
        )
    ]
    assert " ".join(words) == ui_md
