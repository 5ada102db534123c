"""Fill the Chinese catalogue: `python web/translations/fill_zh.py` (run by `make translations`).

Message ids are English; Chinese is the default locale. Each web area keeps the Chinese
of its own strings in a `zh.py` next to its views (`web/portal/zh.py`: `ZH = {...}`), so
that areas grow in parallel without touching one shared dict; this script gathers `ZH`
from every `web/**/zh.py` (and `scheduler/**/zh.py`, if any), refuses an id translated
two different ways, writes the translations into zh/LC_MESSAGES/messages.po and fails
listing every message id that has no Chinese.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Path(__file__).parent / "zh" / "LC_MESSAGES" / "messages.po"


def gather(root: Path = ROOT) -> dict[str, str]:
    """Every `ZH` dict of web/**/zh.py and scheduler/**/zh.py, merged."""
    merged: dict[str, str] = {}
    where: dict[str, Path] = {}
    conflicts = []
    for package in ("web", "scheduler"):
        for path in sorted((root / package).glob("**/zh.py")):
            for msgid, text in runpy.run_path(str(path))["ZH"].items():
                if msgid in merged and merged[msgid] != text:
                    conflicts.append(f"{msgid!r}: {where[msgid]} and {path}")
                merged.setdefault(msgid, text)
                where.setdefault(msgid, path.relative_to(root))
    if conflicts:
        raise SystemExit("translated differently: " + "; ".join(conflicts))
    return merged


def fill(catalog_path: Path = CATALOG, zh: dict[str, str] | None = None) -> list[str]:
    """Write the Chinese into the catalogue; return the message ids still untranslated."""
    zh = gather() if zh is None else zh
    with open(catalog_path, "rb") as f:
        catalog = read_po(f, locale="zh")
    missing = []
    for message in catalog:
        if message.id:
            if message.id in zh:
                message.string = zh[message.id]
                message.flags.discard("fuzzy")
            else:
                missing.append(message.id)
    with open(catalog_path, "wb") as f:
        write_po(f, catalog, width=100)
    return missing


if __name__ == "__main__":
    untranslated = fill()
    if untranslated:
        raise SystemExit("untranslated (add them to the area's zh.py): " + "; ".join(untranslated))
