"""Directory changes reach live plans (名录变更影响在办计划).

After an import of conflicts, leave periods or officers (certificate status and dates),
every current team is checked against the new data: a member now conflicted with the
entity, on leave on the visit's day (for the whole window before the schedule), or whose
certificate no longer covers it, flags the inspection (`Inspection.team_flag`) and is
reported; never silently. `replace_flagged` then replaces each such member with the
eligible officer of smallest cost (`flask import ... --replace` does it at once), exactly
like a recusal or a removal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    Conflict,
    Inspection,
    LeavePeriod,
    Officer,
    Plan,
    PlanState,
)
from scheduler.plans import recusal
from scheduler.plans.eligibility import REASONS

# Plans with teams whose visits are still to come.
LIVE_STATES = (PlanState.MATCHED.value, PlanState.SCHEDULED.value, PlanState.PUBLISHED.value)
# Directories whose rows can make a current team member ineligible.
WATCHED = ("conflicts", "leave", "officers")


@dataclass(frozen=True)
class Flag:
    """A team member whom a directory change made ineligible for an inspection."""

    plan: str
    uscc: str
    cert_no: str
    reason: str  # "conflict", "leave" or "certificate" (keys of REASONS)

    def text(self) -> str:
        r = REASONS[self.reason]
        return f"{self.cert_no}：{r.zh} / {self.cert_no}: {r.en}"


def find(session: Session, plan_codes: list[str] | None = None) -> list[Flag]:
    """Every active member of a live plan's team who is no longer eligible."""
    query = (
        select(
            Plan.code,
            Plan.window_start,
            Plan.window_end,
            Inspection.uscc,
            Inspection.entity_id,
            Inspection.visit_date,
            Officer,
        )
        .join(Inspection, Inspection.plan_id == Plan.id)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .where(Plan.state.in_(LIVE_STATES), Assignment.active, Inspection.cancelled_at.is_(None))
    )
    if plan_codes is not None:
        query = query.where(Plan.code.in_(plan_codes))
    rows = session.execute(query).all()
    if not rows:
        return []
    live_officers = (
        select(Assignment.officer_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .join(Plan, Plan.id == Inspection.plan_id)
        .where(Plan.state.in_(LIVE_STATES), Assignment.active)
    )
    conflicts = set(
        session.execute(
            select(Conflict.officer_id, Conflict.entity_id)
            .join(Assignment, Assignment.officer_id == Conflict.officer_id)
            .join(
                Inspection,
                (Inspection.id == Assignment.inspection_id)
                & (Inspection.entity_id == Conflict.entity_id),
            )
            .join(Plan, Plan.id == Inspection.plan_id)
            .where(Plan.state.in_(LIVE_STATES), Assignment.active)
        ).all()
    )
    leave: dict[int, list[tuple]] = {}
    for oid, start, end in session.execute(
        select(LeavePeriod.officer_id, LeavePeriod.starts_on, LeavePeriod.ends_on).where(
            LeavePeriod.officer_id.in_(live_officers)
        )
    ):
        leave.setdefault(oid, []).append((start, end))
    flags = []
    for code, w_start, w_end, uscc, entity_id, visit, officer in rows:
        day_from, day_to = (visit, visit) if visit else (w_start, w_end)
        if (officer.id, entity_id) in conflicts:
            reason = "conflict"
        elif not officer.certified_for(day_from, day_to):
            reason = "certificate"
        elif _on_leave(leave.get(officer.id, []), day_from, day_to):
            reason = "leave"
        else:
            continue
        flags.append(Flag(code, uscc, officer.cert_no, reason))
    return sorted(flags, key=lambda f: (f.plan, f.uscc, f.cert_no))


def _on_leave(periods: list[tuple], day_from, day_to) -> bool:
    """On leave every day from `day_from` to `day_to` (one day once scheduled; the whole
    window before, as the match's rule)."""
    covered = set()
    span = (day_to - day_from).days + 1
    for start, end in periods:
        lo, hi = max(start, day_from), min(end, day_to)
        if lo <= hi:
            covered.update(range((lo - day_from).days, (hi - day_from).days + 1))
    return len(covered) == span


def flag(session: Session, actor: Actor, directory: str = "") -> list[Flag]:
    """Find the members a directory change made ineligible, set `team_flag` on their
    inspections and audit it per plan. Returns the flags (also those flagged before)."""
    flags = find(session)
    by_inspection: dict[tuple[str, str], list[Flag]] = {}
    for f in flags:
        by_inspection.setdefault((f.plan, f.uscc), []).append(f)
    plans = {p.code: p for p in session.scalars(select(Plan).where(Plan.state.in_(LIVE_STATES)))}
    new_by_plan: dict[str, list[Flag]] = {}
    for (code, uscc), found in by_inspection.items():
        insp = session.scalar(
            select(Inspection).where(Inspection.plan_id == plans[code].id, Inspection.uscc == uscc)
        )
        text = "; ".join(f.text() for f in found)
        if insp.team_flag != text:
            insp.team_flag = text
            new_by_plan.setdefault(code, []).extend(found)
    for code, found in sorted(new_by_plan.items()):
        record(
            session,
            EventKind.TEAM_FLAGGED,
            actor,
            subject=code,
            directory=directory,
            flagged=[[f.uscc, f.cert_no, f.reason] for f in found],
        )
    session.flush()
    return flags


def replace_flagged(
    session: Session, flags: list[Flag], actor: Actor
) -> list[tuple[Flag, Assignment | None]]:
    """Replace every flagged member (smallest-cost eligible officer, as a recusal); the
    inspection's flag is cleared once none of its members is flagged any more."""
    out = []
    for f in flags:
        why = AssignmentEnd.RECUSAL_OFFICER if f.reason == "conflict" else AssignmentEnd.UNAVAILABLE
        new = recusal.replace_member(
            session,
            f.plan,
            f.uscc,
            f.cert_no,
            why,
            f"名录变更 / directory change: {REASONS[f.reason].en}",
            actor,
            conflict_kind=None,
        )
        out.append((f, new))
    left = {(f.plan, f.uscc) for f in find(session, sorted({f.plan for f in flags}))}
    for f in flags:
        if (f.plan, f.uscc) not in left:
            plan_id = select(Plan.id).where(Plan.code == f.plan).scalar_subquery()
            insp = session.scalar(
                select(Inspection).where(Inspection.plan_id == plan_id, Inspection.uscc == f.uscc)
            )
            insp.team_flag = None
    session.flush()
    return out
