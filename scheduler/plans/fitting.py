"""Fitting the match to the calendar (排期适配): every accepted match can be scheduled.

The per-officer ceiling of the match (daily cap x available working days) guarantees that
each officer's total fits the window, not that the members of a team share a free day:
balanced mode packs officers close to their ceiling, and in a tight plan an inspection can
find every day its whole team is available at the daily cap of one member. So the match
schedules its teams before anything is stored (`solver.schedule.fit_schedule`): where an
inspection finds no day, the member whose days are full is replaced by the eligible
officer of the same body with the smallest spec cost who shares a free working day with
the rest of the team (spec section 4's replacement rule, extended with "available on a
day the team can meet"), and the teams are scheduled again, to a fixed point. A match
that cannot be fitted is refused with that diagnosis and nothing is stored.

The fitted schedule is kept with the match input together with a fingerprint of
everything it depends on (working days, availability, teams, towns, daily cap, seed), so
`flask plan schedule` takes it as it is when nothing changed since the match, and fits
again (swaps audited) when the calendar, leave or certificates did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Msg
from scheduler.models import Assignment, AssignmentEnd, Entity, Inspection, Officer, Plan
from scheduler.plans.eligibility import availability
from scheduler.workdays import working_days
from solver import match as matcher
from solver import schedule as scheduler_solver


@dataclass
class FitInputs:
    """What a plan's schedule depends on, officers in the match's order (body, cert_no)."""

    days: tuple[dt.date, ...]
    officers: list[Officer]
    available: np.ndarray  # (officers, days) bool
    towns: list[int]  # per inspection (credit-code order)
    cap_per_day: int
    seed: str  # the tie-break seed: "<plan seed>|<plan code>"


def plan_officers(session: Session, plan: Plan) -> list[Officer]:
    """Every officer of the plan's bodies, by body code then certificate number: the
    officer order of the match problem (`matching.build_problem`)."""
    out: list[Officer] = []
    for body in sorted(plan.bodies, key=lambda b: b.code):
        out.extend(
            session.scalars(
                select(Officer).where(Officer.body_id == body.id).order_by(Officer.cert_no)
            ).all()
        )
    return out


def fit_inputs(
    session: Session,
    plan: Plan,
    officers: list[Officer] | None = None,
    available: np.ndarray | None = None,
    days: tuple[dt.date, ...] | None = None,
) -> FitInputs:
    """The schedule's inputs as they are now (the match passes what it already read)."""
    if days is None:
        days = tuple(working_days(session, plan.window_start, plan.window_end).days)
    if officers is None:
        officers = plan_officers(session, plan)
    if available is None:
        available = availability(session, officers, days)
    rows = session.execute(
        select(Inspection.uscc, Entity.town_id)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.plan_id == plan.id)
    ).all()
    towns = [town for _uscc, town in sorted(rows)]
    return FitInputs(
        tuple(days),
        officers,
        np.asarray(available, dtype=bool),
        towns,
        int(plan.rules.get("cap_per_day", 4)),
        f"{plan.seed}|{plan.code}",
    )


def fingerprint(inputs: FitInputs, teams: Sequence[Sequence[int]]) -> str:
    """SHA-256 of everything the schedule depends on (teams as sorted officer indices)."""
    h = hashlib.sha256()
    head = {
        "days": [d.isoformat() for d in inputs.days],
        "officers": [o.cert_no for o in inputs.officers],
        "cap_per_day": inputs.cap_per_day,
        "seed": inputs.seed,
        "towns": inputs.towns,
        "teams": [sorted(int(o) for o in t) for t in teams],
    }
    h.update(json.dumps(head, separators=(",", ":")).encode())
    h.update(np.packbits(inputs.available, axis=None).tobytes())
    h.update(str(inputs.available.shape).encode())
    return h.hexdigest()


def candidates_from_pairs(
    seed: str,
    plan_code: str,
    inspection_keys: Sequence[str],
    officer_keys: Sequence[str],
    officer_body: np.ndarray,
    pair_i: np.ndarray,
    pair_o: np.ndarray,
    exclude: Callable[[int], set[int]] | None = None,
) -> Candidates:
    """`candidates(i, o)` for `fit_schedule`: the officers eligible for inspection `i` of
    `o`'s body, smallest spec cost first (ties by certificate number), minus `exclude(i)`."""
    order = np.argsort(pair_i, kind="stable")
    sorted_i = pair_i[order]
    cache: dict[int, list[int]] = {}

    def eligible(i: int) -> list[int]:
        if i not in cache:
            lo, hi = np.searchsorted(sorted_i, [i, i + 1])
            offs = pair_o[order[lo:hi]].tolist()
            key = inspection_keys[i]
            cache[i] = sorted(
                offs, key=lambda c: (matcher.cost(seed, plan_code, key, officer_keys[c]), c)
            )
        return cache[i]

    def candidates(i: int, o: int) -> list[int]:
        banned = exclude(i) if exclude else set()
        body = officer_body[o]
        return [c for c in eligible(i) if officer_body[c] == body and c not in banned]

    def anyone(i: int) -> list[int]:
        banned = exclude(i) if exclude else set()
        return [c for c in eligible(i) if c not in banned]

    return Candidates(candidates, anyone, np.asarray(officer_body))


@dataclass
class Candidates:
    """Who may join inspection `i`: in `o`'s place (same body, best first), or at all."""

    replacing: Callable[[int, int], list[int]]
    eligible: Callable[[int], list[int]]
    officer_body: np.ndarray


def fit(
    inputs: FitInputs, teams: Sequence[Sequence[int]], candidates: Candidates, total_cap
) -> scheduler_solver.Fitted:
    return scheduler_solver.fit_schedule(
        teams,
        inputs.towns,
        inputs.days,
        inputs.available,
        candidates.replacing,
        total_cap,
        cap_per_day=inputs.cap_per_day,
        seed=inputs.seed,
        eligible=candidates.eligible,
        officer_body=candidates.officer_body,
    )


STAT_FIELDS = (
    "combinations",
    "combinations_lower_bound",
    "mixed_officer_days",
    "max_day_load",
    "min_day_load",
    "max_officer_day_load",
)


def pack_schedule(fitted: scheduler_solver.Fitted, print_: str) -> bytes:
    """The fitted schedule as stored with the match input: day per inspection, stats."""
    stats = {name: int(getattr(fitted.schedule.stats, name)) for name in STAT_FIELDS}
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        day=fitted.schedule.day.astype(np.int32),
        fingerprint=np.array(print_),
        stats=np.array(json.dumps(stats)),
    )
    return buf.getvalue()


def unpack_schedule(blob: bytes | None) -> tuple[np.ndarray, str, dict] | None:
    if not blob:
        return None
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return z["day"].astype(np.int64), str(z["fingerprint"]), json.loads(str(z["stats"]))


def slack(
    officer_body: np.ndarray,
    body_codes: Sequence[str],
    available: np.ndarray,
    cap_per_day: int,
    total_cap: np.ndarray,
    load: np.ndarray,
) -> dict[str, dict[str, int]]:
    """Per body: free officer-day slots (daily cap x available days, minus visits) and
    free places under the total cap, the room left for recusals and replacements."""
    days = available.sum(axis=1).astype(np.int64)
    out = {}
    for b, code in enumerate(body_codes):
        mine = officer_body == b
        out[code] = {
            "officer_day_slots": int((days[mine] * cap_per_day - load[mine]).clip(min=0).sum()),
            "cap_places": int((total_cap[mine] - load[mine]).clip(min=0).sum()),
            "officers_at_cap": int((load[mine] >= total_cap[mine]).sum()),
        }
    return out


UNSCHEDULED_ZH = {
    scheduler_solver.NO_WORKING_DAY: "检查期内没有可用的工作日",
    scheduler_solver.NO_JOINT_DAY: "检查组成员没有共同可用的工作日",
    scheduler_solver.DAILY_CAP: "相关执法人员每日检查数已达上限",
}
NO_SWAP = Msg(
    "且没有与其余成员有共同空闲工作日的符合条件人员可替换",
    "and no eligible officer who shares a free working day with the rest of the team "
    "can take a member's place",
)


def unscheduled_lines(
    plan: Plan,
    usccs: Sequence[str],
    officers: Sequence[Officer],
    unscheduled: Sequence[scheduler_solver.Unscheduled],
    limit: int = 50,
) -> list[Msg]:
    """One bilingual line per inspection without a day (at most `limit`, then a count)."""
    lines = []
    for u in unscheduled[:limit]:
        who = ", ".join(officers[o].cert_no for o in u.officers)
        key = f"{plan.code}/{usccs[u.inspection]}"
        zh = UNSCHEDULED_ZH.get(u.code, u.message)
        lines.append(
            Msg(f"{key}：{zh}（{who}），{NO_SWAP.zh}", f"{key}: {u.message} ({who}), {NO_SWAP.en}")
        )
    if len(unscheduled) > limit:
        n = len(unscheduled)
        lines.append(Msg(f"……共 {n} 项", f"... {n} in all"))
    return lines


def apply_swaps(
    session: Session,
    plan: Plan,
    inspection_ids: Sequence[int],
    usccs: Sequence[str],
    officers: Sequence[Officer],
    fitted: scheduler_solver.Fitted,
    actor: Actor,
) -> None:
    """Store the schedule repairs: each removed member's row is ended (reason
    `schedule_repair`), the replacement gets a row that names it, the team's leader is
    again its smallest-cost member, and each swap is one audit event."""
    if not fitted.swaps:
        return
    now = now_utc()
    touched: set[tuple[int, int]] = set()
    for swap in fitted.swaps:
        insp_id = inspection_ids[swap.inspection]
        removed, added = officers[swap.removed], officers[swap.added]
        old = session.scalar(
            select(Assignment).where(
                Assignment.inspection_id == insp_id,
                Assignment.officer_id == removed.id,
                Assignment.active,
            )
        )
        old.active = False
        old.ended_at = now
        old.end_reason = AssignmentEnd.SCHEDULE_REPAIR.value
        old.end_note = "排期调整：与其余成员无共同空闲工作日 / schedule repair: no shared free day"
        key = f"{plan.code}/{usccs[swap.inspection]}"
        session.add(
            Assignment(
                inspection_id=insp_id,
                officer_id=added.id,
                body_id=old.body_id,
                is_leader=False,
                cost=matcher.cost(plan.seed, plan.code, key, added.cert_no),
                active=True,
                assigned_at=now,
                replaces_id=old.id,
                end_note="",
            )
        )
        session.flush()
        touched.add((insp_id, old.body_id))
        record(
            session,
            EventKind.TEAM_SCHEDULE_REPAIRED,
            actor,
            subject=plan.code,
            inspection=key,
            removed=removed.cert_no,
            replacement=added.cert_no,
            shared_day=fitted.schedule.days[swap.day].isoformat() if fitted.schedule.days else None,
            reason="no_shared_free_day",
        )
    for insp_id, body_id in sorted(touched):
        team = session.scalars(
            select(Assignment).where(
                Assignment.inspection_id == insp_id,
                Assignment.body_id == body_id,
                Assignment.active,
            )
        ).all()
        leader = min(team, key=lambda a: (a.cost, a.officer.cert_no))
        for a in team:
            a.is_leader = a is leader
    session.flush()
