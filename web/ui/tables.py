"""Server-side sorted, paginated tables and their CSV/XLSX downloads (数据表).

A view declares its columns once, then::

    PLANS = Table(
        [Column("code", _l("Plan number"), sortable=True, kind="mono"),
         Column("name", _l("Name")),
         Column("state", _l("State"), kind="state"),
         Column("frozen_at", _l("Frozen at"), sortable=True, kind="datetime")],
        default_sort="frozen_at", default_dir="desc")

    page = PLANS.paginate(select(Plan).where(...), request.args)
    if page.format:                       # ?format=csv or ?format=xlsx
        return page.download("plans")     # exactly the rows shown
    return render_template("plans.html", page=page)   # {{ ui.data_table(page) }}

Query arguments `sort`, `dir`, `page`, `per_page` and `format` are whitelisted: any other
value falls back to the default, so a hand-edited URL never yields an error page.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import request, send_file
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import Select, func, inspect, select

from web.ui import filters

SORT_DIRS = ("asc", "desc")
PER_PAGE = 50
PER_PAGE_CHOICES = (20, 50, 100, 200)
DOWNLOAD_FORMATS = ("csv", "xlsx")
KINDS = ("text", "number", "date", "datetime", "mono", "digest", "state", "bool")

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"  # werkzeug adds "; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Prefix `'` to text a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    if text and text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def translate(label) -> str:
    """A column label: a lazy string, or a plain msgid translated now."""
    return gettext(label) if isinstance(label, str) else str(label)


@dataclass(frozen=True)
class Column:
    """One column: `key` names the row attribute (or dict key; dotted paths follow
    attributes: `body.code`), `label` is an English msgid or a lazy string.

    kind: text | number | date | datetime | mono | digest | state | bool.
    `numeric=True` is short for kind="number". `sort` is the SQLAlchemy expression to
    order by (default: the selected column or the entity attribute named `key`);
    `value` is a function row -> value overriding `key`.
    """

    key: str
    label: Any
    sortable: bool = False
    numeric: bool = False
    kind: str = "text"
    sort: Any = None
    value: Callable[[Any], Any] | None = None

    def __post_init__(self):
        if self.numeric and self.kind == "text":
            object.__setattr__(self, "kind", "number")
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind!r}")
        object.__setattr__(self, "numeric", self.kind == "number")

    @property
    def title(self) -> str:
        return translate(self.label)

    def value_of(self, row) -> Any:
        if self.value is not None:
            return self.value(row)
        current = row
        for part in self.key.split("."):
            if current is None:
                return None
            if isinstance(current, Mapping):
                current = current.get(part)
            else:
                current = getattr(current, part, None)
        return current

    def html(self, row) -> Markup:
        """The default cell content (a macro's caller may render its own instead)."""
        from web.ui.states import badge_html

        value = self.value_of(row)
        if value is None or value == "":
            return Markup(filters.EMPTY)
        if self.kind == "number":
            return Markup(filters.thousands(value))
        if self.kind == "date":
            return Markup.escape(filters.date_iso(value))
        if self.kind == "datetime":
            return Markup.escape(filters.cst(value))
        if self.kind == "mono":
            return filters.mono(value)
        if self.kind == "digest":
            return Markup('<span class="mono" title="{}">{}</span>').format(
                value, filters.short_digest(value)
            )
        if self.kind == "state":
            return badge_html(value)
        if self.kind == "bool":
            return Markup.escape(gettext("Yes") if value else gettext("No"))
        return Markup.escape(getattr(value, "value", value))

    def export_value(self, row) -> Any:
        """The value written to a download: numbers stay numbers, dates dates, the rest
        text (times in CST with the zone named, states as their word, digests whole)."""
        from web.ui.states import state_label

        value = self.value_of(row)
        if value is None:
            return None
        if self.kind == "state":
            return state_label(value)
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, dt.datetime):
            return filters.cst(value)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float | Decimal):
            return value
        if isinstance(value, enum.Enum):
            return str(value.value)
        return str(value)


@dataclass(frozen=True)
class TableArgs:
    """The whitelisted query arguments of one table."""

    sort: str | None
    dir: str
    page: int
    per_page: int
    format: str | None = None


def _int_arg(raw, default: int) -> int:
    """A positive whole number from a query argument, else `default` (capped at 10⁹)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return min(raw, 10**9)
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw or not raw.isdecimal():
        return default
    return min(int(raw[:12]), 10**9)


@dataclass
class Table:
    """Columns plus the defaults of one table. `prefix` separates the query arguments
    of two tables on one page (`prefix="t2-"` reads `t2-sort`, `t2-page`, ...)."""

    columns: Sequence[Column]
    default_sort: str | None = None
    default_dir: str = "asc"
    per_page: int = PER_PAGE
    per_page_choices: Sequence[int] = PER_PAGE_CHOICES
    prefix: str = ""
    caption: Any = None

    def __post_init__(self):
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate column keys: {keys}")
        if self.default_sort is not None and self.default_sort not in self.sortable:
            raise ValueError(f"default_sort {self.default_sort!r} is not a sortable column")
        if self.default_dir not in SORT_DIRS:
            raise ValueError(f"default_dir must be one of {SORT_DIRS}")
        if self.per_page not in self.per_page_choices:
            self.per_page_choices = tuple(sorted({*self.per_page_choices, self.per_page}))

    @property
    def sortable(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns if c.sortable}

    def arg(self, name: str) -> str:
        return self.prefix + name

    def parse(self, args: Mapping) -> TableArgs:
        """Whitelist sort/dir/page/per_page/format; bad values fall back to defaults."""
        sort = args.get(self.arg("sort"))
        if sort not in self.sortable:
            sort = self.default_sort
        direction = args.get(self.arg("dir"))
        if direction not in SORT_DIRS:
            direction = self.default_dir
        page = max(1, _int_arg(args.get(self.arg("page")), 1))
        per_page = _int_arg(args.get(self.arg("per_page")), self.per_page)
        if per_page not in self.per_page_choices:
            per_page = self.per_page
        fmt = args.get(self.arg("format"))
        return TableArgs(sort, direction, page, per_page, fmt if fmt in DOWNLOAD_FORMATS else None)

    def paginate(
        self,
        source: Select | Iterable,
        args: Mapping | TableArgs | None = None,
        *,
        session=None,
        tiebreak: Sequence | None = None,
    ) -> Page:
        """One page of `source`, a SQLAlchemy select (counted, then LIMIT/OFFSET, ordered
        by the chosen column and a unique tie-breaker, by default the first entity's
        primary key) or a list (sorted stably in Python). The page number is clamped to
        the last page."""
        if args is None:
            args = request.args
        targs = args if isinstance(args, TableArgs) else self.parse(args)
        if isinstance(source, Select):
            return self._paginate_select(source, targs, session, tiebreak)
        return self._paginate_list(list(source), targs)

    def _clamp(self, targs: TableArgs, total: int) -> tuple[int, int]:
        pages = max(1, math.ceil(total / targs.per_page))
        return min(targs.page, pages), pages

    def _paginate_list(self, rows: list, targs: TableArgs) -> Page:
        if targs.sort is not None:
            column = self.sortable[targs.sort]
            key = column.sort if callable(column.sort) else column.value_of
            present = [r for r in rows if key(r) is not None]
            missing = [r for r in rows if key(r) is None]  # empty values last, both ways
            rows = sorted(present, key=key, reverse=targs.dir == "desc") + missing
        total = len(rows)
        page, pages = self._clamp(targs, total)
        start = (page - 1) * targs.per_page
        return Page(self, rows[start : start + targs.per_page], total, page, pages, targs)

    def _paginate_select(self, stmt: Select, targs: TableArgs, session, tiebreak) -> Page:
        if session is None:
            from scheduler.db import db

            session = db.session
        described = stmt.column_descriptions
        entity = described[0].get("entity") if described else None
        if tiebreak is None:
            if entity is None:
                raise ValueError("pass tiebreak=(unique column, ...) for this select")
            tiebreak = tuple(inspect(entity).primary_key)
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        page, pages = self._clamp(targs, total or 0)
        if targs.sort is not None:
            expr = self._sort_expr(stmt, entity, self.sortable[targs.sort])
            first = expr.desc() if targs.dir == "desc" else expr.asc()
            ordered = stmt.order_by(None).order_by(first.nulls_last(), *tiebreak)
        else:
            ordered = stmt.order_by(*tiebreak)
        result = session.execute(ordered.limit(targs.per_page).offset((page - 1) * targs.per_page))
        one_entity = len(described) == 1 and entity is not None and described[0]["expr"] is entity
        items = list(result.scalars()) if one_entity else list(result)
        return Page(self, items, total or 0, page, pages, targs)

    @staticmethod
    def _sort_expr(stmt: Select, entity, column: Column):
        if column.sort is not None and not callable(column.sort):
            return column.sort
        selected = stmt.selected_columns
        if column.key in selected:
            return selected[column.key]
        attribute = getattr(entity, column.key, None) if entity is not None else None
        if attribute is None or not hasattr(attribute, "asc"):
            raise ValueError(f"column {column.key!r}: pass sort=<SQL expression>")
        return attribute


@dataclass
class Page:
    """The rows of one page plus what the macros need to draw headers, pager, links."""

    table: Table
    items: list
    total: int
    page: int
    pages: int
    args: TableArgs = field(repr=False)

    @property
    def columns(self) -> Sequence[Column]:
        return self.table.columns

    @property
    def sort(self) -> str | None:
        return self.args.sort

    @property
    def dir(self) -> str:
        return self.args.dir

    @property
    def per_page(self) -> int:
        return self.args.per_page

    @property
    def format(self) -> str | None:
        return self.args.format

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based number of the first row shown (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "ascending" if self.dir == "asc" else "descending"

    def sort_url(self, key: str) -> str:
        """Sort by `key`; on the column already sorted, reverse. Back to page 1."""
        if key == self.sort:
            direction = "desc" if self.dir == "asc" else "asc"
        else:
            direction = "asc"
        arg = self.table.arg
        return filters.url_with(
            {arg("sort"): key, arg("dir"): direction, arg("page"): None, arg("format"): None}
        )

    def page_url(self, number: int) -> str:
        number = min(max(1, number), self.pages)
        arg = self.table.arg
        return filters.url_with({arg("page"): number if number > 1 else None, arg("format"): None})

    def download_url(self, fmt: str) -> str:
        if fmt not in DOWNLOAD_FORMATS:
            raise ValueError(fmt)
        return filters.url_with({self.table.arg("format"): fmt})

    def download(self, filename: str):
        """The rows shown, in the columns shown, as CSV or XLSX per `?format=`."""
        if self.format == "xlsx":
            return xlsx_response(self.columns, self.items, filename)
        return csv_response(self.columns, self.items, filename)


# ---------------------------------------------------------------- downloads


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def csv_bytes(columns: Sequence[Column], rows: Iterable) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Chinese), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c.title) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(c.export_value(row)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def xlsx_bytes(columns: Sequence[Column], rows: Iterable, sheet: str = "data") -> bytes:
    """A write-only workbook: text cells stay text (never formulas), numbers numbers,
    dates dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title=_SHEET_TITLE_BAD.sub("_", sheet)[:31] or "data")
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = 14 if column.kind in ("number", "date") else 24
        ws.column_dimensions[get_column_letter(index)].width = width

    def text_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", text)))
        cell.data_type = "s"  # never a formula, never a number parsed from text
        return cell

    header = [text_cell(c.title) for c in columns]
    for cell in header:
        cell.font = Font(bold=True)
    ws.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = column.export_value(row)
            if value is None:
                cells.append(WriteOnlyCell(ws, value=None))
            elif isinstance(value, dt.date):
                cells.append(WriteOnlyCell(ws, value=value))
                cells[-1].number_format = "yyyy-mm-dd"
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                cells.append(WriteOnlyCell(ws, value=value))
            else:
                cells.append(text_cell(str(value)))
        ws.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _download(data: bytes, mimetype: str, filename: str, extension: str):
    if not filename.lower().endswith("." + extension):
        filename = f"{filename}.{extension}"
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_response(columns: Sequence[Column], rows: Iterable, filename: str):
    """A CSV download (UTF-8 with BOM); text cells neutralised against formulas."""
    return _download(csv_bytes(columns, rows), CSV_MIMETYPE, filename, "csv")


def xlsx_response(columns: Sequence[Column], rows: Iterable, filename: str, sheet: str = "data"):
    """An XLSX download (openpyxl write-only); text cells stay text."""
    return _download(xlsx_bytes(columns, rows, sheet), XLSX_MIMETYPE, filename, "xlsx")
