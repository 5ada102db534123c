"""Writing tables people open in Excel or WPS (电子表格): workbooks and CSV files whose cells
can never run as formulas.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by spreadsheet programs (CSV/formula injection); `neutralise` prefixes such text with an
apostrophe, which shows as plain text. Every text cell written here goes through it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value`, with text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One table: `name` (ASCII, the CSV file's name), `title` (the workbook's tab, at most
    31 characters), a bilingual header and the rows."""

    name: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(neutralise(value))


def write_xlsx(path: str | Path, sheets: list[Sheet]) -> None:
    """One workbook, one tab per sheet, header row frozen, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        tab = book.create_sheet(sheet.title[:31])
        tab.append([neutralise(h) for h in sheet.header])
        for cell in tab[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            tab.append([_xlsx_cell(v) for v in row])
        for cell in (c for r in tab.iter_rows(min_row=2) for c in r):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        tab.freeze_panes = "A2"
        for n, head in enumerate(sheet.header, start=1):
            width = max([len(str(head))] + [len(_csv_cell(r[n - 1])) for r in sheet.rows[:200]])
            tab.column_dimensions[tab.cell(1, n).column_letter].width = min(60, width + 2)
    book.save(path)


def _xlsx_cell(value):
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return neutralise(value)


def write_csv_dir(folder: str | Path, prefix: str, sheets: list[Sheet]) -> list[Path]:
    """One CSV per sheet in `folder` (created if missing), `PREFIX-NAME.csv`, UTF-8 with a
    byte-order mark so that Excel shows the Chinese; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for sheet in sheets:
        path = folder / f"{prefix}-{sheet.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([_csv_cell(h) for h in sheet.header])
            writer.writerows([_csv_cell(v) for v in row] for row in sheet.rows)
        paths.append(path)
    return paths
