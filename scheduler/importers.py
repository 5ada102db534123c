"""Import a directory file (entities, officers, conflicts, leave): all-or-nothing upserts.

`import_directory(session, kind, filename, data, actor)` reads a CSV (UTF-8 with or without
BOM, or GBK/GB18030) or XLSX file, validates every row with the directory's marshmallow row
schema (`scheduler.directory_rows`) and either

- finds problems: returns an `ImportReport` listing every one of them (row as numbered in
  the spreadsheet, the header being row 1; cell; column; value; message in Chinese and
  English) and writes nothing, or
- upserts every row by its natural key (entity: uscc; officer: cert_no; conflict: officer
  and entity; leave: officer and start date), adds one DIRECTORY_IMPORTED audit event and
  returns the created / updated / unchanged counts. The caller commits.

Rows absent from the file are kept: an import never deletes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from openpyxl.utils import get_column_letter
from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from scheduler import access, uscc
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.db import chunks
from scheduler.directory_rows import SCHEMAS, Column, Lookups, RowSchema
from scheduler.errors import FileProblem, Msg, TooLarge, detail_text
from scheduler.models import Body, Conflict, Entity, Item, LeavePeriod, Officer, Role, Town, Unit
from scheduler.plans import live
from scheduler.progress import Progress, no_progress
from scheduler.textfiles import decode_text, restore_cell

DIRECTORY_NAMES = {
    "entities": Msg("检查对象名录库（市场主体）", "entity directory"),
    "officers": Msg("执法检查人员名录库", "officer registry"),
    "conflicts": Msg("回避关系", "conflicts of interest"),
    "leave": Msg("执法人员不可用时段", "officer leave"),
}
MODELS = {"entities": Entity, "officers": Officer, "conflicts": Conflict, "leave": LeavePeriod}
# Natural key of each directory, as loaded attributes (model columns).
NATURAL_KEYS = {
    "entities": ("uscc",),
    "officers": ("cert_no",),
    "conflicts": ("officer_id", "entity_id"),
    "leave": ("officer_id", "starts_on"),
}
WRITE_CHUNK = 5000


def _limit(name: str, default: int) -> int:
    """A positive integer from the environment (README "Configuration"), else `default`."""
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def max_errors() -> int:
    """Problems listed one by one in a report (`FAIRDRAW_IMPORT_MAX_ERRORS`, 200); the rest
    are only counted, per column."""
    return _limit("FAIRDRAW_IMPORT_MAX_ERRORS", 200)


def max_cells() -> int:
    """Cells a file may hold (`FAIRDRAW_IMPORT_MAX_CELLS`, 30 million)."""
    return _limit("FAIRDRAW_IMPORT_MAX_CELLS", 30_000_000)


def xlsx_max_bytes() -> int:
    """Uncompressed size an XLSX may unpack to (`FAIRDRAW_XLSX_MAX_MB`, 1024 MB)."""
    return _limit("FAIRDRAW_XLSX_MAX_MB", 1024) * 1024 * 1024


def xlsx_max_ratio() -> int:
    """Compression ratio of any XLSX part over 1 MB (`FAIRDRAW_XLSX_MAX_RATIO`, 200)."""
    return _limit("FAIRDRAW_XLSX_MAX_RATIO", 200)


IN_CHUNK = 500  # a key may be a pair: two parameters per row


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class RowError:
    """One problem: `row` as numbered in the spreadsheet (header = 1), None for the file."""

    row: int | None
    column: str
    cell: str
    value: str
    message: Msg

    def as_detail(self) -> dict:
        """The problem as a `FairdrawError` detail (see `scheduler.errors`)."""
        return {
            "row": self.row,
            "cell": self.cell,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    @classmethod
    def from_detail(cls, d: dict) -> RowError:
        return cls(d["row"], d["column"], d["cell"], d["value"], d["message"])

    def __str__(self) -> str:
        return detail_text(self.as_detail())


FILE_KIND = "(file)"


@dataclass
class ImportReport:
    """What an import found and did. Problems: the first `limit` are kept in `errors`,
    all are counted in `error_count` and, per column, in `error_kinds`. Changes: how many
    rows changed each column (`changed_columns`) and, if asked, a per-row `diff`."""

    directory: str
    filename: str
    sha256: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Current teams this import made ineligible (`scheduler.plans.live`), flagged.
    team_flags: list = field(default_factory=list)
    limit: int = field(default_factory=max_errors)
    error_count: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    changed_columns: Counter = field(default_factory=Counter)
    # (row, key, action, column, old, new): one line per created or unchanged row, one per
    # changed column of an updated row; filled only when the import is asked for it.
    diff: list[tuple] | None = None
    _bad_rows: set = field(default_factory=set)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        self.error_kinds[error.column or FILE_KIND] += 1
        if error.row is not None:
            self._bad_rows.add(error.row)
        if len(self.errors) < self.limit:
            self.errors.append(error)

    def set_errors(self, errors: Iterable[RowError]) -> None:
        self.errors, self.error_count, self.error_kinds = [], 0, Counter()
        self._bad_rows = set()
        for e in errors:
            self.add_error(e)

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def bad_rows(self) -> list[int]:
        return sorted(self._bad_rows)

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def format_errors(self) -> str:
        """The head line and one line per problem, both languages."""
        return str(self.as_error())

    def summary(self) -> str:
        name = DIRECTORY_NAMES[self.directory]
        text = (
            f"{name.zh}：导入 {self.rows} 行，新增 {self.created}，更新 {self.updated}，"
            f"未变 {self.unchanged} / {name.en}: {self.rows} rows imported, "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        )
        if self.changed_columns:
            cols = ", ".join(f"{c} {n}" for c, n in sorted(self.changed_columns.items()))
            text += f"\n更新的列（行数）/ columns updated (rows): {cols}"
        if self.ignored_columns:
            cols = ", ".join(self.ignored_columns)
            text += f"\n已忽略的列 / ignored columns: {cols}"
        return text

    def as_error(self) -> FileProblem:
        """A failed import as a domain error: the report's head line, one detail per listed
        problem and, when more were found than listed, the count per column."""
        n, rows = self.error_count, len(self._bad_rows)
        message = Msg(
            f"导入失败，未写入任何数据：{self.filename} 有 {n} 处错误"
            + (f"（涉及 {rows} 行）" if rows else ""),
            f"Import failed, nothing was written: {self.filename} has {n} error(s)"
            + (f" in {rows} row(s)" if rows else ""),
        )
        details: list = [e.as_detail() for e in self.errors]
        if self.truncated:
            kinds = "; ".join(f"{k}: {c}" for k, c in self.error_kinds.most_common())
            details.append(
                Msg(
                    f"仅列出前 {len(self.errors)} 处错误；各列错误数：{kinds}",
                    f"only the first {len(self.errors)} errors are listed; errors per "
                    f"column: {kinds}",
                )
            )
        return FileProblem(message, details, code="import_invalid")

    def write_csv(self, out) -> None:
        """The report as CSV to a text stream: the per-row diff of a successful import
        (row, key, action, column, old, new), or the problems of a failed one."""
        writer = csv.writer(out)
        if not self.ok:
            writer.writerow(["row", "cell", "column", "value", "message_zh", "message_en"])
            for e in self.errors:
                writer.writerow(
                    [e.row or "", e.cell, e.column, e.value, e.message.zh, e.message.en]
                )
            for kind, count in self.error_kinds.most_common():
                writer.writerow(["", "", kind, count, "错误数", "errors"])
            return
        writer.writerow(["row", "key", "action", "column", "old", "new"])
        for line in self.diff or ():
            writer.writerow(["" if v is None else v for v in line])


def _unreadable(zh: str = "", en: str = "", row: int | None = None, *, errors=()) -> FileProblem:
    """The file cannot be read as a directory table at all (encoding, type, header...)."""
    problems = list(errors)
    if zh:
        problems.insert(0, RowError(row, "", "", "", Msg(zh, en)))
    return FileProblem(
        Msg("文件无法导入", "the file cannot be imported"), [e.as_detail() for e in problems]
    )


# ---------------------------------------------------------------------------- reading

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIELD_LIMIT = "field larger than field limit"


@dataclass
class Table:
    """Rows of a file as text cells, numbered as in the spreadsheet (starting at 1)."""

    rows: Iterator[tuple[int, list[str]]]
    size_hint: int | None
    errors: list[RowError]  # filled while `rows` is consumed (formula cells, merged cells)


def _too_many_cells(limit: int) -> TooLarge:
    return TooLarge(
        Msg(
            f"文件过大：超过 {limit} 个单元格；请分成几个文件导入",
            f"the file is too large: more than {limit} cells; import it in several files",
        ),
        code="file_too_large",
    )


def _read_csv(data: bytes) -> Table:
    if data.startswith(_ZIP_MAGIC) or data.startswith(_OLE_MAGIC):
        raise _unreadable(
            "这是 Excel 文件而不是 CSV 文件，请使用 .xlsx 扩展名",
            "this is an Excel file, not a CSV file; give it the .xlsx extension",
        )
    text = decode_text(data)
    errors: list[RowError] = []
    limit = max_cells()

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        number = cells_seen = 0
        try:
            for number, cells in enumerate(reader, start=1):  # noqa: B007
                cells_seen += len(cells)
                if cells_seen > limit:
                    raise _too_many_cells(limit)
                yield number, [restore_cell(c) for c in cells]
        except csv.Error as exc:
            if _FIELD_LIMIT in str(exc):
                size = csv.field_size_limit()
                message = Msg(
                    f"第 {number + 1} 行有一个单元格超过 {size // 1024} KB（可能缺少配对的引号）",
                    f"row {number + 1} has a cell longer than {size // 1024} KB "
                    "(an unmatched quote?)",
                )
            else:
                message = Msg(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")
            errors.append(RowError(number + 1, "", "", "", message))

    return Table(rows(), text.count("\n") + 1, errors)


_MERGE_CELL = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"'
)


def _merged_ranges(data: bytes, ws) -> list[str]:
    """The merged-cell ranges of a sheet opened read-only (which openpyxl does not expose)."""
    path = getattr(ws, "_worksheet_path", None)
    if path is None:  # a future openpyxl: fall back to a full load
        from openpyxl import load_workbook

        full = load_workbook(io.BytesIO(data))
        return [str(r) for r in full[ws.title].merged_cells.ranges]
    found: dict[int, str] = {}
    offset, tail = 0, b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path.lstrip("/")) as src:
        while chunk := src.read(1 << 20):
            buf = tail + chunk
            base = offset - len(tail)
            for m in _MERGE_CELL.finditer(buf):
                found[base + m.start()] = m.group(1).decode()
            offset += len(chunk)
            tail = buf[-512:]
    return list(found.values())


def _excel_text(cell, errors: list[RowError], number: int, col: int) -> str:
    value = cell.value
    if value is None:
        return ""
    ref = f"{get_column_letter(col)}{number}"
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        errors.append(
            RowError(
                number,
                "",
                ref,
                str(value),
                Msg(
                    f"单元格 {ref} 是公式；请把公式转换为数值后再导入",
                    f"cell {ref} holds a formula; replace formulas with their values",
                ),
            )
        )
        return ""
    if cell.data_type == "e":
        errors.append(
            RowError(
                number,
                "",
                ref,
                str(value),
                Msg(f"单元格 {ref} 是错误值", f"cell {ref} holds an error value"),
            )
        )
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _check_zip(data: bytes) -> None:
    """Refuse a decompression bomb before anything is unpacked: the zip directory tells
    each part's compressed and uncompressed size (a 400 KB file can unpack to 1 GB)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise _unreadable("不是有效的 XLSX 文件", f"not a valid XLSX file ({exc})") from None
    total = sum(p.file_size for p in parts)
    limit, ratio = xlsx_max_bytes(), xlsx_max_ratio()
    if total > limit:
        raise TooLarge(
            Msg(
                f"XLSX 文件解压后为 {total // 2**20} MB，超过上限 {limit // 2**20} MB；"
                "请分成几个文件，或另存为 CSV",
                f"the XLSX file unpacks to {total // 2**20} MB, more than {limit // 2**20} MB; "
                "split it or save it as CSV",
            ),
            code="file_too_large",
        )
    for p in parts:
        if p.file_size > 2**20 and p.file_size > ratio * max(p.compress_size, 1):
            raise TooLarge(
                Msg(
                    f"XLSX 文件的 {p.filename} 压缩比异常（{p.file_size // max(p.compress_size, 1)}"
                    f" 倍，上限 {ratio} 倍），疑为压缩炸弹；请另存为 CSV",
                    f"{p.filename} in the XLSX file is compressed "
                    f"{p.file_size // max(p.compress_size, 1)} times (at most {ratio}): a "
                    "decompression bomb? Save the sheet as CSV",
                ),
                code="file_too_large",
            )


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    if not data.startswith(_ZIP_MAGIC):
        raise _unreadable(
            "不是有效的 XLSX 文件"
            + ("（旧版 .xls 格式请另存为 .xlsx）" if data.startswith(_OLE_MAGIC) else ""),
            "not a valid XLSX file"
            + (" (save the old .xls format as .xlsx)" if data.startswith(_OLE_MAGIC) else ""),
        )
    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        ws = wb.worksheets[0]
        merged = _merged_ranges(data, ws)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise _unreadable(
            f"不是有效的 XLSX 文件（{type(exc).__name__}）",
            f"not a valid XLSX file ({type(exc).__name__}: {exc})",
        ) from None
    errors: list[RowError] = []
    for ref in merged:
        first = ref.split(":")[0]
        errors.append(
            RowError(
                int(re.sub(r"[A-Z]+", "", first)),
                "",
                ref,
                "",
                Msg(
                    f"不接受合并单元格 {ref}：合并单元格会使各行数据错位，请取消合并后再导入",
                    f"merged cells {ref} are refused: they misalign rows; unmerge them",
                ),
            )
        )
    size_hint = ws.max_row
    ws.reset_dimensions()

    limit = max_cells()

    def rows() -> Iterator[tuple[int, list[str]]]:
        cells_seen = 0
        try:
            for number, cells in enumerate(ws.iter_rows(), start=1):
                cells_seen += len(cells)
                if cells_seen > limit:
                    raise _too_many_cells(limit)
                yield (
                    number,
                    [_excel_text(c, errors, number, col) for col, c in enumerate(cells, start=1)],
                )
        finally:
            wb.close()

    return Table(rows(), size_hint, errors)


def read_table(filename: str, data: bytes) -> Table:
    name = filename.lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    raise _unreadable(
        f"不支持的文件类型“{filename}”：请使用 .csv 或 .xlsx 文件",
        f"unsupported file type {filename!r}: use a .csv or .xlsx file",
    )


# ---------------------------------------------------------------------------- header


def _header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lstrip("\ufeff").casefold()


@dataclass
class Header:
    row: int
    positions: dict[str, int]  # column name -> 0-based position in the row
    width: int  # number of header cells
    blank: set[int]  # positions whose header cell is empty
    ignored: list[str]


def parse_header(columns: Sequence[Column], number: int, cells: list[str]) -> Header:
    names: dict[str, str] = {}
    for col in columns:
        names[_header_key(col.name)] = col.name
        names[_header_key(col.zh)] = col.name
    positions: dict[str, int] = {}
    blank, ignored, problems = set(), [], []
    for i, text in enumerate(cells):
        key = _header_key(text)
        if not key:
            blank.add(i)
            continue
        name = names.get(key)
        if name is None:
            ignored.append(text.strip())
        elif name in positions:
            first = f"{get_column_letter(positions[name] + 1)}{number}"
            here = f"{get_column_letter(i + 1)}{number}"
            problems.append(
                RowError(
                    number,
                    name,
                    here,
                    text.strip(),
                    Msg(f"列 {name} 重复出现（{first} 与 {here}）", f"column {name} appears twice"),
                )
            )
        else:
            positions[name] = i
    missing = [c for c in columns if c.required and c.name not in positions]
    if missing:
        zh = "缺少必需的列：" + "、".join(f"{c.name}（{c.zh}）" for c in missing)
        en = "missing required columns: " + ", ".join(c.name for c in missing)
        filled = [t for t in cells if t.strip()]
        if len(filled) == 1 and any(sep in filled[0] for sep in ";\t|，"):
            zh += "。列之间应以英文逗号分隔"
            en += ". Columns must be separated by commas"
        problems.append(RowError(number, ", ".join(c.name for c in missing), "", "", Msg(zh, en)))
    if problems:
        raise _HeaderProblems(problems)
    return Header(number, positions, len(cells), blank, ignored)


class _HeaderProblems(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("header")
        self.errors = errors


# ---------------------------------------------------------------------------- lookups


def _code_or_name(rows: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """code -> id, plus Chinese name -> id where the name is unique and not someone's code."""
    rows = list(rows)
    out = {code: id_ for id_, code, _ in rows}
    names: dict[str, list[int]] = {}
    for id_, _, name in rows:
        names.setdefault(name, []).append(id_)
    for name, ids in names.items():
        if len(ids) == 1 and name not in out:
            out[name] = ids[0]
    return out


def _pairs(session: Session, stmt) -> dict:
    """The two columns of `stmt` as a dict (`dict(result)` would treat a Result as a mapping)."""
    return {a: b for a, b in session.execute(stmt)}


def build_lookups(session: Session, kind: str, usccs: Iterable[str] = ()) -> Lookups:
    lk = Lookups()
    if kind == "entities":
        lk.towns = _code_or_name(session.execute(select(Town.id, Town.code, Town.name_zh)))
    elif kind == "officers":
        lk.bodies = _code_or_name(session.execute(select(Body.id, Body.code, Body.name_zh)))
        lk.units = _code_or_name(session.execute(select(Unit.id, Unit.code, Unit.name_zh)))
        lk.unit_body = _pairs(session, select(Unit.id, Unit.body_id))
        lk.body_codes = _pairs(session, select(Body.id, Body.code))
        categories: dict[int, dict[str, str]] = {}
        for body_id, zh, en in session.execute(
            select(Item.body_id, Item.category_zh, Item.category_en)
        ):
            known = categories.setdefault(body_id, {})
            known[zh] = zh
            known[en.casefold()] = zh
        lk.categories = categories
    else:
        lk.officers = _pairs(session, select(Officer.cert_no, Officer.id))
        if kind == "conflicts":
            wanted = sorted(set(usccs))
            entities: dict[str, int] = {}
            for chunk in chunks(wanted, IN_CHUNK):
                entities.update(
                    _pairs(session, select(Entity.uscc, Entity.id).where(Entity.uscc.in_(chunk)))
                )
            lk.entities = entities
    return lk


# ---------------------------------------------------------------------------- import


def _existing(
    session: Session, kind: str, attrs: list[str], keys: list[tuple]
) -> dict[tuple, tuple]:
    """Natural key -> (id, *values of `attrs`) of the existing rows the file names."""
    model = MODELS[kind]
    key_attrs = NATURAL_KEYS[kind]
    cols = [model.id, *(getattr(model, a) for a in attrs)]
    key_cols = [getattr(model, a) for a in key_attrs]
    positions = [attrs.index(a) + 1 for a in key_attrs]
    out: dict[tuple, tuple] = {}

    def add(result) -> None:
        for row in result:
            row = tuple(row)
            out[tuple(row[p] for p in positions)] = row

    if len(keys) > 20 * IN_CHUNK:  # a big file: one scan of the table is cheaper
        add(session.execute(select(*cols)))
        return out
    for chunk in chunks(keys, IN_CHUNK):
        if len(key_cols) == 1:
            cond = key_cols[0].in_([k[0] for k in chunk])
        else:
            cond = tuple_(*key_cols).in_(list(chunk))
        add(session.execute(select(*cols).where(cond)))
    return out


def _row_errors(
    exc: ValidationError, number: int, values: dict[str, str], header: Header
) -> list[RowError]:
    out = []
    messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
    for column, msgs in messages.items():
        if not isinstance(msgs, list):
            msgs = [msgs]
        pos = header.positions.get(column)
        cell = f"{get_column_letter(pos + 1)}{number}" if pos is not None else ""
        for m in msgs:
            msg = m if isinstance(m, Msg) else Msg(str(m), str(m))
            out.append(RowError(number, column, cell, values.get(column, "").strip(), msg))
    return out


def import_directory(
    session: Session,
    kind: str,
    filename: str,
    data: bytes,
    actor: Actor,
    progress: Progress = no_progress,
    *,
    diff: bool = False,
) -> ImportReport:
    """Validate and upsert a directory file; see the module docstring. Never commits.
    `diff`: fill `report.diff` with the per-row changes (for `--report FILE`).

    Bad data never raises: the returned report lists the errors and nothing was added to
    the session. A database error rolls the session back and propagates.
    """
    access.require_role(actor, Role.ADMIN, action=Msg("导入名录", "import directories"))
    if kind not in SCHEMAS:
        raise ValueError(f"unknown directory {kind!r}; one of {', '.join(SCHEMAS)}")
    report = ImportReport(kind, filename, hashlib.sha256(data).hexdigest())
    if diff:
        report.diff = []
    try:
        loaded = _validate(session, kind, filename, data, report, progress)
    except FileProblem as exc:
        report.set_errors(RowError.from_detail(d) for d in exc.details)
        return report
    if not report.ok:
        return report
    try:
        _write(session, kind, loaded, report, progress)
        record(
            session,
            EventKind.DIRECTORY_IMPORTED,
            actor,
            subject=kind,
            directory=kind,
            file=filename,
            sha256=report.sha256,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            changed_columns=dict(sorted(report.changed_columns.items())),
        )
        session.flush()
        report.team_flags = live.flag(session, actor, kind) if kind in live.WATCHED else []
    except Exception:
        session.rollback()
        raise
    return report


TITLE_ROWS = 50  # how far down the header row is looked for


def _find_header(
    rows: Iterator[tuple[int, list[str]]], columns: Sequence[Column]
) -> tuple[Iterator[tuple[int, list[str]]], tuple[int, list[str]] | None]:
    """The header row and the rows after it. Title rows (标题行) above the header are skipped:
    the header is the first row holding the key column's header (`uscc` or 统一社会信用代码
    for entities, `cert_no` or 执法证号 otherwise) within the first `TITLE_ROWS` non-empty
    rows; failing that, the first non-empty row (whose missing columns are then reported)."""
    key = columns[0]
    names = {_header_key(key.name), _header_key(key.zh)}
    seen: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if any(_header_key(c) in names for c in cells):
            return rows, (number, cells)
        seen.append((number, cells))
        if len(seen) >= TITLE_ROWS:
            break
    if not seen:
        return rows, None
    return itertools.chain(seen[1:], rows), seen[0]


@dataclass
class _Loaded:
    attrs: list[str]  # loaded attributes present in every row (optional columns may be absent)
    rows: list[tuple]  # values in `attrs` order
    defaults: dict[str, Any]
    columns: list[str] = field(default_factory=list)  # the column of each of `attrs`
    numbers: list[int] = field(default_factory=list)  # the spreadsheet row of each row
    lookups: Lookups | None = None


def _validate(
    session: Session,
    kind: str,
    filename: str,
    data: bytes,
    report: ImportReport,
    progress: Progress,
) -> _Loaded:
    table = read_table(filename, data)
    columns = SCHEMAS[kind].COLUMNS
    rows, found = _find_header(iter(table.rows), columns)
    header: Header | None = None
    if found is not None:
        try:
            header = parse_header(columns, *found)
        except _HeaderProblems as exc:
            for _ in rows:  # read on: formula and merged cells are reported too
                pass
            raise _unreadable(errors=exc.errors + table.errors) from None
    if header is None:
        raise _unreadable(
            "文件是空的：没有表头，也没有数据",
            "the file is empty: no header row and no data",
            errors=table.errors,
        )
    report.ignored_columns = header.ignored

    present = [c.name for c in columns if c.name in header.positions]
    positions = [(name, header.positions[name]) for name in present]

    headless = sorted(header.blank)  # positions with an empty header cell

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in rows:
            if not any(c.strip() for c in cells):
                continue
            n = len(cells)
            if n <= header.width and not headless:
                headless_here: Iterable[int] = ()
            else:
                headless_here = [i for i in headless if i < n] + list(range(header.width, n))
            for i in headless_here:
                if cells[i].strip():
                    report.add_error(
                        RowError(
                            number,
                            "",
                            f"{get_column_letter(i + 1)}{number}",
                            cells[i].strip(),
                            Msg(
                                "此单元格有内容，但所在列没有表头（单元格多于表头）",
                                "this cell has a value but its column has no header "
                                "(more cells than header columns)",
                            ),
                        )
                    )
            yield number, {name: cells[i] if i < n else "" for name, i in positions}

    recs: Iterable[tuple[int, dict[str, str]]] = records()
    usccs: list[str] = []
    if kind == "conflicts":  # look the named entities up once, before validating
        recs = list(recs)
        usccs = [uscc.compact(v["uscc"]) for _, v in recs]
    schema: RowSchema = SCHEMAS[kind](build_lookups(session, kind, usccs))
    fields = schema.load_fields
    attrs = [fields[name].attribute or name for name in present]
    key_attrs = NATURAL_KEYS[kind]
    key_columns = [name for name in present if (fields[name].attribute or name) in key_attrs]
    seen: dict[tuple, int] = {}
    out: list[tuple] = []
    numbers: list[int] = []
    total = max((table.size_hint or 1) - header.row, 0) or None
    for number, values in progress(recs, total=total, desc="validating", unit=" rows"):
        report.rows += 1
        try:
            row = schema.load_row(values)
            good = True
        except ValidationError as exc:
            for error in _row_errors(exc, number, values, header):
                report.add_error(error)
            row = exc.valid_data or {}
            good = False
        if all(a in row for a in key_attrs):
            key = tuple(row[a] for a in key_attrs)
            first = seen.setdefault(key, number)
            if first != number:
                good = False
                value = ", ".join(values[c].strip() for c in key_columns)
                report.add_error(
                    RowError(
                        number,
                        ", ".join(key_columns),
                        "",
                        value,
                        Msg(f"与第 {first} 行重复", f"duplicates row {first}"),
                    )
                )
        if good and report.ok:
            out.append(tuple(row[a] for a in attrs))
            numbers.append(number)
    letters = {get_column_letter(i + 1): name for name, i in header.positions.items()}
    for e in table.errors:  # formula cells: name their column
        letter = re.sub(r"[0-9:].*", "", e.cell)
        report.add_error(
            RowError(e.row, letters[letter], e.cell, e.value, e.message)
            if not e.column and letter in letters
            else e
        )
    if report.rows == 0 and report.ok:
        raise _unreadable(
            "文件只有表头，没有数据行", "the file has a header row but no data rows", header.row
        )
    report.errors.sort(key=lambda e: e.row or 0)
    return _Loaded(attrs, out, schema.defaults(), present, numbers, schema.lookups)


def _shown(lookups: Lookups | None) -> dict[str, dict]:
    """Loaded id -> the code a file gives, for the attributes that hold ids (diff report)."""
    if lookups is None:
        return {}

    def inverse(mapping) -> dict:
        out: dict = {}
        for text, id_ in mapping.items():
            out.setdefault(id_, text)  # codes come first in the lookups, names after
        return out

    return {
        "town_id": inverse(lookups.towns),
        "body_id": dict(lookups.body_codes) or inverse(lookups.bodies),
        "unit_id": inverse(lookups.units),
        "officer_id": inverse(lookups.officers),
        "entity_id": inverse(lookups.entities),
    }


def _show(value, attr: str, shown: dict[str, dict]) -> str:
    if attr in shown:
        value = shown[attr].get(value, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write(
    session: Session,
    kind: str,
    loaded: _Loaded,
    report: ImportReport,
    progress: Progress,
) -> None:
    model = MODELS[kind]
    attrs = loaded.attrs
    key_idx = [attrs.index(a) for a in NATURAL_KEYS[kind]]
    keys = [tuple(r[i] for i in key_idx) for r in loaded.rows]
    existing = _existing(session, kind, attrs, keys)
    missing_defaults = {a: v for a, v in loaded.defaults.items() if a not in attrs}
    creates: list[tuple] = []
    updates: list[tuple] = []  # (id, *row)
    diff = report.diff
    shown = _shown(loaded.lookups) if diff is not None else {}
    columns = loaded.columns or attrs
    numbers = loaded.numbers or [None] * len(keys)
    for key, row, number in zip(keys, loaded.rows, numbers, strict=True):
        old = existing.get(key)
        if old is None:
            creates.append(row)
            action = "created"
        elif old[1:] != row:
            updates.append((old[0], *row))
            action = "updated"
            for col, attr, before, after in zip(columns, attrs, old[1:], row, strict=True):
                if before != after:
                    report.changed_columns[col] += 1
                    if diff is not None:
                        diff.append(
                            (
                                number,
                                _key_text(key, key_idx, attrs, shown),
                                action,
                                col,
                                _show(before, attr, shown),
                                _show(after, attr, shown),
                            )
                        )
        else:
            report.unchanged += 1
            action = "unchanged"
        if diff is not None and action != "updated":
            diff.append((number, _key_text(key, key_idx, attrs, shown), action, "", "", ""))
    del existing, keys
    report.created, report.updated = len(creates), len(updates)
    id_attrs = ["id", *attrs]
    # Parameter dicts are built one batch at a time, to keep the memory down.
    batches = [(insert(model), c, attrs, missing_defaults) for c in chunks(creates, WRITE_CHUNK)]
    batches += [(update(model), c, id_attrs, {}) for c in chunks(updates, WRITE_CHUNK)]
    for stmt, chunk, names, extra in progress(
        batches, total=len(batches), desc="writing", unit=" batches"
    ):
        session.execute(stmt, [{**extra, **dict(zip(names, r, strict=True))} for r in chunk])
    # Objects of `model` already in the session are refreshed by SQLAlchemy: its bulk
    # UPDATE by primary key synchronises the identity map ("evaluate").


def _key_text(key: tuple, key_idx: list[int], attrs: list[str], shown: dict) -> str:
    return " ".join(_show(v, attrs[i], shown) for v, i in zip(key, key_idx, strict=True))
