"""Import a results file (检查结果批量导入): a body's office often collects results in a
spreadsheet. All-or-nothing like the directory importers: a file with any bad row writes
nothing and the error lists every problem with its row, cell, column and value.

Columns (English or Chinese header, any order): `uscc` 统一社会信用代码 (required),
`body` 执法主体 (needed in a joint inspection), `by` 录入人执法证号 (a team member),
`categories` 检查结果 (codes or Chinese names, `;`-separated, required), `inspected_on`
检查日期 (required), `findings` 检查情况, `public_summary` 公示说明, `follow_up` 后续处理,
`follow_up_due` 后续处理期限. Imported results are submitted for review; with `approve`
(a planner of the body, or the system) they are approved at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter
from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.db import chunks
from scheduler.directory_rows import Column
from scheduler.errors import FileProblem, Forbidden, Invalid, Msg, PlanStateError
from scheduler.importers import RowError, _HeaderProblems, parse_header, read_table
from scheduler.models import (
    Assignment,
    Body,
    Inspection,
    InspectionResult,
    Officer,
    ResultState,
    ResultVersion,
    Role,
    VersionKind,
    result_version_category,
)
from scheduler.results.core import (
    DISCLOSURE_WORKING_DAYS,
    ResultInput,
    categories,
    check_input,
    today_cst,
)
from scheduler.results.lifecycle import RESULT_PLAN_STATES, _plan_for_results
from scheduler.workdays import working_days
from solver.schedule import add_working_days

COLUMNS = (
    Column("uscc", "统一社会信用代码", True),
    Column("body", "执法主体", False),
    Column("by", "录入人执法证号", False),
    Column("categories", "检查结果", True),
    Column("inspected_on", "检查日期", True),
    Column("findings", "检查情况", False),
    Column("public_summary", "公示说明", False),
    Column("follow_up", "后续处理", False),
    Column("follow_up_due", "后续处理期限", False),
)
IMPORTABLE = (None, ResultState.DRAFT.value, ResultState.RETURNED.value)


@dataclass
class ResultsReport:
    plan: str
    filename: str
    sha256: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    approved: bool = False
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        state = "已审核 / approved" if self.approved else "已提交待审核 / submitted"
        return (
            f"{self.plan}：导入 {self.rows} 项检查结果，新增 {self.created}，更新 {self.updated}"
            f" / {self.plan}: {self.rows} results imported, {self.created} new, "
            f"{self.updated} updated ({state})"
        )

    def as_error(self) -> FileProblem:
        n = len(self.errors)
        rows = len({e.row for e in self.errors if e.row})
        return FileProblem(
            Msg(
                f"导入失败，未写入任何数据：{self.filename} 有 {n} 处错误（涉及 {rows} 行）",
                f"Import failed, nothing was written: {self.filename} has {n} error(s) "
                f"in {rows} row(s)",
            ),
            [e.as_detail() for e in self.errors],
            code="import_invalid",
        )


def import_results(
    session: Session,
    code: str,
    filename: str,
    data: bytes,
    actor: Actor,
    approve: bool = False,
    today: dt.date | None = None,
) -> ResultsReport:
    """Validate every row, then write every result (or raise `FileProblem`, writing
    nothing). The caller commits."""
    today = today or today_cst()
    plan = _plan_for_results(session, code, actor, lock=True)
    if not actor.has_role(Role.PLANNER):
        raise Forbidden(
            Msg(f"{actor.name} 无权导入检查结果", f"{actor.name} may not import results")
        )
    if plan.state not in RESULT_PLAN_STATES:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 当前状态为 {plan.state}，公示后才能导入检查结果",
                f"cannot import results into plan {plan.code}: it is {plan.state}, not published",
            )
        )
    report = ResultsReport(plan.code, filename, hashlib.sha256(data).hexdigest(), approved=approve)
    table = read_table(filename, data)
    cats = categories(session)
    by_name = {c.name_zh: c.code for c in cats.values()}
    by_name.update({c.name_en.casefold(): c.code for c in cats.values()})
    bodies = dict(session.execute(select(Body.code, Body.id)).all())
    body_names = {v: k for k, v in bodies.items()}
    body_names_zh = dict(session.execute(select(Body.name_zh, Body.id)).all())
    own_body = bodies.get(actor.body) if actor.role == Role.PLANNER else None

    inspections = {
        uscc: (iid, cancelled)
        for iid, uscc, cancelled in session.execute(
            select(Inspection.id, Inspection.uscc, Inspection.cancelled_at.is_not(None)).where(
                Inspection.plan_id == plan.id
            )
        )
    }
    team_bodies: dict[int, set[int]] = defaultdict(set)
    members: dict[tuple[int, str], int] = {}  # (inspection, cert) -> body, active members
    for iid, body_id, cert, active in session.execute(
        select(Assignment.inspection_id, Assignment.body_id, Officer.cert_no, Assignment.active)
        .join(Officer, Officer.id == Assignment.officer_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id)
    ):
        team_bodies[iid].add(body_id)
        if active:
            members[(iid, cert)] = body_id
    existing = {
        (iid, bid): (rid, state, no)
        for rid, iid, bid, state, no in session.execute(
            select(
                InspectionResult.id,
                InspectionResult.inspection_id,
                InspectionResult.body_id,
                InspectionResult.state,
                InspectionResult.current_no,
            )
            .join(Inspection, Inspection.id == InspectionResult.inspection_id)
            .where(Inspection.plan_id == plan.id)
        )
    }

    rows = iter(table.rows)
    header = None
    errors: list[RowError] = []
    for number, cells in rows:
        if any(c.strip() for c in cells):
            try:
                header = parse_header(COLUMNS, number, cells)
            except _HeaderProblems as exc:
                raise report_error(report, exc.errors) from None
            break
    if header is None:
        raise report_error(
            report, [RowError(None, "", "", "", Msg("文件为空", "the file is empty"))]
        )

    good: list[dict] = []
    seen: dict[tuple[int, int], int] = {}
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1

        def cell(name: str, cells=cells) -> str:
            pos = header.positions.get(name)
            return cells[pos].strip() if pos is not None and pos < len(cells) else ""

        def bad(name: str, zh: str, en: str, value: str = "", number=number) -> None:
            pos = header.positions.get(name)
            ref = f"{get_column_letter(pos + 1)}{number}" if pos is not None else ""
            errors.append(RowError(number, name, ref, value, Msg(zh, en)))

        uscc = cell("uscc").upper()
        found = inspections.get(uscc)
        if not uscc:
            bad("uscc", "缺少统一社会信用代码", "the credit code is missing")
            continue
        if found is None:
            bad(
                "uscc",
                f"计划 {plan.code} 中没有该检查对象",
                f"plan {plan.code} has no inspection of it",
                uscc,
            )
            continue
        iid, cancelled = found
        if cancelled:
            bad("uscc", "该检查已取消", "the inspection was cancelled", uscc)
            continue
        body_text = cell("body")
        by = cell("by")
        if body_text:
            body_id = bodies.get(body_text) or body_names_zh.get(body_text)
            if body_id is None or body_id not in team_bodies[iid]:
                bad(
                    "body",
                    "该主体没有参加此项检查",
                    "this body has no team on the inspection",
                    body_text,
                )
                continue
        elif by and (iid, by) in members:
            body_id = members[(iid, by)]
        elif own_body is not None:
            body_id = own_body
        elif len(team_bodies[iid]) == 1:
            body_id = next(iter(team_bodies[iid]))
        else:
            bad("body", "联合检查须填写执法主体", "a joint inspection needs the body", "")
            continue
        if own_body is not None and body_id != own_body:
            bad(
                "body",
                "只能导入本主体的检查结果",
                "a planner imports only his or her body's results",
                body_text or body_names[body_id],
            )
            continue
        if by and members.get((iid, by)) != body_id:
            bad("by", "录入人不在该主体的检查组中", "not a member of the body's team", by)
            continue
        raw_cats = [
            c.strip() for c in cell("categories").replace("；", ";").split(";") if c.strip()
        ]
        codes = []
        for c in raw_cats:
            code_ = c.upper() if c.upper() in cats else by_name.get(c) or by_name.get(c.casefold())
            if code_ is None:
                bad("categories", f"未知的结果类别“{c}”", f"unknown result category {c!r}", c)
            codes.append(code_ or c)
        try:
            data_in = ResultInput.from_strings(
                codes,
                cell("inspected_on"),
                cell("findings"),
                cell("public_summary"),
                cell("follow_up"),
                cell("follow_up_due"),
            )
        except Invalid as exc:  # bad dates
            for d in exc.details:
                bad(d["field"], d["message"].zh, d["message"].en, d.get("value", ""))
            continue
        problems = check_input(session, data_in, plan.window_start, today, complete=True, cats=cats)
        for p in problems:
            if p["field"] == "categories" and "value" in p and p["value"] not in cats:
                continue  # reported above with the text as written
            bad(p["field"], p["message"].zh, p["message"].en, p.get("value", ""))
        if problems:
            continue
        key = (iid, body_id)
        if key in seen:
            bad("uscc", f"与第 {seen[key]} 行重复", f"the same result as row {seen[key]}", uscc)
            continue
        seen[key] = number
        state = existing.get(key, (None, None, None))[1]
        if state not in IMPORTABLE:
            bad(
                "uscc",
                f"检查结果已{_state_zh(state)}，不能再导入",
                f"the result is already {state}",
                uscc,
            )
            continue
        good.append({"key": key, "data": data_in, "by": by or actor.name})
    errors.extend(table.errors)
    if errors:
        raise report_error(report, errors)
    _write(session, plan, good, existing, actor, approve, report)
    record(
        session,
        EventKind.RESULTS_IMPORTED,
        actor,
        subject=plan.code,
        filename=filename,
        sha256=report.sha256,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        approved=approve,
    )
    session.flush()
    return report


def _state_zh(state: str | None) -> str:
    return {"submitted": "提交", "approved": "审核", "disclosed": "公示"}.get(
        state or "", state or ""
    )


def report_error(report: ResultsReport, errors: list[RowError]) -> FileProblem:
    report.errors = errors
    return report.as_error()


def _write(session, plan, good, existing, actor, approve, report) -> None:
    now = now_utc()
    state = ResultState.APPROVED.value if approve else ResultState.SUBMITTED.value
    new = [g for g in good if g["key"] not in existing]
    old = [g for g in good if g["key"] in existing]
    report.created, report.updated = len(new), len(old)

    def version_values(g) -> dict:
        d = g["data"]
        return {
            "inspected_on": d.inspected_on,
            "findings": d.findings,
            "public_summary": d.public_summary,
            "follow_up": d.follow_up,
            "follow_up_due": d.follow_up_due,
            "submitted_at": now,
            "submitted_by": g["by"],
            "approved_at": now if approve else None,
            "approved_by": actor.name if approve else None,
        }

    version_ids: list[tuple[int, list[str]]] = []
    if new:
        rids = session.scalars(
            insert(InspectionResult).returning(InspectionResult.id, sort_by_parameter_order=True),
            [
                {
                    "inspection_id": g["key"][0],
                    "body_id": g["key"][1],
                    "state": state,
                    "current_no": 1,
                    "disclosed_no": None,
                    "updated_at": now,
                }
                for g in new
            ],
        ).all()
        vids = session.scalars(
            insert(ResultVersion).returning(ResultVersion.id, sort_by_parameter_order=True),
            [
                {
                    "result_id": rid,
                    "number": 1,
                    "kind": VersionKind.ENTRY.value,
                    "entered_by": g["by"],
                    "created_at": now,
                    "return_reason": "",
                    **version_values(g),
                }
                for rid, g in zip(rids, new, strict=True)
            ],
        ).all()
        version_ids += [(vid, g["data"].categories) for vid, g in zip(vids, new, strict=True)]
    for g in old:  # drafts and returned results: their current version is overwritten
        rid, _, no = existing[g["key"]]
        vid = session.scalar(
            select(ResultVersion.id).where(
                ResultVersion.result_id == rid, ResultVersion.number == no
            )
        )
        session.execute(
            update(ResultVersion).where(ResultVersion.id == vid).values(**version_values(g))
        )
        session.execute(
            delete(result_version_category).where(result_version_category.c.version_id == vid)
        )
        session.execute(
            update(InspectionResult)
            .where(InspectionResult.id == rid)
            .values(state=state, updated_at=now)
        )
        version_ids.append((vid, g["data"].categories))
    links = [{"version_id": vid, "category_code": c} for vid, cs in version_ids for c in cs]
    if links:
        session.execute(insert(result_version_category), links)
    _set_done_on(session, plan, {g["key"][0] for g in good})
    session.expire_all()


def _set_done_on(session: Session, plan, inspection_ids: set[int]) -> None:
    """Each inspection's date carried out (the earliest of its bodies' current versions)
    and its disclosure deadline, 20 working days later, set-wise."""
    dates: dict[int, dt.date] = {}
    for chunk in chunks(sorted(inspection_ids)):
        for iid, day in session.execute(
            select(InspectionResult.inspection_id, ResultVersion.inspected_on)
            .join(
                ResultVersion,
                and_(
                    ResultVersion.result_id == InspectionResult.id,
                    ResultVersion.number == InspectionResult.current_no,
                ),
            )
            .where(
                InspectionResult.inspection_id.in_(chunk), ResultVersion.inspected_on.is_not(None)
            )
        ):
            if iid not in dates or day < dates[iid]:
                dates[iid] = day
    if not dates:
        return
    first, last = min(dates.values()), max(dates.values())
    cal = working_days(session, first, last + dt.timedelta(days=3 * DISCLOSURE_WORKING_DAYS + 60))
    rows = [
        {
            "b_id": iid,
            "b_done": day,
            "b_due": add_working_days(cal.days, day, DISCLOSURE_WORKING_DAYS),
        }
        for iid, day in dates.items()
    ]
    session.execute(
        update(Inspection.__table__)
        .where(Inspection.__table__.c.id == bindparam("b_id"))
        .values(done_on=bindparam("b_done"), disclosure_due=bindparam("b_due")),
        rows,
    )
