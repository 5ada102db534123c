"""Public reads of the portal (公示平台): plans, drawn entities, the officer registry and
an entity's public record. Reads only; nothing here writes.

Every function returns only what the public may see (DOMAIN.md "what is public"): never a
credit-risk class (an entity's stratum of a sealed plan, its ticket or rank there), a
conflict, a phone number, a team before its visit, or an unpublished plan. A plan is
public once published, and stays so when closed or cancelled after publication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Integer as Integer_
from sqlalchemy import Select, and_, case, extract, func, or_, select
from sqlalchemy.orm import Session, joinedload

from scheduler.errors import Msg, NotFound
from scheduler.models import (
    Body,
    Entity,
    EntityStatus,
    Inspection,
    Officer,
    Plan,
    PlanState,
    Town,
    plan_body,
)

# Strata by credit-risk class are sealed (spec section 7): the stratum of an entity, its
# ticket and its rank would disclose its class.
SEALED_STRATA = ("credit_class", "credit_class_item")
CANCELLED = "cancelled"  # the state added by the plan dead-ends (issue "deadends")
LISTED_STATES = (PlanState.PUBLISHED.value, PlanState.CLOSED.value, CANCELLED)
CHINA = dt.timezone(dt.timedelta(hours=8))
DEFAULT_MAX_PER_YEAR = 2  # DOMAIN.md: at most N draws a year by the same body (default 2)


def is_sealed(plan: Plan) -> bool:
    """Whether the plan's strata are sealed (stratified by the confidential credit class)."""
    return (plan.rules or {}).get("strata", {}).get("by") in SEALED_STRATA


def _public_clause():
    """SQL: the plan has been published (published, closed, or cancelled afterwards)."""
    return and_(Plan.state.in_(LISTED_STATES), Plan.published_at.is_not(None))


def is_listed(plan: Plan) -> bool:
    return plan.state in LISTED_STATES and plan.published_at is not None


def portal_plan(session: Session, code: str) -> Plan:
    """The plan `code` if the public may see it, else `NotFound` (whether or not it exists)."""
    plan = session.scalar(
        select(Plan)
        .where(Plan.code == code)
        .options(joinedload(Plan.lead_body))
        .execution_options(populate_existing=False)
    )
    if plan is None or not is_listed(plan):
        raise NotFound(
            Msg(f"没有已公示的计划 {code}", f"no published plan {code!r}"), code="plan_not_found"
        )
    return plan


def cst_year(moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC).astimezone(CHINA).year


# ------------------------------------------------------------------------------ plan list


@dataclass(frozen=True)
class PlanFilters:
    """Filters of `/plans/`: lead or participating body code, year of the window, state."""

    body: str | None = None
    year: int | None = None
    state: str | None = None
    q: str | None = None


def plans_select(filters: PlanFilters) -> Select:
    """The published plans matching `filters` (rows: Plan, inspections count)."""
    count = (
        select(func.count(Inspection.id))
        .where(Inspection.plan_id == Plan.id)
        .correlate(Plan)
        .scalar_subquery()
        .label("inspections")
    )
    stmt = select(Plan, count).where(_public_clause()).options(joinedload(Plan.lead_body))
    if filters.body:
        stmt = stmt.where(
            Plan.id.in_(
                select(plan_body.c.plan_id)
                .join(Body, Body.id == plan_body.c.body_id)
                .where(Body.code == filters.body)
            )
        )
    if filters.year:
        stmt = stmt.where(extract("year", Plan.window_start) == filters.year)
    if filters.state in LISTED_STATES:
        stmt = stmt.where(Plan.state == filters.state)
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(or_(Plan.code.ilike(like), Plan.name.ilike(like)))
    return stmt


def plan_years(session: Session) -> list[int]:
    """The years of the published plans' windows, newest first (for the year filter)."""
    rows = session.scalars(select(Plan.window_start).where(_public_clause())).all()
    return sorted({d.year for d in rows}, reverse=True)


def latest_plans(session: Session, limit: int = 10) -> list[Plan]:
    """The published plans, newest publication first."""
    return (
        session.scalars(
            select(Plan)
            .where(_public_clause())
            .options(joinedload(Plan.lead_body))
            .order_by(Plan.published_at.desc(), Plan.code)
            .limit(limit)
        )
        .unique()
        .all()
    )


def headline(session: Session, year: int) -> dict[str, int]:
    """Headline figures of the home page for a calendar year (China Standard Time)."""
    start = dt.datetime(year, 1, 1) - dt.timedelta(hours=8)  # stored UTC
    end = dt.datetime(year + 1, 1, 1) - dt.timedelta(hours=8)
    in_year = and_(_public_clause(), Plan.published_at >= start, Plan.published_at < end)
    plans = session.scalar(select(func.count(Plan.id)).where(in_year)) or 0
    drawn = session.scalar(select(func.count(Inspection.id)).join(Plan).where(in_year)) or 0
    return {"plans": plans, "inspections": drawn}


# ------------------------------------------------------------------------------ plan page


def plan_items(plan: Plan) -> list[dict]:
    return [
        {
            "code": i.code,
            "name_zh": i.name_zh,
            "name_en": i.name_en,
            "category_zh": i.category_zh,
            "category_en": i.category_en,
            "body": i.body.code,
            "kind": i.kind,
        }
        for i in plan.items
    ]


def plan_towns(session: Session, plan: Plan) -> list[Town]:
    codes = (plan.rules or {}).get("filters", {}).get("towns") or []
    if not codes:
        return []
    return session.scalars(select(Town).where(Town.code.in_(codes)).order_by(Town.code)).all()


def plan_strata(plan: Plan) -> list[dict]:
    """Per stratum: label, size N, ratio in bp or absolute count, k (aggregates, public)."""
    out = []
    for s in (plan.freeze_summary or {}).get("strata") or []:
        out.append(
            {
                "stratum": s["stratum"],
                "size": s.get("size"),
                "ratio_bp": s.get("ratio_bp"),
                "count": s.get("count"),
                "k": s.get("k"),
            }
        )
    return out


def plan_origin_counts(session: Session, plan: Plan) -> dict[str, int]:
    rows = session.execute(
        select(Inspection.origin, func.count())
        .where(Inspection.plan_id == plan.id)
        .group_by(Inspection.origin)
    ).all()
    counts = dict(rows)
    return {"random": counts.get("random", 0), "key": counts.get("key", 0)}


def plan_inspections_select(plan: Plan, q: str | None = None) -> Select:
    """The plan's drawn entities for its page: inspection id, uscc, name, town, origin,
    visit date (the caller shows a visit date only once it has passed). No stratum, no
    ticket: for a sealed plan they would disclose the class."""
    stmt = (
        select(
            Inspection.id.label("id"),
            Inspection.uscc.label("uscc"),
            Entity.name.label("name"),
            Town.name_zh.label("town_zh"),
            Town.name_en.label("town_en"),
            Inspection.origin.label("origin"),
            Inspection.visit_date.label("visit_date"),
        )
        .join(Entity, Entity.id == Inspection.entity_id)
        .join(Town, Town.id == Entity.town_id)
        .where(Inspection.plan_id == plan.id)
    )
    if q:
        q = q.strip()
        stmt = stmt.where(
            or_(Entity.name.contains(q, autoescape=True), Inspection.uscc == q.upper())
        )
    return stmt


# ------------------------------------------------------------------------------ officers


@dataclass(frozen=True)
class OfficerFilters:
    q: str | None = None  # name (contains) or certificate number (exact or prefix)
    body: str | None = None
    status: str | None = None


def officers_select(filters: OfficerFilters) -> Select:
    """The public officer registry: name, body, certificate number, status and validity.
    Nothing else (no phone, unit, competences, leave, conflicts)."""
    stmt = select(
        Officer.id.label("id"),
        Officer.name.label("name"),
        Officer.cert_no.label("cert_no"),
        Body.code.label("body_code"),
        Body.name_zh.label("body_zh"),
        Body.name_en.label("body_en"),
        Officer.cert_status.label("cert_status"),
        Officer.cert_valid_from.label("cert_valid_from"),
        Officer.cert_valid_to.label("cert_valid_to"),
    ).join(Body, Body.id == Officer.body_id)
    if filters.q:
        q = filters.q.strip()
        stmt = stmt.where(
            or_(
                Officer.name.contains(q, autoescape=True),
                Officer.cert_no.startswith(q, autoescape=True),
            )
        )
    if filters.body:
        stmt = stmt.where(Body.code == filters.body)
    if filters.status:
        stmt = stmt.where(Officer.cert_status == filters.status)
    return stmt


@dataclass(frozen=True)
class OfficerCard:
    """One certificate as the public may check it (执法证查询)."""

    name: str
    cert_no: str
    body_zh: str
    body_en: str
    cert_status: str
    cert_valid_from: dt.date
    cert_valid_to: dt.date
    valid_today: bool


def officer_card(session: Session, cert_no: str, today: dt.date) -> OfficerCard:
    officer = session.scalar(
        select(Officer).where(Officer.cert_no == cert_no).options(joinedload(Officer.body))
    )
    if officer is None:
        raise NotFound(
            Msg(f"没有执法证号为 {cert_no} 的执法人员", f"no officer with certificate {cert_no!r}"),
            code="officer_not_found",
        )
    return OfficerCard(
        name=officer.name,
        cert_no=officer.cert_no,
        body_zh=officer.body.name_zh,
        body_en=officer.body.name_en,
        cert_status=officer.cert_status,
        cert_valid_from=officer.cert_valid_from,
        cert_valid_to=officer.cert_valid_to,
        valid_today=officer.certified_on(today),
    )


def bodies(session: Session) -> list[Body]:
    return session.scalars(select(Body).order_by(Body.code)).all()


# ------------------------------------------------------------------------------ entities


def entity_search_select(q: str) -> Select:
    """Entities by name (contains) or credit code (exact), for the lookup box."""
    q = q.strip()
    stmt = (
        select(
            Entity.id.label("id"),
            Entity.uscc.label("uscc"),
            Entity.name.label("name"),
            Town.name_zh.label("town_zh"),
            Town.name_en.label("town_en"),
        )
        .join(Town, Town.id == Entity.town_id)
        .where(Entity.status == EntityStatus.ACTIVE.value)
    )
    if len(q) == 18:
        return stmt.where(or_(Entity.uscc == q.upper(), Entity.name.contains(q, autoescape=True)))
    return stmt.where(Entity.name.contains(q, autoescape=True))


@dataclass
class PlanAppearance:
    """An entity's place in one published plan: why (random draw or key supervision) and,
    for an open (not sealed) plan, its ticket and rank in its stratum."""

    plan: Plan
    origin: str
    sealed: bool
    stratum: str | None = None
    ticket: str | None = None
    rank: int | None = None
    stratum_size: int | None = None
    visit_date: dt.date | None = None
    inspection_id: int | None = None


@dataclass
class NextEligible:
    """When the entity can next be drawn by one body under the frequency caps."""

    body: Body
    drawn_this_year: int
    max_per_year: int
    next_year_from: dt.date | None  # set when the yearly cap is reached


@dataclass
class EntityRecord:
    entity: Entity
    appearances: list[PlanAppearance] = field(default_factory=list)
    next_eligible: list[NextEligible] = field(default_factory=list)


def entity_record(session: Session, uscc: str, today: dt.date) -> EntityRecord:
    """An entity's public details, its published plans and its inspection history."""
    entity = session.scalar(
        select(Entity).where(Entity.uscc == uscc.upper()).options(joinedload(Entity.town))
    )
    if entity is None:
        raise NotFound(
            Msg(
                f"名录库中没有统一社会信用代码为 {uscc} 的市场主体",
                f"no entity with credit code {uscc!r}",
            ),
            code="entity_not_found",
        )
    record = EntityRecord(entity)
    rows = session.execute(
        select(Inspection, Plan)
        .join(Plan, Plan.id == Inspection.plan_id)
        .where(Inspection.entity_id == entity.id, _public_clause())
        .options(joinedload(Plan.lead_body))
        .order_by(Plan.window_start.desc(), Plan.code)
    ).all()
    for inspection, plan in rows:
        sealed = is_sealed(plan)
        appearance = PlanAppearance(
            plan=plan,
            origin=inspection.origin,
            sealed=sealed,
            inspection_id=inspection.id,
            visit_date=inspection.visit_date,
        )
        if not sealed and inspection.origin == "random":
            appearance.stratum = inspection.stratum
            appearance.ticket = inspection.ticket
            appearance.rank = inspection.rank
            sizes = {s["stratum"]: s.get("size") for s in plan_strata(plan)}
            appearance.stratum_size = sizes.get(inspection.stratum)
        record.appearances.append(appearance)
    record.next_eligible = _next_eligible(record, today)
    return record


def _next_eligible(record: EntityRecord, today: dt.date) -> list[NextEligible]:
    """Per lead body that drew the entity in a published plan of this year: the yearly cap
    (the default, N = 2) and when it allows the next draw. Stated as the rule, never by
    the credit class."""
    year = today.year
    drawn: dict[int, tuple[Body, set[str]]] = {}
    for a in record.appearances:
        if a.plan.window_start.year == year:
            body = a.plan.lead_body
            drawn.setdefault(body.id, (body, set()))[1].add(a.plan.code)
    out = []
    for body, plans in sorted(drawn.values(), key=lambda pair: pair[0].code):
        count = len(plans)
        out.append(
            NextEligible(
                body=body,
                drawn_this_year=count,
                max_per_year=DEFAULT_MAX_PER_YEAR,
                next_year_from=dt.date(year + 1, 1, 1) if count >= DEFAULT_MAX_PER_YEAR else None,
            )
        )
    return out


# ---------------------------------------------------------------------------- results


def towns(session: Session) -> list[Town]:
    return session.scalars(select(Town).order_by(Town.code)).all()


def item_categories(session: Session, lang: str = "zh") -> list[str]:
    """The item categories (Chinese names, or English) for the results filter."""
    from scheduler.models import Item

    column = Item.category_en if lang == "en" else Item.category_zh
    return sorted(set(session.scalars(select(column).distinct())))


def result_categories(session: Session) -> list:
    from scheduler.models import ResultCategory

    return session.scalars(select(ResultCategory).order_by(ResultCategory.position)).all()


def team_certificates(session: Session, team: list[dict], day: dt.date, today: dt.date):
    """The check page's team: each member's name, body and certificate number, and whether
    the certificate is valid on the inspection day and today. Nothing else."""
    certs = [m["cert_no"] for m in team]
    officers = {
        o.cert_no: o for o in session.scalars(select(Officer).where(Officer.cert_no.in_(certs)))
    }
    out = []
    for m in team:
        officer = officers.get(m["cert_no"])
        valid = officer is not None and officer.certified_on(day) and officer.certified_on(today)
        out.append(
            {
                "name": m["name"],
                "cert_no": m["cert_no"],
                "body_zh": m["body_zh"],
                "body_en": m["body_en"],
                "valid": valid,
            }
        )
    return out


def result_figures(session: Session, year: int, today: dt.date) -> dict:
    """Home page figures from the disclosed results of published plans: inspections
    carried out this year, the share of them with a problem found, the results overdue
    for disclosure (deadline passed, not disclosed), and per month of `year` the
    inspections and findings disclosed."""
    from scheduler.models import (
        InspectionResult,
        ResultCategory,
        ResultVersion,
        result_version_category,
    )

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    public_plan = and_(Plan.id == Inspection.plan_id, _public_clause())
    done = (
        session.scalar(
            select(func.count(Inspection.id))
            .join(Plan, public_plan)
            .where(Inspection.done_on.between(start, end))
        )
        or 0
    )
    problem = (
        select(result_version_category.c.version_id)
        .join(ResultCategory, ResultCategory.code == result_version_category.c.category_code)
        .where(ResultCategory.problem)
    )
    disclosed = (
        select(
            ResultVersion.inspected_on.label("day"),
            ResultVersion.id.in_(problem).label("problem"),
        )
        .join(
            InspectionResult,
            and_(
                InspectionResult.id == ResultVersion.result_id,
                InspectionResult.disclosed_no == ResultVersion.number,
            ),
        )
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .join(Plan, public_plan)
        .where(ResultVersion.inspected_on.between(start, end))
    ).subquery()
    month = func.cast(extract("month", disclosed.c.day), Integer_)
    rows = session.execute(
        select(
            month,
            func.count(),
            func.sum(case((disclosed.c.problem, 1), else_=0)),
        ).group_by(month)
    ).all()
    per_month = {int(m): (int(n), int(p or 0)) for m, n, p in rows}
    total = sum(n for n, _ in per_month.values())
    problems = sum(p for _, p in per_month.values())
    undisclosed = (
        ~select(InspectionResult.id)
        .where(
            InspectionResult.inspection_id == Inspection.id,
            InspectionResult.disclosed_no.is_not(None),
        )
        .exists()
    )
    overdue = (
        session.scalar(
            select(func.count(Inspection.id))
            .join(Plan, public_plan)
            .where(
                Plan.state == PlanState.PUBLISHED.value,
                Inspection.cancelled_at.is_(None),
                Inspection.disclosure_due < today,
                undisclosed,
            )
        )
        or 0
    )
    return {
        "done": done,
        "disclosed": total,
        "problem_share": (problems / total) if total else None,
        "overdue": overdue,
        "months": [(m, *per_month.get(m, (0, 0))) for m in range(1, 13)],
    }


def disclosed_categories(session: Session, inspection_ids: list[int]) -> dict[int, list]:
    """Per inspection: the (zh, en) result categories of its disclosed results."""
    from scheduler.models import (
        InspectionResult,
        ResultCategory,
        ResultVersion,
        result_version_category,
    )

    if not inspection_ids:
        return {}
    rows = session.execute(
        select(InspectionResult.inspection_id, ResultCategory.name_zh, ResultCategory.name_en)
        .join(
            ResultVersion,
            and_(
                ResultVersion.result_id == InspectionResult.id,
                ResultVersion.number == InspectionResult.disclosed_no,
            ),
        )
        .join(result_version_category, result_version_category.c.version_id == ResultVersion.id)
        .join(ResultCategory, ResultCategory.code == result_version_category.c.category_code)
        .where(InspectionResult.inspection_id.in_(inspection_ids))
        .order_by(InspectionResult.inspection_id, InspectionResult.body_id, ResultCategory.position)
    ).all()
    out: dict[int, list] = {}
    for inspection_id, zh, en in rows:
        if (zh, en) not in out.setdefault(inspection_id, []):
            out[inspection_id].append((zh, en))
    return out
