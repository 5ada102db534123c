"""The plan lifecycle (抽查计划): create -> freeze -> seed -> draw -> publish.

Each transition is one function that validates, mutates, writes its typed audit event in
the same transaction, and leaves committing to the caller (CLI or web). A transition
asked in the wrong state raises `PlanStateError` before anything changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from scheduler.audit import EventKind, now_utc, record
from scheduler.models import (
    Assignment,
    Body,
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
    Town,
    plan_body,
    plan_item,
)
from scheduler.plan_file import ALL_STRATUM, PlanFileSchema, format_errors, to_rules
from solver import draw as drawing

IN_CHUNK = 900  # keeps IN (...) lists under SQLite's parameter limit
MAX_SEED_DIGITS = 256  # the column's size


class PlanError(Exception):
    """A request about a plan that cannot be carried out; nothing was changed."""

    status = 400

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []

    def __str__(self) -> str:
        return "\n".join([self.args[0], *("  - " + d for d in self.details)])


class PlanNotFound(PlanError):
    status = 404


class PlanStateError(PlanError):
    """The plan is not in a state that allows the transition (HTTP 409)."""

    status = 409


def get_plan(session: Session, code: str, lock: bool = False) -> Plan:
    """The plan `code`; `lock` takes a row lock (PostgreSQL) so that two transitions of the
    same plan cannot interleave."""
    query = select(Plan).where(Plan.code == code)
    plan = session.scalar(query.with_for_update() if lock else query)
    if plan is None:
        raise PlanNotFound(f"没有编号为 {code} 的计划 / no plan with code {code!r}")
    return plan


def _require_state(plan: Plan, action: str, *allowed: PlanState) -> None:
    if plan.state not in {s.value for s in allowed}:
        wanted = " / ".join(s.value for s in allowed)
        raise PlanStateError(
            f"计划 {plan.code} 当前状态为 {plan.state}，不能{action[1]} / cannot {action[0]} plan "
            f"{plan.code}: it is {plan.state}, and {action[0]} needs {wanted}"
        )


# ---------------------------------------------------------------------------------- create


def create_plan(session: Session, data: dict, actor: str) -> Plan:
    """Validate a plan file (see `scheduler.plan_file`) and add the draft plan."""
    try:
        loaded = PlanFileSchema().load(data)
    except ValidationError as exc:
        raise PlanError(
            "计划文件有误 / the plan file is invalid", format_errors(exc.messages)
        ) from None
    errors: list[str] = []
    if session.scalar(select(Plan.id).where(Plan.code == loaded["code"])):
        raise PlanError(f"计划编号 {loaded['code']} 已存在 / plan code {loaded['code']} exists")
    bodies = {b.code: b for b in session.scalars(select(Body))}
    for code in loaded["bodies"]:
        if code not in bodies:
            errors.append(f"bodies: 未知执法主体 / unknown body code {code!r}")
    for code in loaded["team_size"]:
        if code not in loaded["bodies"]:
            errors.append(f"team_size: {code!r} 不在参与主体中 / is not one of the plan's bodies")
    items_by_code = {i.code: i for i in session.scalars(select(Item))}
    items = []
    for code in loaded["items"]:
        item = items_by_code.get(code)
        if item is None:
            errors.append(f"items: 未知抽查事项 / unknown item code {code!r}")
        elif item.body.code not in loaded["bodies"]:
            errors.append(
                f"items: {code} 属于 {item.body.code}，不在参与主体中 / belongs to "
                f"{item.body.code}, which is not one of the plan's bodies"
            )
        else:
            items.append(item)
    if len(set(loaded["items"])) != len(loaded["items"]):
        errors.append("items: 抽查事项重复 / an item is listed twice")
    towns = set(session.scalars(select(Town.code)))
    for code in loaded["filters"]["towns"]:
        if code not in towns:
            errors.append(f"filters.towns: 未知镇街 / unknown town code {code!r}")
    strata = loaded["strata"]
    if strata["by"] == "credit_class_item":
        for label in strata.get("ratios_bp") or strata.get("counts"):
            cls, _, item_code = label.partition(":")
            if (
                cls not in "ABCD"
                or len(cls) != 1
                or (item_code and item_code not in loaded["items"])
            ):
                errors.append(
                    f"strata: 分层标签 {label!r} 应为 A-D 或 A-D:事项编号 / a label is a class "
                    "letter A-D or CLASS:ITEM with an item of the plan"
                )
    listed = [(ListKind.EXCLUDE, e) for e in loaded["exclusions"]["entities"]] + [
        (ListKind.KEY, e) for e in loaded["key_supervision"]["entities"]
    ]
    known = _existing_usccs(session, [e["uscc"] for _, e in listed])
    for kind, entry in listed:
        if entry["uscc"] not in known:
            errors.append(f"{kind.value}: 名录库中没有 / not in the directory: {entry['uscc']}")
    key_usccs = [e["uscc"] for kind, e in listed if kind == ListKind.KEY]
    for uscc, status, etype, industry in session.execute(
        select(Entity.uscc, Entity.status, Entity.type, Entity.industry).where(
            Entity.uscc.in_(key_usccs)
        )
    ).all():
        if status != EntityStatus.ACTIVE.value:
            errors.append(
                f"key_supervision: {uscc} 状态为 {status}，不能检查 / is {status}, not active"
            )
        elif not any(it.fits(etype, industry) for it in items):
            errors.append(
                f"key_supervision: {uscc} 不属于本计划任何检查事项的对象 / fits none of the "
                "plan's items (entity type or industry), so no body could inspect it"
            )
    if errors:
        raise PlanError("计划文件有误 / the plan file is invalid", errors)

    plan = Plan(
        code=loaded["code"],
        name=loaded["name"],
        lead_body_id=bodies[loaded["lead_body"]].id,
        state=PlanState.DRAFT.value,
        window_start=loaded["window"]["start"],
        window_end=loaded["window"]["end"],
        rules=to_rules(loaded),
        created_at=now_utc(),
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    session.execute(
        insert(plan_item),
        [{"plan_id": plan.id, "item_id": it.id, "position": n} for n, it in enumerate(items)],
    )
    session.execute(
        insert(plan_body), [{"plan_id": plan.id, "body_id": bodies[c].id} for c in loaded["bodies"]]
    )
    for kind, entry in listed:
        session.add(
            PlanListedEntity(
                plan_id=plan.id, uscc=entry["uscc"], kind=kind.value, reason=entry["reason"]
            )
        )
    record(session, EventKind.PLAN_CREATED, actor, subject=plan.code, file=_jsonable(data))
    session.flush()
    session.expire(plan, ["items", "bodies"])
    return plan


def _jsonable(data: dict) -> dict:
    import json

    return json.loads(json.dumps(data, default=str))


def _existing_usccs(session: Session, usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(usccs), IN_CHUNK):
        chunk = usccs[i : i + IN_CHUNK]
        found.update(session.scalars(select(Entity.uscc).where(Entity.uscc.in_(chunk))))
    return found


# ---------------------------------------------------------------------------------- freeze


@dataclass
class Population:
    """The eligible population of a plan, computed from the directory at freeze time."""

    keys: list[str] = field(default_factory=list)
    strata: list[str] = field(default_factory=list)
    key_supervision: list[tuple[str, str, str]] = field(default_factory=list)  # uscc, stratum, why
    excluded: Counter = field(default_factory=Counter)


DONE_STATES = (PlanState.SCHEDULED.value, PlanState.PUBLISHED.value, PlanState.CLOSED.value)


def own_plan_history_excluded():
    """History rows that record an inspection of this system's own plans are skipped: the
    plans themselves are the source for those (no double counting once results arrive)."""
    return or_(
        InspectionHistory.plan_code.is_(None), InspectionHistory.plan_code.not_in(select(Plan.code))
    )


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
                    Inspection.visit_date >= cutoff,
                    Inspection.visit_date < plan.window_start,
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

    pop = Population()
    # Core execution (no ORM row processing): this reads the whole directory.
    for eid, uscc, etype, industry, credit, key_flag in session.connection().execute(query).all():
        match = lookup.get((etype, industry))
        if match is None:
            continue
        item, only_general = match
        stratum = (
            ALL_STRATUM
            if by == "none"
            else credit
            if by == "credit_class"
            else f"{credit}:{item.code}"
        )
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
    for uscc, credit in session.execute(
        select(Entity.uscc, Entity.credit_class).where(
            Entity.uscc.in_(outside), Entity.status == EntityStatus.ACTIVE.value
        )
    ):
        pop.key_supervision.append((uscc, credit if by != "none" else ALL_STRATUM, key_list[uscc]))
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
    drawn_states = [s.value for s in PlanState if s not in (PlanState.DRAFT, PlanState.FROZEN)]
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
    else:
        labels |= {label for label in given if ":" in label}
    out, missing = {}, []
    for label in sorted(labels):
        value = given.get(label, given.get(label.split(":")[0]))
        if value is None:
            missing.append(label)
        else:
            out[label] = {field_name: value}
    if missing:
        raise PlanError(
            "以下分层没有抽查比例或数量 / these strata have no ratio or count: "
            + ", ".join(missing)
        )
    return out


def freeze(session: Session, code: str, actor: str) -> Plan:
    """Fix the eligible population, its digest (spec section 1) and per-stratum sizes."""
    plan = get_plan(session, code, lock=True)
    _require_state(plan, ("freeze", "冻结"), PlanState.DRAFT)
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
    plan.frozen_at = now_utc().replace(microsecond=0)
    plan.population_digest = digest
    plan.population_size = len(pop.keys)
    plan.freeze_summary = {
        "strata": strata,
        "expected_random": sum(s["k"] for s in strata),
        "excluded": dict(sorted(pop.excluded.items())),
        "key_supervision": [list(k) for k in pop.key_supervision],
    }
    plan.state = PlanState.FROZEN.value
    session.add(PlanPopulation(plan_id=plan.id, lines_zlib=zlib.compress(lines, 6)))
    record(
        session,
        EventKind.PLAN_FROZEN,
        actor,
        subject=plan.code,
        population_digest=digest,
        frozen_at=iso_utc(plan.frozen_at),
        population_size=len(pop.keys),
        strata=strata,
        excluded=plan.freeze_summary["excluded"],
        key_supervision=len(pop.key_supervision),
    )
    session.flush()
    return plan


def iso_utc(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def frozen_population(session: Session, plan: Plan) -> tuple[list[str], list[str]]:
    """The stored population of a frozen plan as (keys, strata), in key order."""
    row = session.get(PlanPopulation, plan.id)
    if row is None:
        raise PlanStateError(f"计划 {plan.code} 尚未冻结 / plan {plan.code} is not frozen")
    lines = zlib.decompress(row.lines_zlib).decode().splitlines()
    # Keys are exactly 18 characters (the draw enforces it), then the comma.
    return [line[:18] for line in lines], [line[19:] for line in lines]


# ---------------------------------------------------------------------------------- seed, draw


def set_seed(session: Session, code: str, seed: str, actor: str) -> Plan:
    """Record the public seed, once, after the freeze (spec section 2)."""
    plan = get_plan(session, code, lock=True)
    if plan.seed is not None:
        raise PlanStateError(
            f"计划 {plan.code} 的种子已设定，不能更改 / plan {plan.code} already has its seed; "
            "a seed is set once and never changed"
        )
    _require_state(plan, ("set the seed of", "设定种子"), PlanState.FROZEN)
    try:
        drawing.validate_seed(seed)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    if len(seed) > MAX_SEED_DIGITS:
        raise PlanError(
            f"种子最多 {MAX_SEED_DIGITS} 位 / a seed has at most {MAX_SEED_DIGITS} digits"
        )
    plan.seed = seed
    plan.seeded_at = now_utc().replace(microsecond=0)
    record(session, EventKind.PLAN_SEEDED, actor, subject=plan.code, seed=seed)
    session.flush()
    return plan


def draw(session: Session, code: str, actor: str) -> Plan:
    """Draw the entities (spec section 3) and store one inspection per drawn entity."""
    plan = get_plan(session, code, lock=True)
    _require_state(plan, ("draw", "抽取"), PlanState.FROZEN)
    if plan.seed is None:
        raise PlanStateError(
            f"计划 {plan.code} 尚未设定种子 / plan {plan.code} has no seed yet: "
            f"run `flask plan seed {plan.code} DIGITS` first"
        )
    keys, strata = frozen_population(session, plan)
    sizes = {s["stratum"]: s["k"] for s in plan.freeze_summary["strata"]}
    result = drawing.draw(plan.seed, plan.code, keys, strata, sizes)
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
        algorithm=drawing.ALGORITHM,
        random=len(selected),
        key_supervision=len(key_rows),
        selection_sha256=hashlib.sha256("\n".join(selected).encode()).hexdigest(),
    )
    session.flush()
    return plan


def _entity_ids(session: Session, usccs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(0, len(usccs), IN_CHUNK):
        chunk = usccs[i : i + IN_CHUNK]
        query = select(Entity.uscc, Entity.id).where(Entity.uscc.in_(chunk))
        ids.update((uscc, eid) for uscc, eid in session.execute(query))
    return ids


# ---------------------------------------------------------------------------------- publish


PUBLISHABLE_FROM = (PlanState.SCHEDULED,)


def short_teams(session: Session, plan: Plan) -> list[tuple[str, str]]:
    """(uscc, reason) of the inspections whose team a recusal left incomplete."""
    return [
        (uscc, reason)
        for uscc, reason in session.execute(
            select(Inspection.uscc, Inspection.short_reason)
            .where(Inspection.plan_id == plan.id, Inspection.short_reason.is_not(None))
            .order_by(Inspection.uscc)
        )
    ]


def publish(session: Session, code: str, actor: str) -> Plan:
    """Publish the plan and its draw on the public portal (公示)."""
    plan = get_plan(session, code, lock=True)
    _require_state(plan, ("publish", "公示"), *PUBLISHABLE_FROM)
    short = [uscc for uscc, _ in short_teams(session, plan)]
    if short:
        raise PlanStateError(
            f"计划 {plan.code} 有 {len(short)} 项检查缺员，不能公示 / plan {plan.code} has "
            f"{len(short)} inspections with an incomplete team; complete them first",
            [f"{plan.code}/{u}" for u in short[:20]],
        )
    plan.state = PlanState.PUBLISHED.value
    plan.published_at = now_utc().replace(microsecond=0)
    record(session, EventKind.PLAN_PUBLISHED, actor, subject=plan.code)
    session.flush()
    return plan


def is_drawn(plan: Plan) -> bool:
    return plan.state not in (PlanState.DRAFT, PlanState.FROZEN)


def bundle(session: Session, code: str) -> dict:
    """The verification bundle of spec section 5, recomputed from the stored population."""
    plan = get_plan(session, code)
    if not is_drawn(plan):
        raise PlanStateError(f"计划 {plan.code} 尚未抽取 / plan {plan.code} has not been drawn yet")
    keys, strata = frozen_population(session, plan)
    spec = {
        s["stratum"]: (
            {"ratio_bp": s["ratio_bp"]} if s["ratio_bp"] is not None else {"count": s["count"]}
        )
        for s in plan.freeze_summary["strata"]
    }
    out = drawing.build_bundle(plan.code, plan.seed, iso_utc(plan.frozen_at), keys, strata, spec)
    rows = session.execute(
        select(Inspection.stratum, Inspection.rank, Inspection.uscc).where(
            Inspection.plan_id == plan.id, Inspection.origin == InspectionOrigin.RANDOM.value
        )
    ).all()
    # Sorted in Python: the spec orders strata by code point, whatever the DB collation.
    stored = [uscc for _, _, uscc in sorted(rows)]
    if stored != out["selected"] or out["population_digest"] != plan.population_digest:
        raise PlanError(
            f"计划 {plan.code} 的存储结果与重算结果不一致 / plan {plan.code}: the stored draw "
            "differs from its recomputation; the database was altered"
        )
    return out


def commitment(session: Session, code: str) -> dict:
    """The public commitment of a frozen plan (spec section 1): digest, frozen time, strata
    sizes and sample sizes, and the seed once it is set. Names no entity."""
    plan = get_plan(session, code)
    if plan.frozen_at is None:
        raise PlanStateError(f"计划 {plan.code} 尚未冻结 / plan {plan.code} is not frozen")
    return {
        "plan_code": plan.code,
        "lead_body": plan.lead_body.code,
        "algorithm": drawing.ALGORITHM,
        "frozen_at": iso_utc(plan.frozen_at),
        "population_digest": plan.population_digest,
        "population_size": plan.population_size,
        "strata": [
            {k: s[k] for k in ("stratum", "size", "ratio_bp", "k")}
            for s in plan.freeze_summary["strata"]
        ],
        "seed": plan.seed,
        "state": plan.state,
    }


def summary(session: Session, code: str) -> dict:
    """What `flask plan show` prints and the console shows."""
    plan = get_plan(session, code)
    counts = dict(
        session.execute(
            select(Inspection.origin, func.count())
            .where(Inspection.plan_id == plan.id)
            .group_by(Inspection.origin)
        ).all()
    )
    return {
        "code": plan.code,
        "name": plan.name,
        "state": plan.state,
        "lead_body": plan.lead_body.code,
        "bodies": [b.code for b in plan.bodies],
        "items": [i.code for i in plan.items],
        "window": {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()},
        "rules": plan.rules,
        "frozen_at": iso_utc(plan.frozen_at) if plan.frozen_at else None,
        "population_digest": plan.population_digest,
        "population_size": plan.population_size,
        "strata": (plan.freeze_summary or {}).get("strata"),
        "excluded": (plan.freeze_summary or {}).get("excluded"),
        "key_supervision": len((plan.freeze_summary or {}).get("key_supervision", [])),
        "seed": plan.seed,
        "inspections": {"random": counts.get("random", 0), "key": counts.get("key", 0)},
        "short_teams": [
            {"inspection": f"{plan.code}/{u}", "reason": r} for u, r in short_teams(session, plan)
        ],
        "match": plan.match_summary,
        "schedule": plan.schedule_summary,
        "published_at": iso_utc(plan.published_at) if plan.published_at else None,
    }
