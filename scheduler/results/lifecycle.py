"""The result lifecycle (检查结果流转): a team member enters and submits, a planner of the
body returns (with a reason) or approves, a planner discloses (公示); a correction (更正) or
follow-up (续录) after disclosure is a new version, reviewed and disclosed again. Nothing
is deleted. A plan closes when every inspection is disclosed or cancelled.

    not_entered -> draft -> submitted -> approved -> disclosed -> (new version) draft ...
                              \\-> returned -> draft / submitted

Each step checks the actor's scope, refuses a wrong state with a clear message, and
records its typed audit event in the caller's transaction (never commits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.db import chunks
from scheduler.errors import (
    Forbidden,
    InspectionNotFound,
    Invalid,
    Msg,
    NotFound,
    PlanNotFound,
    PlanStateError,
    StateConflict,
    TooLarge,
)
from scheduler.models import (
    Assignment,
    Body,
    Inspection,
    InspectionResult,
    Officer,
    Plan,
    PlanState,
    ResultAttachment,
    ResultState,
    ResultVersion,
    Role,
    VersionKind,
)
from scheduler.plans.core import get_plan
from scheduler.results.core import ResultInput, categories, check_input, disclosure_due, today_cst

# Results are entered once the plan is published; corrections also after it closed.
RESULT_PLAN_STATES = (PlanState.PUBLISHED.value, PlanState.CLOSED.value)
EDITABLE = (ResultState.DRAFT.value, ResultState.SUBMITTED.value, ResultState.RETURNED.value)

STATE_NAMES = {
    ResultState.NOT_ENTERED.value: Msg("未录入", "not entered"),
    ResultState.DRAFT.value: Msg("草稿", "draft"),
    ResultState.SUBMITTED.value: Msg("已提交待审核", "submitted"),
    ResultState.RETURNED.value: Msg("已退回", "returned"),
    ResultState.APPROVED.value: Msg("已审核待公示", "approved"),
    ResultState.DISCLOSED.value: Msg("已公示", "disclosed"),
}

# Attachments (photos, the signed record): size and type limits.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
ATTACHMENT_TYPES = {  # content type -> magic bytes at the start of the file
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


def _state_error(result_key: str, state: str, action: Msg) -> StateConflict:
    name = STATE_NAMES[state]
    return StateConflict(
        Msg(
            f"{result_key} 的检查结果{name.zh}，不能{action.zh}",
            f"cannot {action.en} the result of {result_key}: it is {name.en}",
        ),
        code="result_state",
    )


def _plan_for_results(session: Session, code: str, actor: Actor, lock: bool = False) -> Plan:
    """The plan, if the actor may know it: its planners (view), its officers (own
    inspections), the system. Others get `PlanNotFound`."""
    plan = get_plan(session, code, lock=lock)
    if actor.role == Role.OFFICER:
        own = session.scalar(
            select(Assignment.id)
            .join(Inspection, Inspection.id == Assignment.inspection_id)
            .join(Officer, Officer.id == Assignment.officer_id)
            .where(Inspection.plan_id == plan.id, Officer.cert_no == actor.cert_no)
            .limit(1)
        )
        if own is None:
            raise PlanNotFound.of(code)
    else:
        access.check_plan(actor, plan, access.VIEW)
    return plan


def _inspection(session: Session, plan: Plan, uscc: str) -> Inspection:
    insp = session.scalar(
        select(Inspection).where(Inspection.plan_id == plan.id, Inspection.uscc == uscc)
    )
    if insp is None:
        raise InspectionNotFound.of(plan.code, uscc)
    return insp


def team_bodies(session: Session, insp: Inspection) -> list[int]:
    """The bodies that had a team on the inspection: each records its own result."""
    return sorted(
        set(
            session.scalars(
                select(Assignment.body_id).where(Assignment.inspection_id == insp.id).distinct()
            )
        )
    )


def _member_body(session: Session, insp: Inspection, cert_no: str) -> int | None:
    return session.scalar(
        select(Assignment.body_id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .where(Assignment.inspection_id == insp.id, Officer.cert_no == cert_no, Assignment.active)
    )


def _body_by_code(session: Session, code: str) -> Body:
    body = session.scalar(select(Body).where(Body.code == code))
    if body is None:
        raise NotFound(Msg(f"未知执法主体 {code}", f"unknown body {code!r}"), field="body")
    return body


def _entering_body(
    session: Session, plan: Plan, insp: Inspection, actor: Actor, by: str | None
) -> tuple[int, str]:
    """(body id, who) of an entry: an officer enters for his or her own team; the system
    (command line, import) names the team member with `by`; a planner enters for his or
    her body's team. Anyone else: the inspection does not exist for him or her."""
    key = f"{plan.code}/{insp.uscc}"
    if actor.role == Role.OFFICER:
        body_id = _member_body(session, insp, actor.cert_no or "")
        if body_id is None:
            raise InspectionNotFound.of(plan.code, insp.uscc)
        return body_id, actor.cert_no
    if by:
        body_id = _member_body(session, insp, by)
        if body_id is None:
            raise Invalid(
                Msg(f"{by} 不在 {key} 的检查组中", f"{by} is not on the team of {key}"),
                field="by",
                code="not_on_team",
            )
        if actor.role == Role.PLANNER and _body_by_code(session, actor.body).id != body_id:
            raise Forbidden(
                Msg("只能录入本主体的检查结果", "a planner enters only his or her body's results")
            )
        if not actor.has_role(Role.PLANNER):
            raise Forbidden(
                Msg(f"{actor.name} 无权录入检查结果", f"{actor.name} may not enter results")
            )
        return body_id, by
    if actor.role == Role.PLANNER:
        body = _body_by_code(session, actor.body)
        if body.id not in team_bodies(session, insp):
            raise InspectionNotFound.of(plan.code, insp.uscc)
        return body.id, actor.name
    if actor.is_system:
        bodies = team_bodies(session, insp)
        if len(bodies) == 1:
            return bodies[0], actor.name
    raise Invalid(
        Msg("请用 --by 指明录入的检查组成员", "name the team member who enters with --by"),
        field="by",
    )


def _reviewing_body(
    session: Session, plan: Plan, insp: Inspection, actor: Actor, body: str | None
) -> int:
    """The body whose result a planner reviews or discloses: his or her own (planners of
    other bodies: forbidden); the system may name one (`body`) and needs to in a joint
    inspection."""
    if actor.role == Role.PLANNER:
        own = _body_by_code(session, actor.body)
        if body and body != own.code:
            raise Forbidden(
                Msg("只能审核本主体的检查结果", "a planner reviews only his or her body's results")
            )
        return own.id
    if not actor.is_system:
        raise Forbidden(
            Msg(f"{actor.name} 无权审核或公示检查结果", f"{actor.name} may not review results")
        )
    bodies = team_bodies(session, insp)
    if body:
        b = _body_by_code(session, body)
        if b.id not in bodies:
            raise NotFound(
                Msg(f"{body} 没有参加该检查", f"{body} has no team on this inspection"),
                field="body",
            )
        return b.id
    if len(bodies) != 1:
        raise Invalid(
            Msg("联合检查请用 --body 指明主体", "a joint inspection: name the body with --body"),
            field="body",
        )
    return bodies[0]


def get_result(session: Session, insp_id: int, body_id: int) -> InspectionResult | None:
    return session.scalar(
        select(InspectionResult).where(
            InspectionResult.inspection_id == insp_id, InspectionResult.body_id == body_id
        )
    )


def current_version(result: InspectionResult) -> ResultVersion:
    return next(v for v in result.versions if v.number == result.current_no)


def disclosed_version(result: InspectionResult) -> ResultVersion | None:
    if result.disclosed_no is None:
        return None
    return next(v for v in result.versions if v.number == result.disclosed_no)


def _snapshot(version: ResultVersion) -> dict:
    """What the audit log keeps of a version at each step (staff only)."""
    return {
        "version": version.number,
        "version_kind": version.kind,
        "categories": [c.code for c in version.categories],
        "inspected_on": version.inspected_on.isoformat() if version.inspected_on else None,
        "findings_sha256": hashlib.sha256(version.findings.encode()).hexdigest(),
        "public_summary": version.public_summary,
        "follow_up": version.follow_up,
        "follow_up_due": version.follow_up_due.isoformat() if version.follow_up_due else None,
    }


def _require_open(plan: Plan, insp: Inspection, action: Msg) -> None:
    if plan.state not in RESULT_PLAN_STATES:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 当前状态为 {plan.state}，公示后才能{action.zh}",
                f"cannot {action.en} in plan {plan.code}: it is {plan.state}, not published",
            )
        )
    if insp.cancelled_at is not None:
        raise StateConflict(
            Msg(
                f"{plan.code}/{insp.uscc} 的检查已取消",
                f"the inspection {plan.code}/{insp.uscc} was cancelled",
            ),
            code="inspection_cancelled",
        )


def _apply(session: Session, version: ResultVersion, data: ResultInput) -> None:
    cats = categories(session)
    version.categories = [cats[c] for c in data.categories]
    version.inspected_on = data.inspected_on
    version.findings = data.findings
    version.public_summary = data.public_summary
    version.follow_up = data.follow_up
    version.follow_up_due = data.follow_up_due


def _update_done_on(session: Session, insp: Inspection) -> None:
    """The inspection's date actually carried out: the earliest date its bodies entered;
    the disclosure deadline follows it (20 working days)."""
    dates = [
        d
        for d in session.scalars(
            select(ResultVersion.inspected_on)
            .join(InspectionResult, InspectionResult.id == ResultVersion.result_id)
            .where(
                InspectionResult.inspection_id == insp.id,
                ResultVersion.number == InspectionResult.current_no,
            )
        )
        if d is not None
    ]
    done = min(dates) if dates else None
    if done is not None and done != insp.done_on:
        insp.done_on = done
        insp.disclosure_due = disclosure_due(session, done)


def load(
    session: Session, code: str, uscc: str, actor: Actor, lock: bool = False
) -> tuple[Plan, Inspection]:
    """The plan and its inspection of `uscc`, if the actor may see them (officers: only
    their own inspections; otherwise `InspectionNotFound` / `PlanNotFound`)."""
    plan = _plan_for_results(session, code, actor, lock=lock)
    insp = _inspection(session, plan, uscc)
    if actor.role == Role.OFFICER and _member_body(session, insp, actor.cert_no or "") is None:
        raise InspectionNotFound.of(plan.code, uscc)
    return plan, insp


def save_draft(
    session: Session,
    code: str,
    uscc: str,
    data: ResultInput,
    actor: Actor,
    by: str | None = None,
    follow_up: bool = False,
    today: dt.date | None = None,
) -> InspectionResult:
    """Save what a team member entered as a draft (草稿). Editable until a planner approves
    it; after disclosure it starts a new version: a correction (更正), or with `follow_up`
    a follow-up entry (续录)."""
    plan, insp = load(session, code, uscc, actor, lock=True)
    _require_open(plan, insp, Msg("录入检查结果", "enter results"))
    body_id, who = _entering_body(session, plan, insp, actor, by)
    key = f"{plan.code}/{insp.uscc}"
    problems = check_input(session, data, plan.window_start, today or today_cst(), complete=False)
    if problems:
        raise Invalid(Msg(f"{key} 的检查结果有误", f"the result of {key} has errors"), problems)
    now = now_utc()
    result = get_result(session, insp.id, body_id)
    if result is None:
        result = InspectionResult(
            inspection_id=insp.id,
            body_id=body_id,
            state=ResultState.DRAFT.value,
            current_no=1,
            updated_at=now,
        )
        session.add(result)
        session.flush()
        version = ResultVersion(
            result=result, number=1, kind=VersionKind.ENTRY.value, entered_by=who, created_at=now
        )
        session.add(version)
    elif result.state == ResultState.DISCLOSED.value:
        kind = VersionKind.FOLLOW_UP if follow_up else VersionKind.CORRECTION
        result.current_no += 1
        version = ResultVersion(
            result=result,
            number=result.current_no,
            kind=kind.value,
            entered_by=who,
            created_at=now,
        )
        session.add(version)
    elif result.state in EDITABLE:
        version = current_version(result)
    else:
        raise _state_error(key, result.state, Msg("修改", "change"))
    _apply(session, version, data)
    result.state = ResultState.DRAFT.value
    result.updated_at = now
    session.flush()
    _update_done_on(session, insp)
    record(
        session,
        EventKind.RESULT_SAVED,
        actor,
        subject=plan.code,
        inspection=key,
        body=session.get(Body, body_id).code,
        by=who,
        **_snapshot(version),
    )
    session.flush()
    return result


def submit(
    session: Session,
    code: str,
    uscc: str,
    actor: Actor,
    by: str | None = None,
    today: dt.date | None = None,
) -> InspectionResult:
    """A team member submits the draft for review (提交审核); it must be complete."""
    plan, insp = load(session, code, uscc, actor, lock=True)
    _require_open(plan, insp, Msg("提交检查结果", "submit results"))
    body_id, who = _entering_body(session, plan, insp, actor, by)
    key = f"{plan.code}/{insp.uscc}"
    result = get_result(session, insp.id, body_id)
    state = result.state if result else ResultState.NOT_ENTERED.value
    if state not in (ResultState.DRAFT.value, ResultState.RETURNED.value):
        raise _state_error(key, state, Msg("提交", "submit"))
    version = current_version(result)
    data = ResultInput(
        [c.code for c in version.categories],
        version.inspected_on,
        version.findings,
        version.public_summary,
        version.follow_up,
        version.follow_up_due,
    )
    problems = check_input(session, data, plan.window_start, today or today_cst(), complete=True)
    if problems:
        raise Invalid(
            Msg(f"{key} 的检查结果不完整", f"the result of {key} is incomplete"), problems
        )
    now = now_utc()
    result.state = ResultState.SUBMITTED.value
    result.updated_at = now
    version.submitted_at = now
    version.submitted_by = who
    record(
        session,
        EventKind.RESULT_SUBMITTED,
        actor,
        subject=plan.code,
        inspection=key,
        body=result.body.code,
        by=who,
        **_snapshot(version),
    )
    session.flush()
    return result


def enter(
    session: Session,
    code: str,
    uscc: str,
    data: ResultInput,
    actor: Actor,
    by: str | None = None,
    follow_up: bool = False,
    today: dt.date | None = None,
) -> InspectionResult:
    """Save and submit in one step (what `flask result enter` does)."""
    save_draft(session, code, uscc, data, actor, by=by, follow_up=follow_up, today=today)
    return submit(session, code, uscc, actor, by=by, today=today)


APPROVE, RETURN = "approve", "return"


def review(
    session: Session,
    code: str,
    uscc: str,
    decision: str,
    actor: Actor,
    reason: str = "",
    body: str | None = None,
) -> InspectionResult:
    """A planner of the body approves (审核通过) a submitted result or returns it (退回)
    to the team with a reason."""
    if decision not in (APPROVE, RETURN):
        raise Invalid(
            Msg(
                f"审核结论应为 approve 或 return：{decision}",
                f"decision {decision!r}: approve or return",
            ),
            field="decision",
        )
    plan, insp = load(session, code, uscc, actor, lock=True)
    _require_open(plan, insp, Msg("审核检查结果", "review results"))
    body_id = _reviewing_body(session, plan, insp, actor, body)
    key = f"{plan.code}/{insp.uscc}"
    result = get_result(session, insp.id, body_id)
    state = result.state if result else ResultState.NOT_ENTERED.value
    action = Msg("审核通过", "approve") if decision == APPROVE else Msg("退回", "return")
    if state != ResultState.SUBMITTED.value:
        raise _state_error(key, state, action)
    reason = (reason or "").strip()
    if decision == RETURN and not reason:
        raise Invalid(Msg("退回须说明理由", "a return needs a reason"), field="reason")
    version = current_version(result)
    now = now_utc()
    if decision == APPROVE:
        result.state = ResultState.APPROVED.value
        version.approved_at = now
        version.approved_by = actor.name
        kind = EventKind.RESULT_APPROVED
    else:
        result.state = ResultState.RETURNED.value
        version.returned_at = now
        version.return_reason = reason
        kind = EventKind.RESULT_RETURNED
    result.updated_at = now
    record(
        session,
        kind,
        actor,
        subject=plan.code,
        inspection=key,
        body=result.body.code,
        version=version.number,
        reason=reason,
    )
    session.flush()
    return result


def disclose(
    session: Session,
    code: str,
    actor: Actor,
    uscc: str | None = None,
    all_approved: bool = False,
    body: str | None = None,
) -> list[InspectionResult]:
    """Disclose (公示) one approved result (`uscc`) or every approved one of the body
    (`all_approved`). A planner discloses his or her body's results; the system those of
    `body`, or of every body. Closes the plan when nothing is left to disclose."""
    if (uscc is None) == (not all_approved):
        raise Invalid(
            Msg("请指定一个检查对象或 --all-approved", "name one entity or --all-approved"),
            field="uscc",
        )
    now = now_utc().replace(microsecond=0)
    if uscc is not None:
        plan, insp = load(session, code, uscc, actor, lock=True)
        _require_open(plan, insp, Msg("公示检查结果", "disclose results"))
        body_id = _reviewing_body(session, plan, insp, actor, body)
        result = get_result(session, insp.id, body_id)
        state = result.state if result else ResultState.NOT_ENTERED.value
        if state != ResultState.APPROVED.value:
            raise _state_error(f"{plan.code}/{uscc}", state, Msg("公示", "disclose"))
        results = [result]
    else:
        plan = _plan_for_results(session, code, actor, lock=True)
        if plan.state not in RESULT_PLAN_STATES:
            raise PlanStateError(
                Msg(
                    f"计划 {plan.code} 当前状态为 {plan.state}，不能公示检查结果",
                    f"cannot disclose results of plan {plan.code}: it is {plan.state}",
                )
            )
        query = (
            select(InspectionResult)
            .join(Inspection, Inspection.id == InspectionResult.inspection_id)
            .where(
                Inspection.plan_id == plan.id,
                Inspection.cancelled_at.is_(None),
                InspectionResult.state == ResultState.APPROVED.value,
            )
        )
        if actor.role == Role.PLANNER:
            if body and body != actor.body:
                raise Forbidden(
                    Msg(
                        "只能公示本主体的检查结果",
                        "a planner discloses only his or her body's results",
                    )
                )
            query = query.where(InspectionResult.body_id == _body_by_code(session, actor.body).id)
        elif not actor.is_system:
            raise Forbidden(
                Msg(f"{actor.name} 无权公示检查结果", f"{actor.name} may not disclose results")
            )
        elif body:
            query = query.where(InspectionResult.body_id == _body_by_code(session, body).id)
        results = session.scalars(query.order_by(InspectionResult.id)).all()
    ids = [r.id for r in results]
    _disclose_rows(session, ids, now)
    for r in results:  # reloaded on next access, without a query per row now
        session.expire(r)
    keys = session.execute(
        select(Inspection.uscc, Body.code)
        .join(InspectionResult, InspectionResult.inspection_id == Inspection.id)
        .join(Body, Body.id == InspectionResult.body_id)
        .where(InspectionResult.id.in_(ids[:500]))
        .order_by(Inspection.uscc, Body.code)
    ).all()
    record(
        session,
        EventKind.RESULT_DISCLOSED,
        actor,
        subject=plan.code,
        count=len(results),
        inspections=[f"{plan.code}/{u}:{b}" for u, b in keys],
        body=body or actor.body,
        at=now.isoformat(),
    )
    maybe_close(session, plan, actor)
    session.flush()
    return results


def _disclose_rows(session: Session, result_ids: list[int], now: dt.datetime) -> None:
    """Mark these approved results disclosed: their current version gets `disclosed_at`
    and becomes the one the public sees. Set-based, for thousands at once."""
    session.flush()
    for chunk in chunks(result_ids):
        session.execute(
            update(ResultVersion)
            .where(
                ResultVersion.result_id.in_(chunk),
                ResultVersion.number
                == select(InspectionResult.current_no)
                .where(InspectionResult.id == ResultVersion.result_id)
                .scalar_subquery(),
            )
            .values(disclosed_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(InspectionResult)
            .where(InspectionResult.id.in_(chunk))
            .values(
                state=ResultState.DISCLOSED.value,
                disclosed_no=InspectionResult.current_no,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )


def cancel_inspection(
    session: Session, code: str, uscc: str, reason: str, actor: Actor
) -> Inspection:
    """Cancel an inspection with a reason (e.g. the entity was deregistered, 已注销): it
    needs no result. A planner of the lead body (or the system); the row stays."""
    plan = get_plan(session, code, lock=True)
    access.check_plan(actor, plan, access.MANAGE)
    insp = _inspection(session, plan, uscc)
    key = f"{plan.code}/{uscc}"
    if plan.state != PlanState.PUBLISHED.value:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 当前状态为 {plan.state}，不能取消检查",
                f"cannot cancel an inspection of plan {plan.code}: it is {plan.state}, "
                "not published",
            )
        )
    if insp.cancelled_at is not None:
        raise StateConflict(
            Msg(f"{key} 已取消", f"{key} is already cancelled"), code="inspection_cancelled"
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(Msg("取消检查须说明理由", "cancelling needs a reason"), field="reason")
    disclosed = session.scalar(
        select(func.count())
        .select_from(InspectionResult)
        .where(
            InspectionResult.inspection_id == insp.id, InspectionResult.disclosed_no.is_not(None)
        )
    )
    if disclosed:
        raise StateConflict(
            Msg(
                f"{key} 的检查结果已公示，不能取消",
                f"{key} has a disclosed result; it cannot be cancelled",
            ),
            code="result_state",
        )
    insp.cancelled_at = now_utc().replace(microsecond=0)
    insp.cancel_reason = reason
    record(
        session,
        EventKind.INSPECTION_CANCELLED,
        actor,
        subject=plan.code,
        inspection=key,
        reason=reason,
    )
    maybe_close(session, plan, actor)
    session.flush()
    return insp


def outstanding(session: Session, plan: Plan) -> int:
    """How many (inspection, body) parts of the plan still wait for a disclosure."""
    parts = (
        select(Assignment.inspection_id, Assignment.body_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Inspection.cancelled_at.is_(None))
        .distinct()
        .subquery()
    )
    return session.scalar(
        select(func.count())
        .select_from(parts)
        .outerjoin(
            InspectionResult,
            (InspectionResult.inspection_id == parts.c.inspection_id)
            & (InspectionResult.body_id == parts.c.body_id),
        )
        .where(InspectionResult.disclosed_no.is_(None))
    )


def maybe_close(session: Session, plan: Plan, actor: Actor) -> bool:
    """Close the plan (办结) when every inspection is disclosed or cancelled; final."""
    session.flush()
    if plan.state != PlanState.PUBLISHED.value or outstanding(session, plan):
        return False
    plan.state = PlanState.CLOSED.value
    plan.closed_at = now_utc().replace(microsecond=0)
    record(session, EventKind.PLAN_CLOSED, actor, subject=plan.code)
    return True


# ---------------------------------------------------------------------------- attachments

_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def add_attachment(
    session: Session,
    code: str,
    uscc: str,
    actor: Actor,
    name: str,
    content: bytes,
    content_type: str,
    folder: Path,
    by: str | None = None,
) -> ResultAttachment:
    """Attach a file (photo, signed record) to the result being entered: at most 10 MB,
    JPEG, PNG, WebP or PDF (checked against the file's first bytes). The bytes are stored
    under `folder` named by their SHA-256; the row keeps name, size, type and hash."""
    plan, insp = load(session, code, uscc, actor, lock=True)
    _require_open(plan, insp, Msg("上传附件", "attach files"))
    body_id, who = _entering_body(session, plan, insp, actor, by)
    key = f"{plan.code}/{insp.uscc}"
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in ATTACHMENT_TYPES:
        raise Invalid(
            Msg(
                f"不支持的附件类型 {content_type or '未知'}：只接受 JPEG、PNG、WebP 照片或 PDF",
                f"unsupported attachment type {content_type or 'unknown'}: JPEG, PNG, WebP or PDF",
            ),
            field="attachment",
            code="attachment_type",
        )
    if not content:
        raise Invalid(Msg("附件为空", "the attachment is empty"), field="attachment")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise TooLarge(
            Msg(
                f"附件超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
                f"the attachment is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            ),
            field="attachment",
        )
    if not content.startswith(ATTACHMENT_TYPES[content_type]):
        raise Invalid(
            Msg(f"附件内容不是 {content_type}", f"the file's content is not {content_type}"),
            field="attachment",
            code="attachment_type",
        )
    result = get_result(session, insp.id, body_id)
    if result is None:  # a photo before anything else: start the draft
        result = save_draft(session, code, uscc, ResultInput(), actor, by=by)
    if result.state not in EDITABLE:
        raise _state_error(key, result.state, Msg("上传附件", "attach files to"))
    count = session.scalar(
        select(func.count())
        .select_from(ResultAttachment)
        .where(ResultAttachment.result_id == result.id)
    )
    if count >= MAX_ATTACHMENTS:
        raise Invalid(
            Msg(f"每项结果最多 {MAX_ATTACHMENTS} 个附件", f"at most {MAX_ATTACHMENTS} attachments"),
            field="attachment",
        )
    digest = hashlib.sha256(content).hexdigest()
    path = attachment_path(folder, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    clean = _SAFE_NAME.sub("_", Path(name or "attachment").name)[-128:] or "attachment"
    row = ResultAttachment(
        result_id=result.id,
        version_no=result.current_no,
        name=clean,
        size=len(content),
        content_type=content_type,
        sha256=digest,
        uploaded_at=now_utc(),
        uploaded_by=who,
    )
    session.add(row)
    record(
        session,
        EventKind.ATTACHMENT_ADDED,
        actor,
        subject=plan.code,
        inspection=key,
        name=clean,
        size=len(content),
        sha256=digest,
    )
    session.flush()
    return row


def attachment_path(folder: Path, digest: str) -> Path:
    """Where the bytes of an attachment with this SHA-256 live."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("not a sha256 digest")
    return Path(folder) / digest[:2] / digest
