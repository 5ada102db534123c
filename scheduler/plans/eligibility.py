"""Who may take an inspection (执法人员回避与资格): the rules shared by the match and
by the replacement of a team member, each with the reason an officer is excluded.

An officer is eligible for an inspection of his or her body when the certificate is valid
(`Officer.certified_for`), he or she is not on leave, is competent for the item
categories, is not from the entity's town under cross-jurisdiction, has declared no
conflict with the entity and did not inspect it last time (rotation).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.db import chunks
from scheduler.errors import Msg
from scheduler.models import (
    Assignment,
    Conflict,
    Entity,
    Inspection,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Plan,
    Unit,
    history_officer,
)
from scheduler.plans.core import DONE_STATES, own_plan_history_excluded
from scheduler.plans.queries import team_of

# Why an officer cannot take an inspection; the order is the order of the checks.
REASONS = {
    "certificate": Msg("证件无效或未覆盖检查期", "certificate not valid for the whole window"),
    "leave": Msg("整个检查期请假", "on leave for the whole window"),
    "competence": Msg("无该检查事项执法领域", "not competent for the item categories"),
    "jurisdiction": Msg("所所交叉：本单位辖区", "cross-jurisdiction: own unit's town"),
    "conflict": Msg("申报回避", "declared conflict"),
    "rotation": Msg("上次检查该主体（轮换）", "inspected this entity last time (rotation)"),
    "previous": Msg("曾在本检查组中（已回避或移除）", "left this team before (recused or removed)"),
    "cap": Msg("已达工作量上限", "at the workload cap"),
}


def categories(plan: Plan) -> dict[str, int]:
    """Item category (Chinese name) -> bit, for competence masks."""
    cats = sorted({it.category_zh for it in plan.items})
    return {c: 1 << n for n, c in enumerate(cats)}


def on_leave_all_window(session: Session, plan: Plan, officer_ids: list[int]) -> set[int]:
    """Officers whose leave covers every day of the plan's window."""
    days = (plan.window_end - plan.window_start).days + 1
    covered: dict[int, set[int]] = defaultdict(set)
    for oid, start, end in session.execute(
        select(LeavePeriod.officer_id, LeavePeriod.starts_on, LeavePeriod.ends_on).where(
            LeavePeriod.starts_on <= plan.window_end, LeavePeriod.ends_on >= plan.window_start
        )
    ):
        lo = max(0, (start - plan.window_start).days)
        hi = min(days - 1, (end - plan.window_start).days)
        covered[oid].update(range(lo, hi + 1))
    wanted = set(officer_ids)
    return {oid for oid, got in covered.items() if oid in wanted and len(got) == days}


def last_inspectors(
    session: Session, entity_ids: list[int], body_id: int, before: dt.date
) -> dict[int, set[int]]:
    """Per entity, the officers of the body's most recent inspection of it before `before`
    (rotation): from the imported history and from this system's own scheduled plans."""
    latest: dict[int, tuple[dt.date, str, int]] = {}
    for chunk in chunks(entity_ids):
        history = select(
            InspectionHistory.id, InspectionHistory.entity_id, InspectionHistory.inspected_on
        ).where(
            InspectionHistory.body_id == body_id,
            InspectionHistory.entity_id.in_(chunk),
            InspectionHistory.inspected_on < before,
            own_plan_history_excluded(),
        )
        for hid, eid, day in session.execute(history):
            if eid not in latest or (day, "h", hid) > latest[eid]:
                latest[eid] = (day, "h", hid)
        # The date actually carried out (results) when known, else the scheduled visit.
        carried_out = func.coalesce(Inspection.done_on, Inspection.visit_date)
        planned = (
            select(Inspection.id, Inspection.entity_id, carried_out)
            .join(Plan, Plan.id == Inspection.plan_id)
            .where(
                Inspection.entity_id.in_(chunk),
                carried_out < before,
                Inspection.cancelled_at.is_(None),
                Plan.state.in_(DONE_STATES),
                Inspection.id.in_(
                    select(Assignment.inspection_id).where(Assignment.body_id == body_id)
                ),
            )
        )
        for iid, eid, day in session.execute(planned):
            if eid not in latest or (day, "p", iid) > latest[eid]:
                latest[eid] = (day, "p", iid)
    out: dict[int, set[int]] = defaultdict(set)
    hids = {ref: eid for eid, (_, src, ref) in latest.items() if src == "h"}
    iids = {ref: eid for eid, (_, src, ref) in latest.items() if src == "p"}
    for refs, query in (
        (
            hids,
            lambda c: select(history_officer.c.history_id, history_officer.c.officer_id).where(
                history_officer.c.history_id.in_(c)
            ),
        ),
        (
            iids,
            lambda c: select(Assignment.inspection_id, Assignment.officer_id).where(
                Assignment.inspection_id.in_(c), Assignment.body_id == body_id, Assignment.active
            ),
        ),
    ):
        for chunk in chunks(list(refs)):
            for ref, oid in session.execute(query(chunk)):
                out[refs[ref]].add(oid)
    return out


def conflict_pairs(session: Session, entity_ids: list[int]) -> set[tuple[int, int]]:
    """(entity id, officer id) of the declared conflicts of these entities."""
    pairs = set()
    for chunk in chunks(entity_ids):
        pairs.update(
            (eid, oid)
            for oid, eid in session.execute(
                select(Conflict.officer_id, Conflict.entity_id).where(Conflict.entity_id.in_(chunk))
            )
        )
    return pairs


def availability(
    session: Session, officers: list[Officer], days: tuple[dt.date, ...]
) -> np.ndarray:
    """(officer, day) -> certified that day (`Officer.certified_on`) and not on leave."""
    index = {o.id: k for k, o in enumerate(officers)}
    day_index = {d: k for k, d in enumerate(days)}
    avail = np.zeros((len(officers), len(days)), dtype=bool)
    day_arr = np.array(days, dtype="datetime64[D]")
    for k, o in enumerate(officers):
        window = o.certified_window()  # the days `o.certified_on` accepts, as one range
        if window is not None:
            first, last = np.datetime64(window[0]), np.datetime64(window[1])
            avail[k] = (day_arr >= first) & (day_arr <= last)
    if not days:
        return avail
    for oid, start, end in session.execute(
        select(LeavePeriod.officer_id, LeavePeriod.starts_on, LeavePeriod.ends_on).where(
            LeavePeriod.starts_on <= days[-1], LeavePeriod.ends_on >= days[0]
        )
    ):
        if oid in index:
            for d, k in day_index.items():
                if start <= d <= end:
                    avail[index[oid], k] = False
    return avail


def team_candidates(
    session: Session,
    plan: Plan,
    insp: Inspection,
    body_id: int,
    exclude: set[int],
    with_reasons: bool = False,
):
    """Officers of the body who may join the inspection's team now (a replacement, a
    rematch, a manual assignment), and the count of the others by first reason; with
    `with_reasons` also {officer id: reason} of each officer left out. Nobody who was ever
    on this inspection's team (ended rows included) or is in `exclude` comes back; the
    rules are the match's, on the visit's day once scheduled, plus the caps left."""
    day_from = insp.visit_date or plan.window_start
    day_to = insp.visit_date or plan.window_end
    ever = set(
        session.scalars(select(Assignment.officer_id).where(Assignment.inspection_id == insp.id))
    )
    active = (
        select(Assignment.officer_id, func.count())
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .group_by(Assignment.officer_id)
    )
    load = dict(session.execute(active).all())
    day_load = (
        dict(session.execute(active.where(Inspection.visit_date == insp.visit_date)).all())
        if insp.visit_date
        else {}
    )
    cap = plan.match_summary["cap"]
    cap_per_day = int(plan.rules.get("cap_per_day", 4))
    conflicted = set(
        session.scalars(select(Conflict.officer_id).where(Conflict.entity_id == insp.entity_id))
    )
    rotation = last_inspectors(session, [insp.entity_id], body_id, plan.window_start).get(
        insp.entity_id, set()
    )
    entity = session.get(Entity, insp.entity_id)
    cat_needed = {
        it.category_zh
        for it in plan.items
        if it.body_id == body_id and it.fits(entity.type, entity.industry)
    }
    unit_town = dict(session.execute(select(Unit.id, Unit.town_id)).all())
    officers = session.scalars(select(Officer).where(Officer.body_id == body_id)).all()
    if insp.visit_date:  # available on the inspection date
        on_leave = set(
            session.scalars(
                select(LeavePeriod.officer_id).where(
                    LeavePeriod.starts_on <= day_to, LeavePeriod.ends_on >= day_from
                )
            )
        )
    else:  # the match's rule: not on leave for the whole window
        on_leave = on_leave_all_window(session, plan, [o.id for o in officers])
    team = {a.officer_id for a in team_of(session, insp.id, body_id)}
    ok, why, reasons = [], Counter(), {}
    for o in officers:
        if o.id in team:
            continue
        if o.id in ever or o.id in exclude:
            reason = "previous"
        elif not o.certified_for(day_from, day_to):
            reason = "certificate"
        elif o.id in on_leave:
            reason = "leave"
        elif o.competences and not cat_needed <= o.competence_set():
            reason = "competence"
        elif plan.rules.get("cross_jurisdiction") and unit_town.get(o.unit_id) == entity.town_id:
            reason = "jurisdiction"
        elif o.id in conflicted:
            reason = "conflict"
        elif o.id in rotation:
            reason = "rotation"
        elif load.get(o.id, 0) >= cap or day_load.get(o.id, 0) >= cap_per_day:
            reason = "cap"
        else:
            ok.append(o)
            continue
        why[reason] += 1
        reasons[o.id] = reason
    return (ok, why, reasons) if with_reasons else (ok, why)
