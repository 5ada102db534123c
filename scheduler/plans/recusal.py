"""Recusal (回避) and replacement of team members after the match.

An officer who declares a conflict, or whom the entity asks to step aside, leaves the
team (the row is ended, never deleted) and the conflict is recorded; an officer who became
unavailable is removed from all of the plan's teams. The eligible officer with the
smallest cost (spec section 4) replaces each; if nobody is eligible the inspection is
flagged short with the reasons, and the plan cannot be published until it is completed.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import InspectionNotFound, Msg, NotFound, PlanError
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    Conflict,
    ConflictKind,
    Inspection,
    Officer,
    Plan,
    PlanState,
)
from scheduler.plans.core import get_plan, require_plan, require_state
from scheduler.plans.eligibility import REASONS, team_candidates
from scheduler.plans.queries import team_of
from solver import match as matcher


def _inspection(session: Session, plan: Plan, uscc: str) -> Inspection:
    insp = session.scalar(
        select(Inspection).where(Inspection.plan_id == plan.id, Inspection.uscc == uscc)
    )
    if insp is None:
        raise InspectionNotFound.of(plan.code, uscc)
    return insp


def _officer(session: Session, cert_no: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.cert_no == cert_no))
    if officer is None:
        raise NotFound(
            Msg(f"未知执法证号 {cert_no!r}", f"unknown certificate number {cert_no!r}"),
            field="cert_no",
            code="officer_not_found",
        )
    return officer


def replacement_candidates(
    session: Session, plan: Plan, insp: Inspection, body_id: int, exclude: set[int]
) -> tuple[list[Officer], Counter]:
    """Officers who may replace a member (spec section 4's replacement rule), and the
    count of the others by reason; see `scheduler.plans.eligibility.team_candidates`."""
    return team_candidates(session, plan, insp, body_id, exclude)


REPLACEABLE = (PlanState.MATCHED, PlanState.SCHEDULED, PlanState.PUBLISHED)


def replace_member(
    session: Session,
    code: str,
    uscc: str,
    cert_no: str,
    reason: AssignmentEnd,
    note: str,
    actor: Actor,
    conflict_kind: ConflictKind | None = ConflictKind.OTHER,
) -> Assignment | None:
    """End `cert_no`'s assignment to the inspection of `uscc` and give the team the eligible
    officer with the smallest cost. Returns the new assignment, or None when nobody is
    eligible: then the inspection is flagged short with the reasons.

    The plan's managers may do it for any reason; an officer only for himself or herself,
    declaring a conflict (`scheduler.access.check_team_change`)."""
    plan = get_plan(session, code, lock=True)
    access.check_team_change(session, actor, plan, uscc, cert_no, reason)
    require_state(plan, Msg("更换检查人员", "replace a team member of"), *REPLACEABLE)
    insp = _inspection(session, plan, uscc)
    officer = _officer(session, cert_no)
    current = session.scalar(
        select(Assignment).where(
            Assignment.inspection_id == insp.id,
            Assignment.officer_id == officer.id,
            Assignment.active,
        )
    )
    if current is None:
        raise PlanError(
            Msg(
                f"{cert_no} 不在 {plan.code}/{uscc} 的检查组中",
                f"{cert_no} is not on the team of {plan.code}/{uscc}",
            ),
            field="cert_no",
            code="not_on_team",
        )
    if reason in (AssignmentEnd.RECUSAL_OFFICER, AssignmentEnd.RECUSAL_ENTITY) and conflict_kind:
        exists = session.scalar(
            select(Conflict).where(
                Conflict.officer_id == officer.id, Conflict.entity_id == insp.entity_id
            )
        )
        if exists is None:
            session.add(
                Conflict(
                    officer_id=officer.id,
                    entity_id=insp.entity_id,
                    kind=conflict_kind.value,
                    declared_on=now_utc().date(),
                    note=note,
                )
            )
    now = now_utc()
    current.active = False
    current.ended_at = now
    current.end_reason = reason.value
    current.end_note = note
    session.flush()
    exclude = {officer.id} | _removed_from_plan(session, plan)
    candidates, why = replacement_candidates(session, plan, insp, current.body_id, exclude)
    key = f"{plan.code}/{insp.uscc}"
    best = matcher.replacement(plan.seed, plan.code, key, [o.cert_no for o in candidates])
    new = None
    if best is None:
        reasons = ", ".join(f"{REASONS[r].en}: {n}" for r, n in why.most_common())
        insp.short_reason = (
            f"无可替换人员 / no eligible replacement for {cert_no} ({reasons or 'no officers'})"
        )
    else:
        chosen = next(o for o in candidates if o.cert_no == best)
        new = Assignment(
            inspection_id=insp.id,
            officer_id=chosen.id,
            body_id=current.body_id,
            is_leader=False,
            cost=matcher.cost(plan.seed, plan.code, key, chosen.cert_no),
            active=True,
            assigned_at=now,
            replaces_id=current.id,
            end_note="",
        )
        session.add(new)
        session.flush()
    team = team_of(session, insp.id, current.body_id)
    leader = min(team, key=lambda a: (a.cost, a.officer.cert_no), default=None)
    for a in team:
        a.is_leader = a is leader
    record(
        session,
        EventKind.TEAM_MEMBER_REPLACED,
        actor,
        subject=plan.code,
        inspection=key,
        removed=cert_no,
        reason=reason.value,
        replacement=new.officer.cert_no if new else None,
        leader=leader.officer.cert_no if leader else None,
        candidates=len(candidates),
        short=new is None,
    )
    session.flush()
    return new


def _removed_from_plan(session: Session, plan: Plan) -> set[int]:
    """Officers a planner removed from the plan as unavailable: they never come back."""
    return set(
        session.scalars(
            select(Assignment.officer_id)
            .join(Inspection, Inspection.id == Assignment.inspection_id)
            .where(
                Inspection.plan_id == plan.id,
                Assignment.end_reason == AssignmentEnd.UNAVAILABLE.value,
            )
        )
    )


def remove_unavailable(
    session: Session, code: str, cert_no: str, note: str, actor: Actor
) -> list[Assignment | None]:
    """A planner removes an officer who became unavailable from all of the plan's teams."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    officer = _officer(session, cert_no)
    usccs = session.scalars(
        select(Inspection.uscc)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .where(
            Inspection.plan_id == plan.id, Assignment.officer_id == officer.id, Assignment.active
        )
        .order_by(Inspection.uscc)
    ).all()
    if not usccs:
        raise PlanError(
            Msg(f"{cert_no} 在计划 {code} 中没有任务", f"{cert_no} has no assignment in {code}"),
            field="cert_no",
            code="not_on_team",
        )
    return [
        replace_member(
            session, code, u, cert_no, AssignmentEnd.UNAVAILABLE, note, actor, conflict_kind=None
        )
        for u in usccs
    ]
