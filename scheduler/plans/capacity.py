"""The capacity check (匹配能力预检): can the plan's teams possibly be staffed?

Before the seed (at the freeze, and with `flask plan check` on a draft) the draw is not
known, so the check compares, per participating body,

- the expected demand: expected inspections the body takes part in (the strata's sample
  sizes times the share of each stratum the body's items cover, plus the key-supervision
  entities it covers) times its team size, key supervision included;
- the capacity: officers eligible for the whole window (certificate valid, not on leave
  all the window, competent for one of the body's items of the plan) times the cap per
  officer, and the officer-days in the window times the daily cap; each officer gives at
  most `min(cap, available working days x cap_per_day)`, their sum is the capacity.

Demand above capacity, a body with fewer eligible officers than its team size, or a window
without a working day make a full match impossible: `freeze` refuses such a plan unless
forced. Once drawn, the demand is the exact one of the drawn inspections. A single-body
plan's expected demand is exact too (every drawn entity needs the body).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.access import VIEW
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.db import chunks
from scheduler.errors import CapacityShort, Msg
from scheduler.models import (
    INDUSTRY_SECTIONS,
    Entity,
    EntityStatus,
    Inspection,
    Officer,
    Plan,
    PlanState,
    Town,
)
from scheduler.plans.core import require_plan
from scheduler.plans.eligibility import availability, on_leave_all_window
from scheduler.plans.plan_file import ALL_STRATUM
from scheduler.workdays import working_days
from solver import draw as drawing

# Why an officer of a body cannot take any inspection of the plan (whole-window reasons).
OFFICER_REASONS = ("certificate", "leave", "competence")
CAP_PER_DAY_MAX = 20  # as in the plan file


@dataclass
class BodyCapacity:
    """Demand against capacity of one body."""

    body: str
    team_size: int
    inspections: float  # expected (exact once drawn) inspections the body takes part in
    demand: float  # inspections x team size
    officers: int  # officers of the body
    eligible: int  # officers who may take some inspection for the whole window
    ineligible: dict[str, int]  # the others by first reason (OFFICER_REASONS)
    cap: int | None  # the planner's cap per officer (None: none)
    cap_capacity: int | None  # eligible x cap
    officer_days: int  # available working days of the eligible officers
    day_capacity: int  # officer_days x cap_per_day
    capacity: int  # sum over eligible officers of min(cap, their days x cap_per_day)

    @property
    def slack(self) -> int:
        return self.capacity - math.ceil(self.demand - 1e-9)

    @property
    def short(self) -> bool:
        return self.demand > 0 and (
            self.demand > self.capacity + 1e-9 or self.eligible < self.team_size
        )


@dataclass
class CapacityReport:
    """The check of one plan; `feasible` is False when no full match can exist."""

    plan: str
    state: str
    exact: bool  # demand from the drawn inspections (True) or expected from the strata
    working_days: int
    cap_per_day: int
    bodies: list[BodyCapacity] = field(default_factory=list)

    @property
    def no_working_day(self) -> bool:
        return self.working_days == 0

    @property
    def feasible(self) -> bool:
        demand = sum(b.demand for b in self.bodies)
        if self.no_working_day and demand > 0:
            return False
        return not any(b.short for b in self.bodies)

    def as_dict(self) -> dict:
        out = asdict(self)
        for entry, body in zip(out["bodies"], self.bodies, strict=True):
            entry["slack"] = body.slack
            entry["short"] = body.short
            entry["demand"] = round(body.demand, 1)
            entry["inspections"] = round(body.inspections, 1)
        out["feasible"] = self.feasible
        return out

    def lines(self) -> list[Msg]:
        """One bilingual line per body, then one per problem."""
        what = "" if self.exact else "预计"
        what_en = "" if self.exact else "expected "
        out = []
        for b in self.bodies:
            cap = (
                f"{b.eligible} 人 × 上限 {b.cap} = {b.cap_capacity}"
                if b.cap is not None
                else "无每人上限"
            )
            cap_en = (
                f"{b.eligible} officers x cap {b.cap} = {b.cap_capacity}"
                if b.cap is not None
                else "no cap per officer"
            )
            out.append(
                Msg(
                    f"{b.body}：{what}需求 {b.demand:.0f} 人次（{b.inspections:.0f} 项检查 × "
                    f"{b.team_size} 人）；能力 {b.capacity} 人次（{cap}；"
                    f"{b.officer_days} 人日 × 每日 {self.cap_per_day} = {b.day_capacity}）；"
                    f"余量 {b.slack}",
                    f"{b.body}: {what_en}demand {b.demand:.0f} places ({b.inspections:.0f} "
                    f"inspections x {b.team_size}); capacity {b.capacity} places ({cap_en}; "
                    f"{b.officer_days} officer-days x {self.cap_per_day} a day = "
                    f"{b.day_capacity}); slack {b.slack}",
                )
            )
        if self.no_working_day:
            out.append(
                Msg(
                    "检查期内没有工作日：任何上限都无法匹配，请调整检查期",
                    "the window has no working day: no cap can work; change the window",
                )
            )
        for b in self.bodies:
            if b.demand > 0 and b.eligible < b.team_size:
                out.append(
                    Msg(
                        f"{b.body}：仅 {b.eligible} 名合格执法人员，少于检查组人数 {b.team_size}",
                        f"{b.body}: only {b.eligible} eligible officers, fewer than the team "
                        f"size {b.team_size}",
                    )
                )
            elif b.short:
                out.append(
                    Msg(
                        f"{b.body}：{what}需求超过能力 {-b.slack} 人次",
                        f"{b.body}: {what_en}demand exceeds capacity by {-b.slack} places",
                    )
                )
        return out


# ------------------------------------------------------------------------- demand


def _body_items(plan: Plan) -> dict[str, list]:
    return {b.code: [it for it in plan.items if it.body_id == b.id] for b in plan.bodies}


def _fits(items, etype: str, industry: str) -> bool:
    return any(it.fits(etype, industry) for it in items)


def _stratum_label(plan: Plan, credit: str, etype: str, industry: str) -> str | None:
    """The stratum of an entity for the strata this module knows; None for others."""
    by = plan.rules["strata"]["by"]
    if by == "none":
        return ALL_STRATUM
    if by == "credit_class":
        return credit
    if by == "credit_class_item":
        first = next((it for it in plan.items if it.fits(etype, industry)), None)
        return f"{credit}:{first.code}" if first else None
    if by == "entity_type":
        return etype
    return None


def _shares(session: Session, plan: Plan) -> dict[str, dict[str | None, float]]:
    """Body -> stratum (None: all strata) -> share of the plan's candidate entities that the
    body's items cover. 1.0 everywhere for a single-body plan (no query)."""
    items = _body_items(plan)
    if len(items) == 1:
        return {code: {None: 1.0} for code in items}
    types = sorted({t for it in plan.items for t in it.entity_types})
    query = (
        select(Entity.type, Entity.industry, Entity.credit_class, func.count())
        .where(Entity.status == EntityStatus.ACTIVE.value, Entity.type.in_(types))
        .group_by(Entity.type, Entity.industry, Entity.credit_class)
    )
    towns = plan.rules["filters"]["towns"]
    if towns:
        query = query.where(Entity.town_id.in_(select(Town.id).where(Town.code.in_(towns))))
    total: Counter = Counter()
    covered: dict[str, Counter] = {code: Counter() for code in items}
    for etype, industry, credit, n in session.execute(query):
        if not _fits(plan.items, etype, industry):
            continue
        label = _stratum_label(plan, credit, etype, industry)
        total[None] += n
        total[label] += n
        for code, its in items.items():
            if _fits(its, etype, industry):
                covered[code][None] += n
                covered[code][label] += n
    return {
        code: {label: covered[code][label] / n for label, n in total.items() if n} for code in items
    }


def _draft_strata(session: Session, plan: Plan) -> tuple[list[dict], list[str]]:
    """(strata with their sample sizes, key-supervision usccs) a freeze now would fix."""
    from scheduler.plans import draw  # draw imports this module

    pop = draw.compute_population(session, plan)
    sizes = Counter(pop.strata)
    strata = [
        {
            "stratum": label,
            "size": sizes.get(label, 0),
            "k": drawing.sample_size(sizes.get(label, 0), rule.get("ratio_bp"), rule.get("count")),
        }
        for label, rule in draw._strata_rules(plan, set(pop.strata)).items()
    ]
    return strata, [k[0] for k in pop.key_supervision]


def _expected_inspections(
    session: Session, plan: Plan, strata: list[dict], key_usccs: list[str]
) -> dict[str, float]:
    """Body -> expected inspections of a plan not yet drawn."""
    shares = _shares(session, plan)
    items = _body_items(plan)
    key_types: Counter = Counter()
    for chunk in chunks(key_usccs):
        key_types.update(
            session.execute(
                select(Entity.type, Entity.industry).where(Entity.uscc.in_(chunk))
            ).all()
        )
    out = {}
    for code, its in items.items():
        share = shares[code]
        random = sum(s["k"] * share.get(s["stratum"], share.get(None, 0.0)) for s in strata)
        key = sum(n for (t, ind), n in key_types.items() if _fits(its, t, ind))
        out[code] = random + key
    return out


def _drawn_inspections(session: Session, plan: Plan) -> dict[str, float]:
    """Body -> drawn inspections it takes part in (exact)."""
    kinds = Counter(
        session.execute(
            select(Entity.type, Entity.industry)
            .join(Inspection, Inspection.entity_id == Entity.id)
            .where(Inspection.plan_id == plan.id)
        ).all()
    )
    return {
        code: float(sum(n for (t, ind), n in kinds.items() if _fits(its, t, ind)))
        for code, its in _body_items(plan).items()
    }


# ------------------------------------------------------------------------- supply


def eligible_officers(session: Session, plan, body, items, why: Counter | None = None) -> list:
    """Officers of `body` who may take some inspection of its `items` for the whole window
    of `plan` (anything with `window_start` and `window_end`): certificate valid, not on
    leave all the window, competent for the categories one inspection needs. The others
    are counted in `why` by first reason (OFFICER_REASONS)."""
    why = why if why is not None else Counter()
    officers = session.scalars(
        select(Officer).where(Officer.body_id == body.id).order_by(Officer.cert_no)
    ).all()
    leave = on_leave_all_window(session, plan, [o.id for o in officers])
    # The category sets an inspection of this body can require (all fitting items').
    needs = {
        frozenset(it.category_zh for it in items if it.fits(t, ind))
        for t in "EIC"
        for ind in INDUSTRY_SECTIONS
    } - {frozenset()}
    eligible = []
    for o in officers:
        if not o.certified_for(plan.window_start, plan.window_end):
            why["certificate"] += 1
        elif o.id in leave:
            why["leave"] += 1
        elif o.competences and not any(need <= o.competence_set() for need in needs):
            why["competence"] += 1
        else:
            eligible.append(o)
    return eligible


def _body_supply(session: Session, plan: Plan, body, items, days) -> dict:
    """Eligible officers of one body, the others by reason, and their available days."""
    rules = plan.rules
    why: Counter = Counter()
    eligible = eligible_officers(session, plan, body, items, why)
    per_day = int(rules.get("cap_per_day", 4))
    avail = availability(session, eligible, days).sum(axis=1) if eligible else []
    cap = rules.get("cap_per_officer")
    officer_days = int(sum(int(a) for a in avail))
    capacity = sum(
        min(cap, int(a) * per_day) if cap is not None else int(a) * per_day for a in avail
    )
    return {
        "officers": len(eligible) + sum(why.values()),
        "eligible": len(eligible),
        "ineligible": {r: why[r] for r in OFFICER_REASONS if why[r]},
        "cap": cap,
        "cap_capacity": None if cap is None else cap * len(eligible),
        "officer_days": officer_days,
        "day_capacity": officer_days * per_day,
        "capacity": int(capacity),
    }


def report(
    session: Session,
    plan: Plan,
    strata: list[dict] | None = None,
    key_usccs: list[str] | None = None,
) -> CapacityReport:
    """The capacity check of `plan` (no writes). `strata` (with `stratum` and `k`) and
    `key_usccs` are what the freeze computed; without them a draft computes its population,
    a frozen plan reads its freeze summary and a drawn plan counts its inspections."""
    exact = False
    if strata is None:
        if plan.state == PlanState.DRAFT.value:
            strata, key_usccs = _draft_strata(session, plan)
        elif plan.state == PlanState.FROZEN.value:
            strata = plan.freeze_summary["strata"]
            key_usccs = [k[0] for k in plan.freeze_summary["key_supervision"]]
        else:
            exact = True
    inspections = (
        _drawn_inspections(session, plan)
        if exact
        else _expected_inspections(session, plan, strata, key_usccs or [])
    )
    days = working_days(session, plan.window_start, plan.window_end).days
    out = CapacityReport(
        plan.code, plan.state, exact, len(days), int(plan.rules.get("cap_per_day", 4))
    )
    items = _body_items(plan)
    for body in sorted(plan.bodies, key=lambda b: b.code):
        team = int(plan.rules["team_size"].get(body.code, 2))
        n = inspections[body.code]
        out.bodies.append(
            BodyCapacity(
                body=body.code,
                team_size=team,
                inspections=n,
                demand=n * team,
                **_body_supply(session, plan, body, items[body.code], days),
            )
        )
    return out


def check(session: Session, code: str, actor: Actor) -> CapacityReport:
    """`flask plan check CODE`: the capacity check of a plan in any state (no writes)."""
    return report(session, require_plan(session, code, actor, VIEW))


def guard_freeze(
    session: Session,
    plan: Plan,
    strata: list[dict],
    key_usccs: list[str],
    actor: Actor,
    force: bool,
) -> CapacityReport:
    """Called by the freeze: raise `CapacityShort` when the plan cannot be matched, unless
    `force`; a forced freeze of such a plan is recorded in the audit trail."""
    checked = report(session, plan, strata, key_usccs)
    if not checked.feasible:
        if not force:
            raise CapacityShort(
                Msg(
                    f"计划 {plan.code} 的执法力量不足以完成匹配，未冻结",
                    f"plan {plan.code} cannot be matched with the officers available; not "
                    "frozen (change the rules with `flask plan set`, or freeze with --force)",
                ),
                checked.lines(),
                checked.as_dict(),
            )
        record(
            session,
            EventKind.PLAN_CAPACITY_FORCED,
            actor,
            subject=plan.code,
            capacity=checked.as_dict(),
        )
    return checked
