"""Export a plan's results (检查结果导出) in the columns the importer reads, plus their
state and version: staff only (findings are confidential)."""

from __future__ import annotations

import csv
import io
from typing import IO

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.errors import Forbidden, Msg
from scheduler.models import (
    Assignment,
    Body,
    Inspection,
    InspectionResult,
    ResultState,
    ResultVersion,
    Role,
    result_version_category,
)
from scheduler.results.importer import COLUMNS
from scheduler.results.lifecycle import _plan_for_results

HEADER = [c.name for c in COLUMNS] + ["state", "version", "disclosed_at"]


def rows(session: Session, code: str, actor: Actor) -> list[list[str]]:
    """One row per (inspection, body) part of the plan, not entered ones included."""
    if actor.role == Role.OFFICER:
        raise Forbidden(Msg("执法人员不能导出检查结果", "officers do not export results"))
    plan = _plan_for_results(session, code, actor)
    parts = (
        select(Assignment.inspection_id, Assignment.body_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id)
        .distinct()
        .subquery()
    )
    q = (
        select(
            Inspection.uscc,
            Body.code,
            ResultVersion.id,
            ResultVersion.submitted_by,
            ResultVersion.inspected_on,
            ResultVersion.findings,
            ResultVersion.public_summary,
            ResultVersion.follow_up,
            ResultVersion.follow_up_due,
            InspectionResult.state,
            InspectionResult.current_no,
            ResultVersion.disclosed_at,
            Inspection.cancelled_at,
        )
        .select_from(parts)
        .join(Inspection, Inspection.id == parts.c.inspection_id)
        .join(Body, Body.id == parts.c.body_id)
        .outerjoin(
            InspectionResult,
            and_(
                InspectionResult.inspection_id == parts.c.inspection_id,
                InspectionResult.body_id == parts.c.body_id,
            ),
        )
        .outerjoin(
            ResultVersion,
            and_(
                ResultVersion.result_id == InspectionResult.id,
                ResultVersion.number == InspectionResult.current_no,
            ),
        )
        .order_by(Inspection.uscc, Body.code)
    )
    data = session.execute(q).all()
    cats: dict[int, list[str]] = {}
    for vid, c in session.execute(
        select(result_version_category.c.version_id, result_version_category.c.category_code)
    ):
        cats.setdefault(vid, []).append(c)
    out = []
    for r in data:
        state = "cancelled" if r.cancelled_at else (r.state or ResultState.NOT_ENTERED.value)
        out.append(
            [
                r.uscc,
                r.code,
                r.submitted_by or "",
                ";".join(sorted(cats.get(r.id, []))),
                r.inspected_on.isoformat() if r.inspected_on else "",
                r.findings or "",
                r.public_summary or "",
                r.follow_up or "",
                r.follow_up_due.isoformat() if r.follow_up_due else "",
                state,
                str(r.current_no or ""),
                r.disclosed_at.isoformat() + "Z" if r.disclosed_at else "",
            ]
        )
    return out


def write(session: Session, code: str, actor: Actor, out: IO[bytes], fmt: str) -> int:
    """Write the plan's results as `csv` (UTF-8 with BOM, for Excel) or `xlsx`."""
    data = rows(session, code, actor)
    if fmt == "csv":
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(data)
        out.write(("\ufeff" + text.getvalue()).encode("utf-8"))
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("results")
        ws.append(HEADER)
        for r in data:
            ws.append(r)
        wb.save(out)
    return len(data)
