"""Repairs after the match (检查组补齐与人工指派): `rematch` fills every short team
optimally, `assign` puts a named officer on a short team after checking every rule.

A team is short when it has fewer active members than its body's team size: a recusal or a
removal found nobody at the time, or the planner freed a place. Existing members are kept;
only the missing places are filled, from the officers' capacity left (cap per officer of
the match, and the daily cap on the visit's day once scheduled), with the cost of spec
section 4 (`solver.fill`). Each team's leader is again its smallest-cost member.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Invalid, Msg, PlanError
from scheduler.models import Assignment, Body, Inspection, Officer, Plan
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.eligibility import REASONS, team_candidates
from scheduler.plans.queries import team_of
from scheduler.plans.recusal import REPLACEABLE, _inspection, _officer, _removed_from_plan
from solver import fill as filler
from solver import match as matcher


@dataclass
class Slot:
    inspection: Inspection
    body_id: int
    body: str
    missing: int
    why: Counter = field(default_factory=Counter)


@dataclass
class RematchResult:
    plan: Plan
    filled: list[tuple[str, str, str]] = field(default_factory=list)  # uscc, body, cert_no
    short: list[tuple[str, str, int, str]] = field(default_factory=list)  # + missing, why


def short_slots(session: Session, plan: Plan) -> list[Slot]:
    """Every (inspection, body) team with fewer active members than the team size. A body
    takes part in an inspection when the match gave it a team (its rows are kept)."""
    codes = dict(session.execute(select(Body.id, Body.code)).all())
    rows = session.execute(
        select(
            Assignment.inspection_id,
            Assignment.body_id,
            func.sum(case((Assignment.active, 1), else_=0)),
        )
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Inspection.cancelled_at.is_(None))
        .group_by(Assignment.inspection_id, Assignment.body_id)
    ).all()
    wanted = []
    for inspection_id, body_id, active in rows:
        size = int(plan.rules["team_size"].get(codes[body_id], 2))
        if int(active or 0) < size:
            wanted.append((inspection_id, body_id, size - int(active or 0)))
    inspections = {
        i.id: i
        for i in session.scalars(
            select(Inspection).where(Inspection.id.in_([w[0] for w in wanted]))
        )
    }
    slots = [Slot(inspections[i], b, codes[b], n) for i, b, n in wanted]
    return sorted(slots, key=lambda s: (s.inspection.uscc, s.body))


def _relead(session: Session, inspection_id: int, body_id: int) -> str | None:
    team = team_of(session, inspection_id, body_id)
    leader = min(team, key=lambda a: (a.cost, a.officer.cert_no), default=None)
    for a in team:
        a.is_leader = a is leader
    return leader.officer.cert_no if leader else None


def _open_end(session: Session, inspection_id: int, body_id: int) -> list[int]:
    """Ended rows of the team that nobody replaced yet (the new member replaces one)."""
    ended = session.scalars(
        select(Assignment.id)
        .where(
            Assignment.inspection_id == inspection_id,
            Assignment.body_id == body_id,
            Assignment.active.is_(False),
        )
        .order_by(Assignment.id)
    ).all()
    taken = set(
        session.scalars(select(Assignment.replaces_id).where(Assignment.replaces_id.in_(ended)))
    )
    return [a for a in ended if a not in taken]


def _short_text(missing: int, why: Counter) -> str:
    reasons = ", ".join(f"{REASONS[r].en}: {n}" for r, n in why.most_common())
    reasons_zh = "，".join(f"{REASONS[r].zh} {n}" for r, n in why.most_common())
    return (
        f"缺 {missing} 人，无合格人员（{reasons_zh or '无人员'}） / short of {missing}: no "
        f"eligible officer ({reasons or 'no officers'})"
    )


def rematch(session: Session, code: str, actor: Actor) -> RematchResult:
    """Fill every short team of the plan (min-cost flow over the capacity left)."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("补齐检查组", "rematch"), *REPLACEABLE)
    out = RematchResult(plan)
    slots = short_slots(session, plan)
    if not slots:
        return out
    removed = _removed_from_plan(session, plan)
    cap = int(plan.match_summary["cap"])
    per_day = int(plan.rules.get("cap_per_day", 4))
    officers, pair_s, pair_o, pair_c, pair_g = {}, [], [], [], []
    groups: dict[tuple[int, object], int] = {}
    for s, slot in enumerate(slots):
        ok, why = team_candidates(session, plan, slot.inspection, slot.body_id, removed)
        slot.why = why
        key = f"{plan.code}/{slot.inspection.uscc}"
        for o in ok:
            k = officers.setdefault(o.id, len(officers))
            pair_s.append(s)
            pair_o.append(k)
            pair_c.append(matcher.cost(plan.seed, plan.code, key, o.cert_no))
            pair_g.append(groups.setdefault((o.id, slot.inspection.visit_date), len(groups)))
    ids = list(officers)
    load = dict(
        session.execute(
            select(Assignment.officer_id, func.count())
            .join(Inspection, Inspection.id == Assignment.inspection_id)
            .where(Inspection.plan_id == plan.id, Assignment.active)
            .group_by(Assignment.officer_id)
        ).all()
    )
    day_load = Counter(
        (oid, day)
        for oid, day in session.execute(
            select(Assignment.officer_id, Inspection.visit_date)
            .join(Inspection, Inspection.id == Assignment.inspection_id)
            .where(
                Inspection.plan_id == plan.id,
                Assignment.active,
                Inspection.visit_date.is_not(None),
            )
        )
    )
    group_room = np.zeros(len(groups), dtype=np.int64)
    for (oid, day), g in groups.items():
        group_room[g] = per_day - day_load[oid, day] if day is not None else cap
    chosen = filler.fill(
        np.array([s.missing for s in slots]),
        np.array(pair_s, dtype=np.int64),
        np.array(pair_o, dtype=np.int64),
        np.array(pair_c, dtype=np.int64),
        np.array([cap - load.get(oid, 0) for oid in ids], dtype=np.int64),
        np.array(pair_g, dtype=np.int64),
        group_room,
    )
    now = now_utc()
    got: dict[int, int] = defaultdict(int)
    certs = dict(
        session.execute(select(Officer.id, Officer.cert_no).where(Officer.id.in_(ids))).all()
    )
    for k in chosen.tolist():
        slot = slots[pair_s[k]]
        oid = ids[pair_o[k]]
        open_rows = _open_end(session, slot.inspection.id, slot.body_id)
        session.add(
            Assignment(
                inspection_id=slot.inspection.id,
                officer_id=oid,
                body_id=slot.body_id,
                is_leader=False,
                cost=pair_c[k],
                active=True,
                assigned_at=now,
                replaces_id=open_rows[0] if open_rows else None,
                end_note="",
            )
        )
        session.flush()
        got[pair_s[k]] += 1
        out.filled.append((slot.inspection.uscc, slot.body, certs[oid]))
    touched = defaultdict(list)
    for s, slot in enumerate(slots):
        touched[slot.inspection.id].append((s, slot))
    for _inspection_id, entries in touched.items():
        texts = []
        for s, slot in entries:
            _relead(session, slot.inspection.id, slot.body_id)
            left = slot.missing - got[s]
            if left:
                texts.append(f"{slot.body}: " + _short_text(left, slot.why))
                out.short.append(
                    (slot.inspection.uscc, slot.body, left, _short_text(left, slot.why))
                )
        entries[0][1].inspection.short_reason = "; ".join(texts) or None
    record(
        session,
        EventKind.PLAN_REMATCHED,
        actor,
        subject=plan.code,
        algorithm=matcher.ALGORITHM,
        filled=[list(f) for f in out.filled],
        still_short=[[u, b, n] for u, b, n, _ in out.short],
    )
    session.flush()
    return out


def assign(
    session: Session, code: str, uscc: str, cert_no: str, reason: str, actor: Actor
) -> Assignment:
    """Put officer `cert_no` on the short team of his or her body at the inspection of
    `uscc`, after checking every eligibility rule (`team_candidates`); audited with the
    planner's reason."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("人工指派", "assign an officer in"), *REPLACEABLE)
    if not reason or not reason.strip():
        raise Invalid(
            Msg("须说明指派原因（--reason）", "give the reason for the assignment (--reason)"),
            field="reason",
            code="reason_required",
        )
    insp = _inspection(session, plan, uscc)
    officer = _officer(session, cert_no)
    key = f"{plan.code}/{uscc}"
    slot = next(
        (
            s
            for s in short_slots(session, plan)
            if s.inspection.id == insp.id and s.body_id == officer.body_id
        ),
        None,
    )
    if slot is None:
        taking_part = session.scalar(
            select(func.count()).where(
                Assignment.inspection_id == insp.id, Assignment.body_id == officer.body_id
            )
        )
        if not taking_part:
            raise PlanError(
                Msg(
                    f"{cert_no} 所属执法主体不参加 {key} 的检查",
                    f"{cert_no}'s body takes no part in the inspection {key}",
                ),
                field="cert_no",
                code="not_taking_part",
            )
        raise PlanError(
            Msg(
                f"{key} 的检查组已满员；请先办理回避或移除",
                f"the team of {key} is complete; recuse or remove a member first",
            ),
            field="uscc",
            code="team_complete",
        )
    ok, _, reasons = team_candidates(
        session, plan, insp, officer.body_id, _removed_from_plan(session, plan), with_reasons=True
    )
    if officer.id not in {o.id for o in ok}:
        why = reasons.get(officer.id, "previous")
        raise PlanError(
            Msg(
                f"{cert_no} 不能参加 {key} 的检查：{REASONS[why].zh}",
                f"{cert_no} cannot take the inspection {key}: {REASONS[why].en}",
            ),
            [{"field": "cert_no", "message": REASONS[why], "code": why}],
            field="cert_no",
            code="officer_ineligible",
        )
    open_rows = _open_end(session, insp.id, officer.body_id)
    new = Assignment(
        inspection_id=insp.id,
        officer_id=officer.id,
        body_id=officer.body_id,
        is_leader=False,
        cost=matcher.cost(plan.seed, plan.code, key, cert_no),
        active=True,
        assigned_at=now_utc(),
        replaces_id=open_rows[0] if open_rows else None,
        end_note="",
    )
    session.add(new)
    session.flush()
    leader = _relead(session, insp.id, officer.body_id)
    if slot.missing == 1:
        others = [s for s in short_slots(session, plan) if s.inspection.id == insp.id]
        insp.short_reason = insp.short_reason if others else None
    record(
        session,
        EventKind.TEAM_MEMBER_ASSIGNED,
        actor,
        subject=plan.code,
        inspection=key,
        assigned=cert_no,
        reason=reason,
        leader=leader,
    )
    session.flush()
    return new
