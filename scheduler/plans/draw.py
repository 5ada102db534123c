"""The verifiable draw (双随机: random selection of entities): freeze, seed, draw, bundle.

freeze fixes the eligible population, its digest and per-stratum sizes (spec section 1);
the seed is set once, after the freeze (section 2); draw selects the entities (section 3)
and stores one inspection per drawn or key-supervision entity; `bundle` recomputes the
verification bundle (section 5) and `commitment` what is published at the freeze.
A plan stratified by credit-risk class is sealed (分层保密, section 7): the freeze draws
its strata key and commits to it, the draw uses keyed tickets, `bundle` is the public
bundle (keys only) and `auditor_bundle` the staff-only one that re-draws bit for bit.
Each transition validates, mutates and writes its typed audit event; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from scheduler.access import MANAGE, VIEW, can_manage_plan
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.db import chunks
from scheduler.errors import Forbidden, Msg, PlanError, PlanIntegrityError, PlanStateError
from scheduler.models import (
    Assignment,
    Entity,
    EntityStatus,
    Inspection,
    InspectionHistory,
    InspectionOrigin,
    Item,
    ItemKind,
    ListKind,
    Plan,
    PlanListedEntity,
    PlanPopulation,
    PlanState,
    Role,
    Town,
)
from scheduler.plans import capacity
from scheduler.plans.core import (
    DONE_STATES,
    iso_utc,
    own_plan_history_excluded,
    require_plan,
    require_state,
)
from scheduler.plans.plan_file import ALL_STRATUM, SEALED_STRATA_BY
from solver import draw as drawing

MAX_SEED_DIGITS = 256  # the column's size


# ---------------------------------------------------------------------------------- freeze


@dataclass
class Population:
    """The eligible population of a plan, computed from the directory at freeze time."""

    keys: list[str] = field(default_factory=list)
    strata: list[str] = field(default_factory=list)
    key_supervision: list[tuple[str, str, str]] = field(default_factory=list)  # uscc, stratum, why
    excluded: Counter = field(default_factory=Counter)


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _item_lookup(items: list[Item]) -> dict[tuple[str, str], tuple[Item, bool]]:
    """(entity type, industry) -> (first matching item in plan order, only general items?).

    The months-since-last exclusion applies to general items only: an entity that a key
    item also covers stays in the population."""
    table = {}
    for etype in "EIC":
        for industry in "ABCDEFGHIJKLMNOPQRST":
            matching = [it for it in items if it.fits(etype, industry)]
            if matching:
                table[etype, industry] = (
                    matching[0],
                    all(it.kind == ItemKind.GENERAL for it in matching),
                )
    return table


def compute_population(session: Session, plan: Plan) -> Population:
    """Filter, exclude and stratify the directory per the plan's rules (no writes)."""
    rules = plan.rules
    lookup = _item_lookup(plan.items)
    types = sorted({t for t, _ in lookup})
    query = select(
        Entity.id,
        Entity.uscc,
        Entity.type,
        Entity.industry,
        Entity.credit_class,
        Entity.key_supervision,
        Entity.town_id,
    ).where(Entity.status == EntityStatus.ACTIVE.value, Entity.type.in_(types))
    if rules["filters"]["towns"]:
        town_ids = session.scalars(select(Town.id).where(Town.code.in_(rules["filters"]["towns"])))
        query = query.where(Entity.town_id.in_(list(town_ids)))

    body_id = plan.lead_body_id
    recent: set[int] = set()
    months = rules["exclusions"]["months_since_last"]
    if months:
        cutoff = _months_before(plan.window_start, months)
        recent = set(
            session.scalars(
                select(InspectionHistory.entity_id).where(
                    InspectionHistory.body_id == body_id,
                    InspectionHistory.inspected_on >= cutoff,
                    InspectionHistory.inspected_on < plan.window_start,
                    own_plan_history_excluded(),
                )
            )
        )
        # ... and this system's own plans, by visit date, where the body had a team.
        recent.update(
            session.scalars(
                select(Inspection.entity_id)
                .join(Plan, Plan.id == Inspection.plan_id)
                .where(
                    Plan.id != plan.id,
                    Plan.state.in_(DONE_STATES),
                    # the date actually carried out (results), else the scheduled visit
                    func.coalesce(Inspection.done_on, Inspection.visit_date) >= cutoff,
                    func.coalesce(Inspection.done_on, Inspection.visit_date) < plan.window_start,
                    Inspection.cancelled_at.is_(None),
                    Inspection.id.in_(
                        select(Assignment.inspection_id).where(Assignment.body_id == body_id)
                    ),
                )
            )
        )
    frequent: set[int] = set()
    max_per_year = rules["exclusions"]["max_per_year"]
    if max_per_year:
        frequent = _drawn_at_least(session, plan, max_per_year)

    listed = session.scalars(
        select(PlanListedEntity).where(PlanListedEntity.plan_id == plan.id)
    ).all()
    excluded_list = {e.uscc for e in listed if e.kind == ListKind.EXCLUDE}
    key_list = {e.uscc: e.reason for e in listed if e.kind == ListKind.KEY}
    by = rules["strata"]["by"]
    flagged_key = rules["key_supervision"]["flagged"]
    town_codes = dict(session.execute(select(Town.id, Town.code)).all())

    def stratum_of(etype: str, credit: str, item: Item | None, town_id: int | None) -> str:
        if by == "none":
            return ALL_STRATUM
        if by == "credit_class" or (by == "credit_class_item" and item is None):
            return credit
        if by == "credit_class_item":
            return f"{credit}:{item.code}"
        if by == "item":
            return item.code if item is not None else ALL_STRATUM
        if by == "town":
            return town_codes.get(town_id, ALL_STRATUM)
        return etype  # entity_type

    pop = Population()
    # Core execution (no ORM row processing): this reads the whole directory.
    rows = session.connection().execute(query).all()
    for eid, uscc, etype, industry, credit, key_flag, town_id in rows:
        match = lookup.get((etype, industry))
        if match is None:
            continue
        item, only_general = match
        stratum = stratum_of(etype, credit, item, town_id)
        if uscc in key_list or (flagged_key and key_flag):
            why = key_list.get(uscc, "key_supervision_flag")
            pop.key_supervision.append((uscc, stratum, why))
            continue
        if uscc in excluded_list:
            pop.excluded["listed"] += 1
        elif only_general and eid in recent:
            pop.excluded["months_since_last"] += 1
        elif eid in frequent:
            pop.excluded["max_per_year"] += 1
        else:
            pop.keys.append(uscc)
            pop.strata.append(stratum)
    # Planner-listed key entities outside the filter are still inspected (their choice).
    seen = {u for u, _, _ in pop.key_supervision}
    outside = [u for u in key_list if u not in seen]
    for uscc, etype, industry, credit, town_id in session.execute(
        select(
            Entity.uscc, Entity.type, Entity.industry, Entity.credit_class, Entity.town_id
        ).where(Entity.uscc.in_(outside), Entity.status == EntityStatus.ACTIVE.value)
    ):
        item = (lookup.get((etype, industry)) or (None, None))[0]
        pop.key_supervision.append((uscc, stratum_of(etype, credit, item, town_id), key_list[uscc]))
    pop.key_supervision.sort()
    return pop


def _drawn_at_least(session: Session, plan: Plan, n: int) -> set[int]:
    """Entities the lead body already inspected or drew `n` times in the window's year."""
    year = plan.window_start.year
    counts: Counter = Counter(
        session.scalars(
            select(InspectionHistory.entity_id).where(
                InspectionHistory.body_id == plan.lead_body_id,
                InspectionHistory.inspected_on >= dt.date(year, 1, 1),
                InspectionHistory.inspected_on <= dt.date(year, 12, 31),
                own_plan_history_excluded(),
            )
        )
    )
    # A cancelled plan's draws do not count: an abandoned draw keeps nobody out.
    not_drawn = (PlanState.DRAFT, PlanState.FROZEN, PlanState.CANCELLED)
    drawn_states = [s.value for s in PlanState if s not in not_drawn]
    counts.update(
        session.scalars(
            select(Inspection.entity_id)
            .join(Plan, Plan.id == Inspection.plan_id)
            .where(
                Plan.id != plan.id,
                Plan.lead_body_id == plan.lead_body_id,
                Plan.state.in_(drawn_states),
                Plan.window_start >= dt.date(year, 1, 1),
                Plan.window_start <= dt.date(year, 12, 31),
            )
        )
    )
    return {eid for eid, c in counts.items() if c >= n}


def _strata_rules(plan: Plan, present: set[str]) -> dict[str, dict[str, int]]:
    """Stratum label -> {"ratio_bp": bp} or {"count": n}, for every label to publish."""
    spec = plan.rules["strata"]
    field_name = "ratio_bp" if "ratios_bp" in spec else "count"
    given = spec.get("ratios_bp") or spec.get("counts")
    labels = set(present)
    if spec["by"] == "credit_class":
        labels |= {"A", "B", "C", "D"}
    elif spec["by"] == "none":
        labels |= {ALL_STRATUM}
    elif spec["by"] == "credit_class_item":
        labels |= {label for label in given if ":" in label}
    else:  # item, town, entity_type: every label given is published, empty or not
        labels |= set(given)
    out, missing = {}, []
    for label in sorted(labels):
        value = given.get(label, given.get(label.split(":")[0]))
        if value is None:
            missing.append(label)
        else:
            out[label] = {field_name: value}
    if missing:
        raise PlanError(
            Msg(
                "以下分层没有抽查比例或数量：" + "、".join(missing),
                "these strata have no ratio or count: " + ", ".join(missing),
            ),
            field="strata",
        )
    return out


def strata_sealed_by_rules(plan: Plan) -> bool:
    """Whether the plan's strata use the confidential credit-risk class (spec section 7)."""
    return plan.rules["strata"]["by"] in SEALED_STRATA_BY


def is_sealed(plan: Plan) -> bool:
    """Whether the plan's draw is sealed (分层保密, `hmac-sha256-bottom-k/1`): a frozen plan
    is sealed when it has a strata key, a draft when its strata use the credit-risk class.
    (A plan frozen before sealed strata existed keeps its open draw and still verifies.)"""
    if plan.frozen_at is not None:
        return plan.strata_key is not None
    return strata_sealed_by_rules(plan)


def algorithm(plan: Plan) -> str:
    """The draw algorithm of the plan: open `sha256-bottom-k/1` or sealed."""
    return drawing.SEALED_ALGORITHM if is_sealed(plan) else drawing.ALGORITHM


def _strata_key(plan: Plan) -> bytes | None:
    return bytes.fromhex(plan.strata_key) if plan.strata_key is not None else None


def freeze(session: Session, code: str, actor: Actor, force: bool = False) -> Plan:
    """Fix the eligible population, its digest (spec section 1) and per-stratum sizes; for a
    sealed plan also draw the strata key and commit to it and to the keys (section 7).
    A plan that its officers cannot possibly staff is refused (`CapacityShort`, see
    `scheduler.plans.capacity`) unless `force`."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("冻结", "freeze"), PlanState.DRAFT)
    pop = compute_population(session, plan)
    strata_rules = _strata_rules(plan, set(pop.strata))
    lines = drawing.population_lines(pop.keys, pop.strata)
    digest = hashlib.sha256(lines).hexdigest()
    sizes = Counter(pop.strata)
    strata = [
        {
            "stratum": label,
            "size": sizes.get(label, 0),
            "ratio_bp": rule.get("ratio_bp"),
            "count": rule.get("count"),
            "k": drawing.sample_size(sizes.get(label, 0), rule.get("ratio_bp"), rule.get("count")),
        }
        for label, rule in strata_rules.items()
    ]
    key_usccs = [k[0] for k in pop.key_supervision]
    capacity.guard_freeze(session, plan, strata, key_usccs, actor, force)
    plan.frozen_at = now_utc().replace(microsecond=0)
    plan.population_digest = digest
    plan.population_size = len(pop.keys)
    plan.freeze_summary = {
        "strata": strata,
        "expected_random": sum(s["k"] for s in strata),
        "excluded": dict(sorted(pop.excluded.items())),
        "key_supervision": [list(k) for k in pop.key_supervision],
    }
    sealed: dict[str, str] = {}
    if strata_sealed_by_rules(plan):
        strata_key = drawing.new_strata_key()
        plan.strata_key = strata_key.hex()
        sealed = {
            "population_keys_digest": drawing.population_keys_digest(pop.keys),
            "strata_key_commitment": drawing.strata_key_commitment(plan.code, strata_key),
        }
        plan.freeze_summary.update(sealed)
    plan.state = PlanState.FROZEN.value
    session.add(PlanPopulation(plan_id=plan.id, lines_zlib=zlib.compress(lines, 6)))
    frozen = record(
        session,
        EventKind.PLAN_FROZEN,
        actor,
        subject=plan.code,
        algorithm=algorithm(plan),
        population_digest=digest,
        **sealed,
        frozen_at=iso_utc(plan.frozen_at),
        population_size=len(pop.keys),
        strata=strata,
        excluded=plan.freeze_summary["excluded"],
        key_supervision=len(pop.key_supervision),
    )
    plan.frozen_chain_head = frozen.hash  # published in the commitment
    session.flush()
    return plan


def frozen_population(session: Session, plan: Plan) -> tuple[list[str], list[str]]:
    """The stored population of a frozen plan as (keys, strata), in key order."""
    row = session.get(PlanPopulation, plan.id)
    if row is None:
        raise PlanStateError(Msg(f"计划 {plan.code} 尚未冻结", f"plan {plan.code} is not frozen"))
    lines = zlib.decompress(row.lines_zlib).decode().splitlines()
    # Keys are exactly 18 characters (the draw enforces it), then the comma.
    return [line[:18] for line in lines], [line[19:] for line in lines]


# ---------------------------------------------------------------------------------- seed, draw


def set_seed(session: Session, code: str, seed: str, actor: Actor) -> Plan:
    """Record the public seed, once, after the freeze (spec section 2)."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    if plan.seed is not None:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 的种子已设定，不能更改",
                f"plan {plan.code} already has its seed; a seed is set once and never changed",
            )
        )
    require_state(plan, Msg("设定种子", "set the seed of"), PlanState.FROZEN)
    try:
        drawing.validate_seed(seed)
    except ValueError as exc:
        raise PlanError(_seed_message(str(exc)), field="seed") from None
    if len(seed) > MAX_SEED_DIGITS:
        raise PlanError(
            Msg(f"种子最多 {MAX_SEED_DIGITS} 位", f"a seed has at most {MAX_SEED_DIGITS} digits"),
            field="seed",
        )
    plan.seed = seed
    plan.seeded_at = now_utc().replace(microsecond=0)
    record(session, EventKind.PLAN_SEEDED, actor, subject=plan.code, seed=seed)
    session.flush()
    return plan


def _seed_message(text: str) -> Msg:
    """The solver's "中文 / English" seed message as a `Msg`."""
    zh, sep, en = text.partition(" / ")
    return Msg(zh, en) if sep else Msg(text, text)


def draw(session: Session, code: str, actor: Actor) -> Plan:
    """Draw the entities (spec section 3) and store one inspection per drawn entity."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("抽取", "draw"), PlanState.FROZEN)
    if plan.seed is None:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 尚未设定种子",
                f"plan {plan.code} has no seed yet: set it first "
                f"(`flask plan seed {plan.code} DIGITS`)",
            )
        )
    keys, strata = frozen_population(session, plan)
    sizes = {s["stratum"]: s["k"] for s in plan.freeze_summary["strata"]}
    result = drawing.draw(plan.seed, plan.code, keys, strata, sizes, _strata_key(plan))
    key_rows = plan.freeze_summary["key_supervision"]
    ids = _entity_ids(session, [d.key for d in result.drawn] + [k for k, _, _ in key_rows])
    rows = [
        {
            "plan_id": plan.id,
            "entity_id": ids[d.key],
            "uscc": d.key,
            "stratum": d.stratum,
            "origin": InspectionOrigin.RANDOM.value,
            "ticket": d.ticket,
            "rank": d.rank,
        }
        for d in result.drawn
    ] + [
        {
            "plan_id": plan.id,
            "entity_id": ids[uscc],
            "uscc": uscc,
            "stratum": stratum,
            "origin": InspectionOrigin.KEY.value,
            "ticket": None,
            "rank": None,
        }
        for uscc, stratum, _ in key_rows
    ]
    if rows:
        session.connection().execute(insert(Inspection.__table__), rows)
    plan.state = PlanState.DRAWN.value
    plan.drawn_at = now_utc().replace(microsecond=0)
    selected = result.selected
    record(
        session,
        EventKind.PLAN_DRAWN,
        actor,
        subject=plan.code,
        algorithm=result.algorithm,
        random=len(selected),
        key_supervision=len(key_rows),
        selection_sha256=hashlib.sha256("\n".join(selected).encode()).hexdigest(),
    )
    session.flush()
    return plan


def _entity_ids(session: Session, usccs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(usccs):
        query = select(Entity.uscc, Entity.id).where(Entity.uscc.in_(chunk))
        ids.update((uscc, eid) for uscc, eid in session.execute(query))
    return ids


# ---------------------------------------------------------------------------------- bundle


def is_drawn(plan: Plan) -> bool:
    return plan.state not in (PlanState.DRAFT, PlanState.FROZEN)


def _bundles(session: Session, plan: Plan) -> drawing.SealedBundles:
    """(public, auditor) bundles recomputed from the stored population and checked against
    the stored draw; for an open plan both are the section 5 bundle."""
    if not is_drawn(plan):
        raise PlanStateError(
            Msg(f"计划 {plan.code} 尚未抽取", f"plan {plan.code} has not been drawn yet")
        )
    keys, strata = frozen_population(session, plan)
    spec = {
        s["stratum"]: (
            {"ratio_bp": s["ratio_bp"]} if s["ratio_bp"] is not None else {"count": s["count"]}
        )
        for s in plan.freeze_summary["strata"]
    }
    frozen_at = iso_utc(plan.frozen_at)
    strata_key = _strata_key(plan)
    if strata_key is None:
        public = drawing.build_bundle(plan.code, plan.seed, frozen_at, keys, strata, spec)
        bundles = drawing.SealedBundles(public=public, auditor=public)
    else:
        bundles = drawing.build_sealed_bundles(
            plan.code, plan.seed, frozen_at, keys, strata, spec, strata_key
        )
    # The audit chain head at the publication (None before): a later rewrite contradicts it.
    for bundle in {id(b): b for b in bundles}.values():
        bundle["audit_chain_head"] = plan.published_chain_head
    rows = session.execute(
        select(Inspection.stratum, Inspection.rank, Inspection.uscc).where(
            Inspection.plan_id == plan.id, Inspection.origin == InspectionOrigin.RANDOM.value
        )
    ).all()
    # Sorted in Python: the spec orders strata by code point, whatever the DB collation.
    stored = [uscc for _, _, uscc in sorted(rows)]
    auditor = bundles.auditor
    committed = plan.freeze_summary.get("strata_key_commitment")
    if (
        stored != auditor["selected"]
        or auditor["population_digest"] != plan.population_digest
        or auditor.get("strata_key_commitment") != committed
        or auditor.get("population_keys_digest")
        != plan.freeze_summary.get("population_keys_digest")
    ):
        raise PlanIntegrityError(
            Msg(
                f"计划 {plan.code} 的存储结果与重算结果不一致，数据库已被改动",
                f"plan {plan.code}: the stored draw differs from its recomputation; "
                "the database was altered",
            )
        )
    return bundles


def bundle(session: Session, plan: Plan) -> dict:
    """The public verification bundle, recomputed from the stored population: spec
    section 5 for an open plan; for a sealed one section 7's public bundle (keys only,
    the selection in key order, no entity's stratum). Public once the plan is published
    (`scheduler.plans.public.public_bundle`)."""
    return _bundles(session, plan).public


def auditor_bundle(session: Session, code: str, actor: Actor) -> dict:
    """The auditor bundle of spec section 7 (审计包, staff only): the public bundle plus the
    strata key, every entity's stratum and the selection stratum by stratum, so that an
    auditor re-draws bit for bit. It discloses every entity's credit-risk class: only
    auditors, planners of the plan's lead body and system actors get it, and each time
    is audited. For an open plan it is the public bundle."""
    plan = require_plan(session, code, actor, VIEW)
    if not (actor.has_role(Role.AUDITOR) or can_manage_plan(actor, plan)):
        raise Forbidden(
            Msg(
                f"{actor.name} 无权取得计划 {plan.code} 的审计包（仅限审计人员和牵头主体的计划员）",
                f"{actor.name} may not take the auditor bundle of plan {plan.code}: only "
                "auditors and planners of its lead body may",
            ),
            code="forbidden_auditor_bundle",
        )
    data = _bundles(session, plan).auditor
    record(
        session,
        EventKind.PLAN_AUDITOR_BUNDLE,
        actor,
        subject=plan.code,
        algorithm=data["algorithm"],
        population_size=len(data["population"]),
        selected=len(data["selected"]),
    )
    session.flush()
    return data


def commitment(plan: Plan) -> dict:
    """The public commitment of a frozen plan (spec sections 1 and 7): algorithm, digest(s),
    frozen time, strata sizes and sample sizes, the strata key's commitment for a sealed
    plan, and the seed once it is set. Names no entity and no entity's stratum."""
    if plan.frozen_at is None:
        raise PlanStateError(Msg(f"计划 {plan.code} 尚未冻结", f"plan {plan.code} is not frozen"))
    out = {
        "plan_code": plan.code,
        "lead_body": plan.lead_body.code,
        "algorithm": algorithm(plan),
        "frozen_at": iso_utc(plan.frozen_at),
        "population_digest": plan.population_digest,
        "population_size": plan.population_size,
        "strata": [
            {k: s[k] for k in ("stratum", "size", "ratio_bp", "k")}
            for s in plan.freeze_summary["strata"]
        ],
        "seed": plan.seed,
        "state": plan.state,
        "audit_chain_head": plan.frozen_chain_head,  # the chain head at the freeze
    }
    if is_sealed(plan):
        out["population_keys_digest"] = plan.freeze_summary["population_keys_digest"]
        out["strata_key_commitment"] = plan.freeze_summary["strata_key_commitment"]
    return out
