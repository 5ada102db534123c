"""Matching officers to drawn inspections (随机匹配执法检查人员), spec section 4.

`build_problem` turns the plan, the directory and the rules into arrays (eligibility from
`scheduler.plans.eligibility`, with the reason each officer is excluded); `solver.match`
solves them. `match` stores the assignments; `audit_export` is spec section 6.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import MatchInfeasible, Msg, PlanStateError
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    Entity,
    Inspection,
    Officer,
    Plan,
    PlanMatchInput,
    PlanState,
    Unit,
)
from scheduler.plans import fitting
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.eligibility import (
    REASONS,
    availability,
    categories,
    conflict_pairs,
    last_inspectors,
    on_leave_all_window,
)
from scheduler.workdays import working_days
from solver import match as matcher


@dataclass
class BodyPool:
    """One participating body's officers and the reasons they are excluded per inspection."""

    code: str
    officers: list[Officer]
    base_reason: list[str | None]  # certificate / leave, or None
    required: np.ndarray  # (n_insp,) category bitmask the inspection needs from this body
    demand: np.ndarray  # (n_insp,) team size or 0
    competent: np.ndarray  # (n_insp, n_off) bool
    same_town: np.ndarray  # (n_insp, n_off) bool, only with cross-jurisdiction
    conflicted: np.ndarray  # (n_insp, n_off) bool
    rotation: np.ndarray  # (n_insp, n_off) bool

    def eligible(self) -> np.ndarray:
        base = np.array([r is None for r in self.base_reason], dtype=bool)
        ok = base[None, :] & self.competent & ~self.same_town & ~self.conflicted & ~self.rotation
        return ok & (self.demand > 0)[:, None]

    def why_not(self, i: int) -> Counter:
        """Officers of this body excluded from inspection `i`, counted by first reason."""
        out: Counter = Counter()
        for o, base in enumerate(self.base_reason):
            if base:
                out[base] += 1
            elif not self.competent[i, o]:
                out["competence"] += 1
            elif self.same_town[i, o]:
                out["jurisdiction"] += 1
            elif self.conflicted[i, o]:
                out["conflict"] += 1
            elif self.rotation[i, o]:
                out["rotation"] += 1
        return out


@dataclass
class Built:
    problem: matcher.MatchProblem
    inspections: list  # rows with id, uscc, entity_id
    officers: list[Officer]
    pools: dict[str, BodyPool] = field(default_factory=dict)
    offset: dict[str, int] = field(default_factory=dict)  # first officer index of each body
    # Per officer, the most visits the schedule can give: daily cap x available working days.
    limit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The window's working days and who is available on each (officer x day).
    days: tuple = ()
    available: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))


def build_problem(session: Session, plan: Plan, cap: int | None = None) -> Built:
    """Eligibility, demand and caps of the plan as a `MatchProblem` (cap per officer `cap`,
    or the plan's cap; balanced mode later replaces it with the smallest feasible one)."""
    rules = plan.rules
    # Plain rows, not ORM objects: a district plan has over 10,000 inspections.
    inspections = sorted(
        session.execute(
            select(Inspection.id, Inspection.uscc, Inspection.entity_id).where(
                Inspection.plan_id == plan.id
            )
        ).all(),
        key=lambda i: i.uscc,
    )
    entity_rows = {
        e.id: e
        for e in session.execute(
            select(Entity.id, Entity.type, Entity.industry, Entity.town_id).where(
                Entity.id.in_(select(Inspection.entity_id).where(Inspection.plan_id == plan.id))
            )
        ).all()
    }
    entities = [entity_rows[i.entity_id] for i in inspections]
    entity_ids = [e.id for e in entities]
    n_i = len(inspections)
    cat_bit = categories(plan)
    all_bits = sum(cat_bit.values())
    conflicts = conflict_pairs(session, entity_ids)
    unit_town = dict(session.execute(select(Unit.id, Unit.town_id)).all())
    entity_town = np.array([e.town_id for e in entities], dtype=np.int64)

    pools: dict[str, BodyPool] = {}
    officers_all: list[Officer] = []
    offset: dict[str, int] = {}
    for body in sorted(plan.bodies, key=lambda b: b.code):
        items = [it for it in plan.items if it.body_id == body.id]
        required = np.zeros(n_i, dtype=np.int64)
        for n, e in enumerate(entities):
            for it in items:
                if it.fits(e.type, e.industry):
                    required[n] |= cat_bit[it.category_zh]
        demand = np.where(required > 0, int(rules["team_size"].get(body.code, 2)), 0)
        officers = session.scalars(
            select(Officer).where(Officer.body_id == body.id).order_by(Officer.cert_no)
        ).all()
        leave = on_leave_all_window(session, plan, [o.id for o in officers])
        base = [
            "certificate"
            if not o.certified_for(plan.window_start, plan.window_end)
            else "leave"
            if o.id in leave
            else None
            for o in officers
        ]
        comp = np.array(
            [
                all_bits
                if not o.competences
                else sum(cat_bit.get(c, 0) for c in o.competence_set())
                for o in officers
            ],
            dtype=np.int64,
        )
        competent = (required[:, None] & ~comp[None, :]) == 0
        n_o = len(officers)
        if rules.get("cross_jurisdiction"):
            otown = np.array([unit_town.get(o.unit_id) or -1 for o in officers], dtype=np.int64)
            same_town = entity_town[:, None] == otown[None, :]
        else:
            same_town = np.zeros((n_i, n_o), dtype=bool)
        index = {o.id: k for k, o in enumerate(officers)}
        conflicted = np.zeros((n_i, n_o), dtype=bool)
        row_of = {eid: n for n, eid in enumerate(entity_ids)}
        for eid, oid in conflicts:
            if oid in index:
                conflicted[row_of[eid], index[oid]] = True
        rotation = np.zeros((n_i, n_o), dtype=bool)
        for eid, oids in last_inspectors(session, entity_ids, body.id, plan.window_start).items():
            for oid in oids:
                if oid in index:
                    rotation[row_of[eid], index[oid]] = True
        pools[body.code] = BodyPool(
            body.code, officers, base, required, demand, competent, same_town, conflicted, rotation
        )
        offset[body.code] = len(officers_all)
        officers_all.extend(officers)

    codes = sorted(pools)
    pair_i, pair_o = [], []
    for code in codes:
        ii, oo = np.nonzero(pools[code].eligible())
        pair_i.append(ii)
        pair_o.append(oo + offset[code])
    demand = np.stack([pools[c].demand for c in codes], axis=1) if codes else np.zeros((n_i, 0))
    officer_body = (
        np.concatenate(
            [np.full(len(pools[c].officers), b, dtype=np.int64) for b, c in enumerate(codes)]
        )
        if codes
        else np.zeros(0, dtype=np.int64)
    )
    days = tuple(working_days(session, plan.window_start, plan.window_end).days)
    available = availability(session, officers_all, days)
    limit = int(rules.get("cap_per_day", 4)) * available.sum(axis=1).astype(np.int64)
    cap_value = cap if cap is not None else (rules.get("cap_per_officer") or n_i or 1)
    problem = matcher.MatchProblem(
        inspection_keys=[f"{plan.code}/{i.uscc}" for i in inspections],
        officer_keys=[o.cert_no for o in officers_all],
        body_codes=codes,
        officer_body=officer_body,
        demand=demand.astype(np.int64),
        cap=np.minimum(cap_value, limit),
        pair_i=np.concatenate(pair_i) if pair_i else np.zeros(0, dtype=np.int64),
        pair_o=np.concatenate(pair_o) if pair_o else np.zeros(0, dtype=np.int64),
    )
    return Built(problem, list(inspections), officers_all, pools, offset, limit, days, available)


def pack_problem(problem: matcher.MatchProblem) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        inspection_keys=np.array(problem.inspection_keys, dtype=str),
        officer_keys=np.array(problem.officer_keys, dtype=str),
        body_codes=np.array(problem.body_codes, dtype=str),
        officer_body=problem.officer_body,
        demand=problem.demand,
        cap=problem.cap,
        pair_i=problem.pair_i.astype(np.int32),
        pair_o=problem.pair_o.astype(np.int32),
    )
    return buf.getvalue()


def unpack_problem(blob: bytes) -> matcher.MatchProblem:
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return matcher.MatchProblem(
            z["inspection_keys"].tolist(),
            z["officer_keys"].tolist(),
            z["body_codes"].tolist(),
            z["officer_body"],
            z["demand"],
            z["cap"],
            z["pair_i"],
            z["pair_o"],
        )


def explain(built: Built, diagnosis: matcher.Diagnosis) -> list[Msg]:
    """Planner-facing lines: per body demand vs capacity, short teams and why, the cap."""
    lines = []
    for load in diagnosis.bodies:
        lines.append(
            Msg(
                f"{load.body}：需要 {load.demand} 人次，可用 {load.capacity} 人次"
                f"（{load.officers} 名执法人员）",
                f"{load.body}: demand {load.demand} places, capacity {load.capacity} "
                f"({load.officers} officers)",
            )
        )
    index = {k: n for n, k in enumerate(built.problem.inspection_keys)}
    for short in diagnosis.short_teams:
        why = built.pools[short.body].why_not(index[short.inspection]).most_common()
        lines.append(
            Msg(
                f"{short.inspection} ({short.body}): 仅 {short.eligible} 名符合条件，需要 "
                f"{short.needed} 名；排除：" + "；".join(f"{REASONS[r].zh} {n}" for r, n in why),
                f"{short.inspection} ({short.body}): only {short.eligible} eligible officers, "
                f"{short.needed} needed; excluded: "
                + "; ".join(f"{REASONS[r].en} {n}" for r, n in why),
            )
        )
    if diagnosis.n_short_teams > len(diagnosis.short_teams):
        n = diagnosis.n_short_teams
        lines.append(Msg(f"……共 {n} 个检查组缺员", f"... {n} short teams in all"))
    for group in diagnosis.tight_groups:
        first = ", ".join(group.inspections[:5])
        lines.append(
            Msg(
                f"{group.body}：{group.n_inspections} 项检查争用 {group.n_officers} 名执法人员"
                f"（需要 {group.demand}，可供 {group.supply}）：{first}",
                f"{group.body}: {group.n_inspections} inspections compete for "
                f"{group.n_officers} officers (demand {group.demand}, supply {group.supply}): "
                f"{first}",
            )
        )
    cap = diagnosis.smallest_feasible_cap
    if cap is not None:
        lines.append(
            Msg(
                f"每人上限至少为 {cap} 才可匹配",
                f"a cap per officer of {cap} would make the match feasible",
            )
        )
    else:
        lines.append(
            Msg(
                "提高上限也无法匹配：须增加符合条件的执法人员",
                "no cap makes it feasible: more eligible officers are needed",
            )
        )
    return lines


def match(session: Session, code: str, actor: Actor) -> Plan:
    """Match every drawn inspection's teams (spec section 4) and store the assignments."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("匹配", "match"), PlanState.DRAWN)
    rules = plan.rules
    built = build_problem(session, plan)
    problem = built.problem
    limit = rules.get("cap_per_officer")
    if rules["mode"] == "balanced":
        # The smallest cap that admits a full match, never above the planner's cap.
        ceiling = built.limit if limit is None else np.minimum(built.limit, limit)
        cap = matcher.smallest_limited_cap(problem, ceiling)
        if cap is not None:
            problem = problem.with_cap(np.minimum(cap, built.limit))
        else:
            cap = limit
    else:
        cap = limit
    try:
        result = matcher.solve(problem, plan.seed, plan.code)
    except matcher.Infeasible as exc:
        built.problem = problem
        raise MatchInfeasible(
            Msg(f"计划 {plan.code} 无法完成匹配", f"plan {plan.code} has no valid match"),
            explain(built, exc.diagnosis),
            exc.diagnosis.as_dict(),
        ) from None
    # Fit the teams to the calendar before anything is stored (plans/fitting.py).
    inputs = fitting.fit_inputs(session, plan, built.officers, built.available, built.days)
    teams: list[list[int]] = [[] for _ in built.inspections]
    for i, o in zip(result.inspection.tolist(), result.officer.tolist(), strict=True):
        teams[i].append(o)
    teams = [sorted(t) for t in teams]  # members in officer order, as the schedule step reads
    candidates = fitting.candidates_from_pairs(
        plan.seed,
        plan.code,
        problem.inspection_keys,
        problem.officer_keys,
        problem.officer_body,
        problem.pair_i,
        problem.pair_o,
    )
    fitted = fitting.fit(inputs, teams, candidates, problem.cap)
    if fitted.schedule.unscheduled:
        n = len(fitted.schedule.unscheduled)
        usccs = [i.uscc for i in built.inspections]
        raise MatchInfeasible(
            Msg(
                f"计划 {plan.code} 的匹配结果无法排期：{n} 项检查找不到检查组共同空闲的工作日",
                f"the match of plan {plan.code} cannot be scheduled: {n} inspections find no "
                "working day on which their whole team is free",
            ),
            fitting.unscheduled_lines(plan, usccs, built.officers, fitted.schedule.unscheduled),
            {
                "unschedulable": [
                    {
                        "inspection": problem.inspection_keys[u.inspection],
                        "reason": u.code,
                        "officers": [built.officers[o].cert_no for o in u.officers],
                    }
                    for u in fitted.schedule.unscheduled
                ]
            },
        )
    now = now_utc()
    body_ids = {b.code: b.id for b in plan.bodies}
    rows = [
        {
            "inspection_id": built.inspections[i].id,
            "officer_id": built.officers[o].id,
            "body_id": body_ids[problem.body_codes[problem.officer_body[o]]],
            "is_leader": bool(lead),
            "cost": int(c),
            "active": True,
            "assigned_at": now,
            "end_note": "",
        }
        for i, o, lead, c in zip(
            result.inspection.tolist(),
            result.officer.tolist(),
            result.leader.tolist(),
            result.cost.tolist(),
            strict=True,
        )
    ]
    if rows:
        session.connection().execute(insert(Assignment.__table__), rows)
    fitting.apply_swaps(
        session,
        plan,
        [i.id for i in built.inspections],
        [i.uscc for i in built.inspections],
        built.officers,
        fitted,
        actor,
    )
    session.add(
        PlanMatchInput(
            plan_id=plan.id,
            problem_npz=pack_problem(problem),
            schedule_npz=fitting.pack_schedule(fitted, fitting.fingerprint(inputs, fitted.teams)),
        )
    )
    load = np.zeros(len(built.officers), dtype=np.int64)
    for team in fitted.teams:
        load[team] += 1
    digest = hashlib.sha256(
        "\n".join(f"{a},{b},{int(c)}" for a, b, c in result.rows(problem)).encode()
    ).hexdigest()
    plan.state = PlanState.MATCHED.value
    plan.matched_at = now.replace(microsecond=0)
    plan.match_summary = {
        "algorithm": matcher.ALGORITHM,
        "mode": rules["mode"],
        "cap": cap,
        "total_cost": result.total_cost,
        "assignments": len(rows),
        "eligible_pairs": int(len(problem.pair_i)),
        "assignment_sha256": digest,
        # Members swapped so that every inspection has a day (plans/fitting.py).
        "schedule_repairs": len(fitted.swaps),
        "slack": fitting.slack(
            problem.officer_body,
            problem.body_codes,
            built.available,
            inputs.cap_per_day,
            problem.cap,
            load,
        ),
    }
    record(session, EventKind.PLAN_MATCHED, actor, subject=plan.code, **plan.match_summary)
    session.flush()
    return plan


def audit_export(session: Session, plan: Plan) -> dict:
    """Spec section 6: what an auditor needs to re-solve and confirm the match.
    Confidential (eligibility reveals conflicts): staff only."""
    if plan.match_summary is None:
        raise PlanStateError(
            Msg(f"计划 {plan.code} 尚未匹配", f"plan {plan.code} has not been matched")
        )
    problem = unpack_problem(session.get(PlanMatchInput, plan.id).problem_npz)
    ik, ok = problem.inspection_keys, problem.officer_keys
    # The assignment as matched: the original rows, whether later replaced or not; the
    # leader of each (inspection, body) team is its smallest-cost member (spec section 4).
    original = sorted(
        session.execute(
            select(Inspection.uscc, Assignment.body_id, Assignment.cost, Officer.cert_no)
            .join(Inspection, Inspection.id == Assignment.inspection_id)
            .join(Officer, Officer.id == Assignment.officer_id)
            .where(Inspection.plan_id == plan.id, Assignment.replaces_id.is_(None))
        ).all()
    )
    first = {}
    for uscc, body_id, _cost, cert_no in original:
        first.setdefault((uscc, body_id), cert_no)
    return {
        "algorithm": matcher.ALGORITHM,
        "plan_code": plan.code,
        "seed": plan.seed,
        "window": {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()},
        "inspections": [
            {
                "key": ik[i],
                "entity": ik[i].split("/", 1)[1],
                "demand": {
                    problem.body_codes[b]: int(problem.demand[i, b])
                    for b in range(len(problem.body_codes))
                    if problem.demand[i, b]
                },
            }
            for i in range(len(ik))
        ],
        "officers": [
            {
                "key": ok[o],
                "body": problem.body_codes[problem.officer_body[o]],
                "cap": int(problem.cap[o]),
            }
            for o in range(len(ok))
        ],
        "eligible": [
            [ik[i], ok[o]]
            for i, o in zip(problem.pair_i.tolist(), problem.pair_o.tolist(), strict=True)
        ],
        "assignment": [[f"{plan.code}/{u}", c, first[u, b] == c] for u, b, _, c in original],
        # Members swapped after the optimum so that every inspection has a day
        # (plans/fitting.py), in the order made: what an auditor checks beyond the optimum.
        "schedule_repairs": _schedule_repairs(session, plan),
    }


def _schedule_repairs(session: Session, plan: Plan) -> list[dict]:
    new = aliased(Assignment)
    new_officer = aliased(Officer)
    rows = session.execute(
        select(Inspection.uscc, Officer.cert_no, new_officer.cert_no, new.id)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .join(new, new.replaces_id == Assignment.id)
        .join(new_officer, new_officer.id == new.officer_id)
        .where(
            Inspection.plan_id == plan.id,
            Assignment.end_reason == AssignmentEnd.SCHEDULE_REPAIR.value,
        )
        .order_by(new.id)
    ).all()
    return [
        {
            "inspection": f"{plan.code}/{uscc}",
            "removed": removed,
            "replacement": added,
            "reason": "no_shared_free_day",
        }
        for uscc, removed, added, _id in rows
    ]
