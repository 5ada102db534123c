"""Rescheduling (调整检查日期) after the official calendar or the officers' leave changed.

Only the inspections whose date is no longer valid move: the day is no longer a working
day (an imported holiday list), or a member of the team is on leave that day or his or her
certificate does not cover it. Every other visit stays. Each move is audited with the old
and the new date and why; the disclosure deadline follows the new date. All or nothing:
if one inspection finds no day, nothing moves and the planner is told why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.errors import Msg, ScheduleInfeasible
from scheduler.models import Assignment, Entity, Inspection, LeavePeriod, Officer, PlanState
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.eligibility import availability
from scheduler.plans.fitting import UNSCHEDULED_ZH
from scheduler.plans.scheduling import DEADLINE_HORIZON, DISCLOSURE_WORKING_DAYS
from scheduler.workdays import working_days
from solver import schedule as scheduler_solver

WHY = {
    "calendar": Msg("不再是工作日", "no longer a working day"),
    "leave": Msg("检查组成员当日请假", "a team member is on leave that day"),
    "certificate": Msg("检查组成员证件当日无效", "a team member's certificate does not cover it"),
}


@dataclass(frozen=True)
class Move:
    uscc: str
    old: object  # dt.date
    new: object
    why: str  # key of WHY
    officers: tuple[str, ...]  # the members to blame (leave, certificate)


def reschedule(session: Session, code: str, actor: Actor) -> list[Move]:
    """Move the inspections whose visit date became invalid; returns the moves."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("调整排期", "reschedule"), PlanState.SCHEDULED, PlanState.PUBLISHED)
    calendar = working_days(session, plan.window_start, plan.window_end)
    days = calendar.days
    day_index = {d: k for k, d in enumerate(days)}
    inspections = sorted(
        session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)),
        key=lambda i: i.uscc,
    )
    members: dict[int, list[int]] = defaultdict(list)
    for inspection_id, officer_id in session.execute(
        select(Assignment.inspection_id, Assignment.officer_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .order_by(Assignment.inspection_id, Assignment.officer_id)
    ):
        members[inspection_id].append(officer_id)
    officers = sorted(
        session.scalars(
            select(Officer).where(Officer.id.in_({o for t in members.values() for o in t}))
        ),
        key=lambda o: o.cert_no,
    )
    index = {o.id: k for k, o in enumerate(officers)}
    avail = availability(session, officers, days)
    leave = defaultdict(list)
    for oid, start, end in session.execute(
        select(LeavePeriod.officer_id, LeavePeriod.starts_on, LeavePeriod.ends_on).where(
            LeavePeriod.officer_id.in_(list(index))
        )
    ):
        leave[oid].append((start, end))
    towns = dict(
        session.execute(
            select(Entity.id, Entity.town_id).where(
                Entity.id.in_(select(Inspection.entity_id).where(Inspection.plan_id == plan.id))
            )
        ).all()
    )
    moving: list[tuple[Inspection, str, tuple[str, ...]]] = []
    load = np.zeros((len(officers), len(days)), dtype=np.int64)
    busy: dict[tuple[int, int], set[int]] = defaultdict(set)
    for insp in inspections:
        if insp.visit_date is None or getattr(insp, "cancelled_at", None) is not None:
            continue
        team = [officers[index[o]] for o in members[insp.id]]
        day = insp.visit_date
        if day not in day_index:
            moving.append((insp, "calendar", ()))
            continue
        uncertified = tuple(o.cert_no for o in team if not o.certified_on(day))
        away = tuple(o.cert_no for o in team if any(s <= day <= e for s, e in leave.get(o.id, ())))
        if uncertified:
            moving.append((insp, "certificate", uncertified))
        elif away:
            moving.append((insp, "leave", away))
        else:
            for o in team:
                load[index[o.id], day_index[day]] += 1
                busy[index[o.id], day_index[day]].add(towns[insp.entity_id])
    if not moving:
        return []
    result = scheduler_solver.move_visits(
        [[index[o] for o in members[insp.id]] for insp, _, _ in moving],
        [towns[insp.entity_id] for insp, _, _ in moving],
        days,
        avail,
        load,
        busy,
        cap_per_day=int(plan.rules.get("cap_per_day", 4)),
        seed=f"{plan.seed}|{plan.code}|reschedule",
    )
    if result.unscheduled:
        lines = []
        for u in result.unscheduled[:50]:
            insp = moving[u.inspection][0]
            who = ", ".join(officers[o].cert_no for o in u.officers)
            key = f"{plan.code}/{insp.uscc}"
            zh = UNSCHEDULED_ZH.get(u.code, u.message)
            lines.append(Msg(f"{key}：{zh}（{who}）", f"{key}: {u.message} ({who})"))
        raise ScheduleInfeasible(
            Msg(
                f"计划 {plan.code} 有 {len(result.unscheduled)} 项检查找不到新的日期，未作调整",
                f"{len(result.unscheduled)} inspections of {plan.code} find no new day; "
                "nothing was moved",
            ),
            lines,
        )
    extended = working_days(session, plan.window_start, plan.window_end + DEADLINE_HORIZON)
    moves = []
    for (insp, why, blamed), new in zip(moving, result.dates, strict=True):
        old = insp.visit_date
        insp.visit_date = new
        insp.disclosure_due = scheduler_solver.add_working_days(
            extended.days, new, DISCLOSURE_WORKING_DAYS
        )
        move = Move(insp.uscc, old, new, why, blamed)
        moves.append(move)
        record(
            session,
            EventKind.VISIT_MOVED,
            actor,
            subject=plan.code,
            inspection=f"{plan.code}/{insp.uscc}",
            old=old.isoformat(),
            new=new.isoformat(),
            why=why,
            officers=list(blamed),
            disclosure_due=insp.disclosure_due.isoformat(),
        )
    record(
        session,
        EventKind.PLAN_RESCHEDULED,
        actor,
        subject=plan.code,
        moved=len(moves),
        calendar={str(y): s for y, s in calendar.sources.items()},
    )
    session.flush()
    return moves
