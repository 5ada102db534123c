"""Scheduling the visits (检查排期) of a matched plan on the Chinese working-day calendar,
and their disclosure deadlines (公示期限)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Msg, ScheduleInfeasible
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    Inspection,
    Plan,
    PlanMatchInput,
    PlanState,
)
from scheduler.plans import fitting
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.matching import build_problem
from scheduler.workdays import working_days
from solver import schedule as scheduler_solver

DISCLOSURE_WORKING_DAYS = 20  # 公示: within 20 working days of the inspection
# How far past the window the calendar is read to find every disclosure deadline.
DEADLINE_HORIZON = dt.timedelta(days=120)


def schedule(session: Session, code: str, actor: Actor) -> Plan:
    """Give every inspection a working day and its disclosure deadline; all or nothing.

    The schedule fitted at the match is taken as it is while everything it depends on is
    unchanged (its fingerprint); otherwise the teams are fitted again, and a member who
    shares no free day with the rest of the team is replaced (`plans/fitting.py`)."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("排期", "schedule"), PlanState.MATCHED)
    calendar = working_days(session, plan.window_start, plan.window_end)
    extended = working_days(session, plan.window_start, plan.window_end + DEADLINE_HORIZON)
    # Sorted in Python so that no database collation can change the tie-breaks.
    inspections = sorted(
        session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)),
        key=lambda i: i.uscc,
    )
    usccs = [i.uscc for i in inspections]
    members: dict[int, list[int]] = defaultdict(list)
    for inspection_id, officer_id in session.execute(
        select(Assignment.inspection_id, Assignment.officer_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .order_by(Assignment.inspection_id, Assignment.officer_id)
    ):
        members[inspection_id].append(officer_id)
    if any(not members[i.id] for i in inspections):
        empty = [i.uscc for i in inspections if not members[i.id]][:10]
        raise ScheduleInfeasible(
            Msg("有检查没有检查组", "some inspections have no team"),
            [Msg(", ".join(empty), ", ".join(empty))],
        )
    officers = fitting.plan_officers(session, plan)
    index = {o.id: k for k, o in enumerate(officers)}
    teams = [sorted(index[o] for o in members[i.id]) for i in inspections]
    inputs = fitting.fit_inputs(session, plan, officers, days=tuple(calendar.days))
    match_input = session.get(PlanMatchInput, plan.id)
    stored = fitting.unpack_schedule(match_input.schedule_npz if match_input else None)
    if stored is not None and stored[1] == fitting.fingerprint(inputs, teams):
        day, stats = stored[0], stored[2]
    else:
        fitted = _fit_again(session, plan, inspections, inputs, teams)
        if fitted.schedule.unscheduled:
            n = len(fitted.schedule.unscheduled)
            raise ScheduleInfeasible(
                Msg(
                    f"计划 {plan.code} 有 {n} 项检查无法排期",
                    f"{n} inspections of {plan.code} cannot be scheduled",
                ),
                fitting.unscheduled_lines(plan, usccs, officers, fitted.schedule.unscheduled),
            )
        fitting.apply_swaps(
            session, plan, [i.id for i in inspections], usccs, officers, fitted, actor
        )
        day = fitted.schedule.day
        stats = {name: int(getattr(fitted.schedule.stats, name)) for name in fitting.STAT_FIELDS}
    days = inputs.days
    rows = []
    for insp, d in zip(inspections, day.tolist(), strict=True):
        visit = days[d]
        due = scheduler_solver.add_working_days(extended.days, visit, DISCLOSURE_WORKING_DAYS)
        rows.append({"id": insp.id, "visit_date": visit, "disclosure_due": due})
    if rows:
        session.execute(update(Inspection), rows)
    plan.state = PlanState.SCHEDULED.value
    plan.scheduled_at = now_utc().replace(microsecond=0)
    plan.schedule_summary = {
        "calendar": {str(year): source for year, source in calendar.sources.items()},
        "provisional": calendar.provisional,
        # Disclosure deadlines may fall in a later, not yet announced, year.
        "deadlines_provisional": extended.provisional,
        "working_days": len(calendar.days),
        "cap_per_day": inputs.cap_per_day,
        "officer_day_town_combinations": stats["combinations"],
        "combinations_lower_bound": stats["combinations_lower_bound"],
        "mixed_officer_days": stats["mixed_officer_days"],
        "max_day_load": stats["max_day_load"],
        "min_day_load": stats["min_day_load"],
        "max_officer_day_load": stats["max_officer_day_load"],
    }
    record(session, EventKind.PLAN_SCHEDULED, actor, subject=plan.code, **plan.schedule_summary)
    session.flush()
    return plan


def _fit_again(session, plan, inspections, inputs, teams):
    """Fit the current teams to the calendar as it is now: replacements follow the
    replacement rule (eligible today, same body, smallest cost), never bring back anyone
    who was ever on the inspection's team or was removed from the plan, and stay under
    the match's cap."""
    cap = (plan.match_summary or {}).get("cap")
    built = build_problem(session, plan, cap)
    problem = built.problem
    index = {o.id: k for k, o in enumerate(inputs.officers)}
    ever: dict[int, set[int]] = defaultdict(set)
    removed_from_plan = set()
    for insp_id, officer_id, end in session.execute(
        select(Assignment.inspection_id, Assignment.officer_id, Assignment.end_reason)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id)
    ):
        if officer_id in index:
            ever[insp_id].add(index[officer_id])
            if end == AssignmentEnd.UNAVAILABLE.value:
                removed_from_plan.add(index[officer_id])
    ids = [i.id for i in inspections]
    candidates = fitting.candidates_from_pairs(
        plan.seed,
        plan.code,
        problem.inspection_keys,
        problem.officer_keys,
        problem.officer_body,
        problem.pair_i,
        problem.pair_o,
        exclude=lambda i: ever[ids[i]] | removed_from_plan,
    )
    return fitting.fit(inputs, teams, candidates, problem.cap)
