"""Matching officers to drawn inspections (随机匹配执法检查人员), recusal and replacement.

`build_problem` turns the plan, the directory and the rules into arrays (eligibility is
computed here, with the reason each officer is excluded); `solver.match` solves them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from scheduler.audit import EventKind, now_utc, record
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    CertStatus,
    Conflict,
    ConflictKind,
    Entity,
    Inspection,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Plan,
    PlanMatchInput,
    PlanState,
    Unit,
    history_officer,
)
from scheduler.plans import (
    IN_CHUNK,
    PlanError,
    _require_state,
    get_plan,
    own_plan_history_excluded,
)
from solver import match as matcher

# Why an officer cannot take an inspection; the order is the order of the checks.
REASONS = {
    "certificate": ("证件无效或未覆盖检查期", "certificate not valid for the whole window"),
    "leave": ("整个检查期请假", "on leave for the whole window"),
    "competence": ("无该检查事项执法领域", "not competent for the item categories"),
    "jurisdiction": ("所所交叉：本单位辖区", "cross-jurisdiction: own unit's town"),
    "conflict": ("申报回避", "declared conflict"),
    "rotation": ("上次检查该主体（轮换）", "inspected this entity last time (rotation)"),
    "previous": ("曾在本检查组中（已回避或移除）", "left this team before (recused or removed)"),
    "cap": ("已达工作量上限", "at the workload cap"),
}


class MatchInfeasible(PlanError):
    """No valid match exists; `diagnosis` (JSON-able) says why and what would help."""

    status = 409

    def __init__(self, message: str, details: list[str], diagnosis: dict):
        super().__init__(message, details)
        self.diagnosis = diagnosis


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


def _categories(plan: Plan) -> dict[str, int]:
    cats = sorted({it.category_zh for it in plan.items})
    return {c: 1 << n for n, c in enumerate(cats)}


def _on_leave_all_window(session: Session, plan: Plan, officer_ids: list[int]) -> set[int]:
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


def certificate_ok(officer: Officer, start: dt.date, end: dt.date) -> bool:
    return (
        officer.cert_status == CertStatus.VALID.value
        and officer.cert_valid_from <= start
        and officer.cert_valid_to >= end
    )


def _last_inspectors(
    session: Session, entity_ids: list[int], body_id: int, before: dt.date
) -> dict[int, set[int]]:
    """Per entity, the officers of the body's most recent inspection of it before `before`
    (rotation): from the imported history and from this system's own scheduled plans."""
    latest: dict[int, tuple[dt.date, str, int]] = {}
    done = ("scheduled", "published", "closed")
    for i in range(0, len(entity_ids), IN_CHUNK):
        chunk = entity_ids[i : i + IN_CHUNK]
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
        planned = (
            select(Inspection.id, Inspection.entity_id, Inspection.visit_date)
            .join(Plan, Plan.id == Inspection.plan_id)
            .where(
                Inspection.entity_id.in_(chunk),
                Inspection.visit_date < before,
                Plan.state.in_(done),
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
        keys = list(refs)
        for i in range(0, len(keys), IN_CHUNK):
            for ref, oid in session.execute(query(keys[i : i + IN_CHUNK])):
                out[refs[ref]].add(oid)
    return out


def _conflict_pairs(session: Session, entity_ids: list[int]) -> set[tuple[int, int]]:
    pairs = set()
    for i in range(0, len(entity_ids), IN_CHUNK):
        chunk = entity_ids[i : i + IN_CHUNK]
        pairs.update(
            (eid, oid)
            for oid, eid in session.execute(
                select(Conflict.officer_id, Conflict.entity_id).where(Conflict.entity_id.in_(chunk))
            )
        )
    return pairs


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
    cat_bit = _categories(plan)
    all_bits = sum(cat_bit.values())
    conflicts = _conflict_pairs(session, entity_ids)
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
        leave = _on_leave_all_window(session, plan, [o.id for o in officers])
        base = [
            "certificate"
            if not certificate_ok(o, plan.window_start, plan.window_end)
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
        for eid, oids in _last_inspectors(session, entity_ids, body.id, plan.window_start).items():
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
    from scheduler.scheduling import availability
    from scheduler.workdays import working_days

    days = working_days(session, plan.window_start, plan.window_end).days
    limit = int(rules.get("cap_per_day", 4)) * availability(session, officers_all, days).sum(
        axis=1
    ).astype(np.int64)
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
    return Built(problem, list(inspections), officers_all, pools, offset, limit)


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


def explain(built: Built, diagnosis: matcher.Diagnosis) -> list[str]:
    """Planner-facing lines: per body demand vs capacity, short teams and why, the cap."""
    lines = []
    for load in diagnosis.bodies:
        lines.append(
            f"{load.body}: 需要 {load.demand} 人次，可用 {load.capacity} 人次 / demand "
            f"{load.demand} places, capacity {load.capacity} ({load.officers} officers)"
        )
    index = {k: n for n, k in enumerate(built.problem.inspection_keys)}
    for short in diagnosis.short_teams:
        why = built.pools[short.body].why_not(index[short.inspection])
        reasons = "; ".join(
            f"{REASONS[r][0]} {n} / {REASONS[r][1]} {n}" for r, n in why.most_common()
        )
        lines.append(
            f"{short.inspection} ({short.body}): 仅 {short.eligible} 名符合条件，需要 "
            f"{short.needed} 名 / only {short.eligible} eligible officers, {short.needed} "
            f"needed; excluded: {reasons}"
        )
    if diagnosis.n_short_teams > len(diagnosis.short_teams):
        lines.append(f"... {diagnosis.n_short_teams} short teams in all")
    for group in diagnosis.tight_groups:
        lines.append(
            f"{group.body}: {group.n_inspections} 项检查争用 {group.n_officers} 名执法人员 / "
            f"{group.n_inspections} inspections compete for {group.n_officers} officers "
            f"(demand {group.demand}, supply {group.supply}): {', '.join(group.inspections[:5])}"
        )
    if diagnosis.smallest_feasible_cap is not None:
        lines.append(
            f"每人上限至少为 {diagnosis.smallest_feasible_cap} 才可匹配 / a cap per officer of "
            f"{diagnosis.smallest_feasible_cap} would make the match feasible"
        )
    else:
        lines.append(
            "提高上限也无法匹配：须增加符合条件的执法人员 / no cap makes it feasible: "
            "more eligible officers are needed"
        )
    return lines


def match(session: Session, code: str, actor: str) -> Plan:
    """Match every drawn inspection's teams (spec section 4) and store the assignments."""
    plan = get_plan(session, code, lock=True)
    _require_state(plan, ("match", "匹配"), PlanState.DRAWN)
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
            f"计划 {plan.code} 无法完成匹配 / plan {plan.code} has no valid match",
            explain(built, exc.diagnosis),
            exc.diagnosis.as_dict(),
        ) from None
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
    session.add(PlanMatchInput(plan_id=plan.id, problem_npz=pack_problem(problem)))
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
    }
    record(session, EventKind.PLAN_MATCHED, actor, subject=plan.code, **plan.match_summary)
    session.flush()
    return plan


def audit_export(session: Session, code: str) -> dict:
    """Spec section 6: what an auditor needs to re-solve and confirm the match."""
    plan = get_plan(session, code)
    if plan.match_summary is None:
        raise PlanError(f"计划 {plan.code} 尚未匹配 / plan {plan.code} has not been matched")
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
    }


# ---------------------------------------------------------------------------- recusal


def _inspection(session: Session, plan: Plan, uscc: str) -> Inspection:
    insp = session.scalar(
        select(Inspection).where(Inspection.plan_id == plan.id, Inspection.uscc == uscc)
    )
    if insp is None:
        raise PlanError(
            f"计划 {plan.code} 中没有检查对象 {uscc} / plan has no inspection of {uscc}"
        )
    return insp


def _officer(session: Session, cert_no: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.cert_no == cert_no))
    if officer is None:
        raise PlanError(f"未知执法证号 / unknown certificate number {cert_no!r}")
    return officer


def replacement_candidates(
    session: Session, plan: Plan, insp: Inspection, body_id: int, exclude: set[int]
) -> tuple[list[Officer], Counter]:
    """Officers who may replace a member (spec section 4's replacement rule), and the
    count of the others by reason. Nobody who was ever on this inspection's team (ended
    rows included) comes back."""
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
    rotation = _last_inspectors(session, [insp.entity_id], body_id, plan.window_start).get(
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
        on_leave = _on_leave_all_window(session, plan, [o.id for o in officers])
    team = {a.officer_id for a in team_of(session, insp.id, body_id)}
    ok, why = [], Counter()
    for o in officers:
        if o.id in team:
            continue
        if o.id in ever or o.id in exclude:
            why["previous"] += 1
            continue
        if not certificate_ok(o, day_from, day_to):
            why["certificate"] += 1
        elif o.id in on_leave:
            why["leave"] += 1
        elif o.competences and not cat_needed <= o.competence_set():
            why["competence"] += 1
        elif plan.rules.get("cross_jurisdiction") and unit_town.get(o.unit_id) == entity.town_id:
            why["jurisdiction"] += 1
        elif o.id in conflicted:
            why["conflict"] += 1
        elif o.id in rotation:
            why["rotation"] += 1
        elif load.get(o.id, 0) >= cap or day_load.get(o.id, 0) >= cap_per_day:
            why["cap"] += 1
        else:
            ok.append(o)
    return ok, why


REPLACEABLE = (PlanState.MATCHED, PlanState.SCHEDULED, PlanState.PUBLISHED)


def replace_member(
    session: Session,
    code: str,
    uscc: str,
    cert_no: str,
    reason: AssignmentEnd,
    note: str,
    actor: str,
    conflict_kind: ConflictKind | None = ConflictKind.OTHER,
) -> Assignment | None:
    """End `cert_no`'s assignment to the inspection of `uscc` and give the team the eligible
    officer with the smallest cost. Returns the new assignment, or None when nobody is
    eligible: then the inspection is flagged short with the reasons."""
    plan = get_plan(session, code, lock=True)
    _require_state(plan, ("replace a team member of", "更换检查人员"), *REPLACEABLE)
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
            f"{cert_no} 不在 {uscc} 的检查组中 / {cert_no} is not on the team of {plan.code}/{uscc}"
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
        reasons = ", ".join(f"{REASONS[r][1]}: {n}" for r, n in why.most_common())
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


def remove_unavailable(session: Session, code: str, cert_no: str, note: str, actor: str) -> list:
    """A planner removes an officer who became unavailable from all of the plan's teams."""
    plan = get_plan(session, code, lock=True)
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
            f"{cert_no} 在计划 {code} 中没有任务 / {cert_no} has no assignment in {code}"
        )
    return [
        replace_member(
            session, code, u, cert_no, AssignmentEnd.UNAVAILABLE, note, actor, conflict_kind=None
        )
        for u in usccs
    ]


def team_of(session: Session, inspection_id: int, body_id: int | None = None) -> list[Assignment]:
    """The active members of an inspection's team (of one body, or of all), by body, cost."""
    query = select(Assignment).where(Assignment.inspection_id == inspection_id, Assignment.active)
    if body_id is not None:
        query = query.where(Assignment.body_id == body_id)
    return session.scalars(query.order_by(Assignment.body_id, Assignment.cost)).all()
