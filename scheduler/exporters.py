"""Export a directory to CSV (UTF-8, English header) or XLSX, in the format the importer reads.

Export then import is a round trip: re-importing the file reports every row unchanged.
CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab
or carriage return) get a leading apostrophe (`scheduler.textfiles.neutralise_cell`), which
the importer removes again; XLSX cells are typed text, never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.directory_rows import SCHEMAS
from scheduler.errors import Msg
from scheduler.models import Body, Conflict, Entity, LeavePeriod, Officer, Role, Town, Unit
from scheduler.textfiles import neutralise_cell

FORMATS = ("csv", "xlsx")


def header(kind: str) -> list[str]:
    return [c.name for c in SCHEMAS[kind].COLUMNS]


def _statement(kind: str):
    if kind == "entities":
        return (
            select(
                Entity.uscc,
                Entity.name,
                Entity.type,
                Entity.industry,
                Town.code,
                Entity.address,
                Entity.registered_on,
                Entity.status,
                Entity.credit_class,
                Entity.key_supervision,
                Entity.abnormal,
            )
            .join(Town, Entity.town_id == Town.id)
            .order_by(Entity.uscc)
        )
    if kind == "officers":
        return (
            select(
                Officer.cert_no,
                Officer.name,
                Body.code,
                Unit.code,
                Officer.cert_valid_from,
                Officer.cert_valid_to,
                Officer.cert_status,
                Officer.competences,
                Officer.phone,
            )
            .join(Body, Officer.body_id == Body.id)
            .join(Unit, Officer.unit_id == Unit.id)
            .order_by(Officer.cert_no)
        )
    if kind == "conflicts":
        return (
            select(
                Officer.cert_no,
                Entity.uscc,
                Conflict.kind,
                Conflict.declared_on,
                Conflict.note,
            )
            .join(Officer, Conflict.officer_id == Officer.id)
            .join(Entity, Conflict.entity_id == Entity.id)
            .order_by(Officer.cert_no, Entity.uscc)
        )
    if kind == "leave":
        return (
            select(Officer.cert_no, LeavePeriod.starts_on, LeavePeriod.ends_on, LeavePeriod.reason)
            .join(Officer, LeavePeriod.officer_id == Officer.id)
            .order_by(Officer.cert_no, LeavePeriod.starts_on)
        )
    raise ValueError(f"unknown directory {kind!r}; one of {', '.join(SCHEMAS)}")


def rows(session: Session, kind: str) -> Iterator[tuple]:
    """The directory's rows in file-column order, sorted by natural key; typed values."""
    yield from session.execute(_statement(kind)).yield_per(5000)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise_cell(str(value))


def write_csv(session: Session, kind: str, out: IO[bytes], bom: bool = False) -> int:
    """Write UTF-8 CSV (with a BOM for Excel if asked) to a binary stream; returns the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(header(kind))
    count = 0
    for row in rows(session, kind):
        writer.writerow([_text(v) for v in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(session: Session, kind: str, out: IO[bytes]) -> int:
    """Write an XLSX workbook with one sheet to a binary stream; returns the row count.

    Dates are date cells (yyyy-mm-dd), yes/no columns the numbers 1/0, everything else
    text cells, so that codes keep their leading zeros and nothing becomes a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(kind)
    ws.append(header(kind))
    count = 0
    for row in rows(session, kind):
        cells = []
        for value in row:
            if isinstance(value, bool):
                cells.append(int(value))
            elif isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
        count += 1
    wb.save(out)
    return count


def export_directory(
    session: Session, kind: str, out: IO[bytes], fmt: str, actor: Actor, bom: bool = False
) -> int:
    """Write directory `kind` to `out` as "csv" or "xlsx"; returns the number of rows.
    Confidential (phones, conflict notes): administrators and auditors only."""
    access.require_role(
        actor, Role.ADMIN, Role.AUDITOR, action=Msg("导出名录", "export directories")
    )
    if kind not in SCHEMAS:
        raise ValueError(f"unknown directory {kind!r}; one of {', '.join(SCHEMAS)}")
    if fmt == "csv":
        return write_csv(session, kind, out, bom)
    if fmt == "xlsx":
        return write_xlsx(session, kind, out)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
