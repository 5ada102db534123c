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
    Entity,
    Inspection,
    Officer,
    Plan,
    PlanState,
)
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.eligibility import availability
from scheduler.workdays import working_days
from solver import schedule as scheduler_solver

DISCLOSURE_WORKING_DAYS = 20  # 公示: within 20 working days of the inspection
# How far past the window the calendar is read to find every disclosure deadline.
DEADLINE_HORIZON = dt.timedelta(days=120)
# The solver explains an unscheduled inspection in English, with one of these codes.
UNSCHEDULED_ZH = {
    scheduler_solver.NO_WORKING_DAY: "检查期内没有可用的工作日",
    scheduler_solver.NO_JOINT_DAY: "检查组成员没有共同可用的工作日",
    scheduler_solver.DAILY_CAP: "相关执法人员每日检查数已达上限",
}


def schedule(session: Session, code: str, actor: Actor) -> Plan:
    """Give every inspection a working day and its disclosure deadline; all or nothing."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("排期", "schedule"), PlanState.MATCHED)
    calendar = working_days(session, plan.window_start, plan.window_end)
    extended = working_days(session, plan.window_start, plan.window_end + DEADLINE_HORIZON)
    # Sorted in Python so that no database collation can change the tie-breaks.
    inspections = sorted(
        session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)),
        key=lambda i: i.uscc,
    )
    towns = dict(
        session.execute(
            select(Entity.id, Entity.town_id).where(
                Entity.id.in_(select(Inspection.entity_id).where(Inspection.plan_id == plan.id))
            )
        ).all()
    )
    members: dict[int, list[int]] = defaultdict(list)
    for inspection_id, officer_id in session.execute(
        select(Assignment.inspection_id, Assignment.officer_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .order_by(Assignment.inspection_id, Assignment.officer_id)
    ):
        members[inspection_id].append(officer_id)
    officer_ids = sorted({o for team in members.values() for o in team})
    officers = session.scalars(select(Officer).where(Officer.id.in_(officer_ids))).all()
    officers = sorted(officers, key=lambda o: o.cert_no)
    index = {o.id: k for k, o in enumerate(officers)}
    teams = [[index[o] for o in members[i.id]] for i in inspections]
    if any(not t for t in teams):
        empty = [i.uscc for i, t in zip(inspections, teams, strict=True) if not t][:10]
        raise ScheduleInfeasible(
            Msg("有检查没有检查组", "some inspections have no team"),
            [Msg(", ".join(empty), ", ".join(empty))],
        )
    result = scheduler_solver.schedule_visits(
        teams,
        [towns[i.entity_id] for i in inspections],
        calendar.days,
        availability(session, officers, calendar.days),
        cap_per_day=int(plan.rules.get("cap_per_day", 4)),
        seed=f"{plan.seed}|{plan.code}",
    )
    if result.unscheduled:
        lines = []
        for u in result.unscheduled[:50]:
            who = ", ".join(officers[o].cert_no for o in u.officers)
            key = f"{plan.code}/{inspections[u.inspection].uscc}"
            zh = UNSCHEDULED_ZH.get(u.code, u.message)
            lines.append(Msg(f"{key}：{zh}（{who}）", f"{key}: {u.message} ({who})"))
        n = len(result.unscheduled)
        if n > 50:
            lines.append(Msg(f"……共 {n} 项", f"... {n} in all"))
        raise ScheduleInfeasible(
            Msg(
                f"计划 {plan.code} 有 {n} 项检查无法排期",
                f"{n} inspections of {plan.code} cannot be scheduled",
            ),
            lines,
        )
    rows = []
    for insp, visit in zip(inspections, result.dates, strict=True):
        due = scheduler_solver.add_working_days(extended.days, visit, DISCLOSURE_WORKING_DAYS)
        rows.append({"id": insp.id, "visit_date": visit, "disclosure_due": due})
    if rows:
        session.execute(update(Inspection), rows)
    stats = result.stats
    plan.state = PlanState.SCHEDULED.value
    plan.scheduled_at = now_utc().replace(microsecond=0)
    plan.schedule_summary = {
        "calendar": {str(year): source for year, source in calendar.sources.items()},
        "provisional": calendar.provisional,
        # Disclosure deadlines may fall in a later, not yet announced, year.
        "deadlines_provisional": extended.provisional,
        "working_days": len(calendar.days),
        "cap_per_day": int(plan.rules.get("cap_per_day", 4)),
        "officer_day_town_combinations": stats.combinations,
        "combinations_lower_bound": stats.combinations_lower_bound,
        "mixed_officer_days": stats.mixed_officer_days,
        "max_day_load": stats.max_day_load,
        "min_day_load": stats.min_day_load,
        "max_officer_day_load": stats.max_officer_day_load,
    }
    record(session, EventKind.PLAN_SCHEDULED, actor, subject=plan.code, **plan.schedule_summary)
    session.flush()
    return plan
