"""Reads of results for pages and the CLI (no writes): the public search of disclosed
results (公示查询), an entity's history, a plan's progress, what awaits review, and the
deadline lists (临期、逾期).

Public reads (`public_search`, `entity_history`) show only disclosed versions of published
plans: categories, date, the public summary, the body, and whether and when a result was
corrected. Never findings, review notes, attachments, officers or credit classes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from scheduler.models import (
    Assignment,
    Body,
    Entity,
    Inspection,
    InspectionResult,
    Item,
    Plan,
    PlanState,
    ResultState,
    ResultVersion,
    Town,
    VersionKind,
    plan_item,
    result_version_category,
)
from scheduler.results.core import DUE_SOON_WORKING_DAYS, add_working_days, categories

PUBLIC_PLAN_STATES = (PlanState.PUBLISHED.value, PlanState.CLOSED.value)
MAX_PER_PAGE = 100


@dataclass
class PublicFilters:
    """Filters of the public search; empty means any."""

    name: str = ""  # entity name contains
    uscc: str = ""
    body: str = ""  # body code
    item_category: str = ""  # item category (Chinese name) of the plan
    town: str = ""  # town code
    category: str = ""  # result category code
    date_from: dt.date | None = None  # inspection date
    date_to: dt.date | None = None
    page: int = 1
    per_page: int = 20


@dataclass
class Page:
    rows: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _disclosed_join():
    """Disclosed results with the version the public sees, of published or closed plans."""
    return (
        select(
            InspectionResult.id.label("result_id"),
            ResultVersion.id.label("version_id"),
            Plan.code.label("plan"),
            Plan.name.label("plan_name"),
            Entity.uscc,
            Entity.name.label("entity"),
            Inspection.origin,
            Town.code.label("town"),
            Town.name_zh.label("town_zh"),
            Town.name_en.label("town_en"),
            Body.code.label("body"),
            Body.name_zh.label("body_zh"),
            Body.name_en.label("body_en"),
            ResultVersion.inspected_on,
            ResultVersion.public_summary,
            ResultVersion.disclosed_at,
            ResultVersion.number,
            ResultVersion.kind,
        )
        .select_from(InspectionResult)
        .join(
            ResultVersion,
            and_(
                ResultVersion.result_id == InspectionResult.id,
                ResultVersion.number == InspectionResult.disclosed_no,
            ),
        )
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .join(Plan, Plan.id == Inspection.plan_id)
        .join(Entity, Entity.id == Inspection.entity_id)
        .join(Town, Town.id == Entity.town_id)
        .join(Body, Body.id == InspectionResult.body_id)
        .where(Plan.state.in_(PUBLIC_PLAN_STATES))
    )


def _with_categories(session: Session, rows: list) -> list[dict]:
    cats = categories(session)
    by_version = defaultdict(list)
    ids = [r.version_id for r in rows]
    if ids:
        for vid, code in session.execute(
            select(
                result_version_category.c.version_id, result_version_category.c.category_code
            ).where(result_version_category.c.version_id.in_(ids))
        ):
            by_version[vid].append(code)
    # Was an earlier version disclosed and then corrected? When the first one was.
    first = {}
    rids = [r.result_id for r in rows]
    if rids:
        first = dict(
            session.execute(
                select(ResultVersion.result_id, func.min(ResultVersion.disclosed_at))
                .where(ResultVersion.result_id.in_(rids), ResultVersion.disclosed_at.is_not(None))
                .group_by(ResultVersion.result_id)
            ).all()
        )
    out = []
    for r in rows:
        codes = sorted(by_version[r.version_id], key=lambda c: cats[c].position)
        out.append(
            {
                "plan": r.plan,
                "plan_name": r.plan_name,
                "uscc": r.uscc,
                "entity": r.entity,
                "origin": r.origin,
                "town": r.town,
                "town_zh": r.town_zh,
                "town_en": r.town_en,
                "body": r.body,
                "body_zh": r.body_zh,
                "body_en": r.body_en,
                "inspected_on": r.inspected_on,
                "categories": [
                    {"code": c, "zh": cats[c].name_zh, "en": cats[c].name_en} for c in codes
                ],
                "problem": any(cats[c].problem for c in codes),
                "public_summary": r.public_summary,
                "disclosed_at": r.disclosed_at,
                "first_disclosed_at": first.get(r.result_id, r.disclosed_at),
                "corrected": r.kind == VersionKind.CORRECTION.value,
                "follow_up_entry": r.kind == VersionKind.FOLLOW_UP.value,
                "version": r.number,
            }
        )
    return out


def public_search(session: Session, filters: PublicFilters) -> Page:
    """Disclosed results matching `filters`, newest inspection first, one page."""
    q = _disclosed_join()
    f = filters
    if f.name.strip():
        q = q.where(Entity.name.contains(f.name.strip(), autoescape=True))
    if f.uscc.strip():
        q = q.where(Entity.uscc == f.uscc.strip().upper())
    if f.body.strip():
        q = q.where(Body.code == f.body.strip())
    if f.town.strip():
        q = q.where(Town.code == f.town.strip())
    if f.item_category.strip():
        q = q.where(
            Plan.id.in_(
                select(plan_item.c.plan_id)
                .join(Item, Item.id == plan_item.c.item_id)
                .where(
                    or_(
                        Item.category_zh == f.item_category.strip(),
                        Item.category_en == f.item_category.strip(),
                    )
                )
            )
        )
    if f.category.strip():
        q = q.where(
            ResultVersion.id.in_(
                select(result_version_category.c.version_id).where(
                    result_version_category.c.category_code == f.category.strip().upper()
                )
            )
        )
    if f.date_from:
        q = q.where(ResultVersion.inspected_on >= f.date_from)
    if f.date_to:
        q = q.where(ResultVersion.inspected_on <= f.date_to)
    per_page = min(max(1, f.per_page), MAX_PER_PAGE)
    page = max(1, f.page)
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.execute(
        q.order_by(ResultVersion.inspected_on.desc(), Entity.uscc, Body.code)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(_with_categories(session, rows), total, page, per_page)


def entity_history(session: Session, uscc: str) -> list[dict]:
    """Every disclosed result of one entity (each body's part of a joint inspection),
    newest first; with each result's earlier disclosed versions (corrections)."""
    rows = session.execute(
        _disclosed_join()
        .where(Entity.uscc == uscc)
        .order_by(ResultVersion.inspected_on.desc(), Body.code)
    ).all()
    out = _with_categories(session, rows)
    cats = categories(session)
    for row, r in zip(out, rows, strict=True):
        earlier = session.execute(
            select(ResultVersion.id, ResultVersion.number, ResultVersion.disclosed_at)
            .where(
                ResultVersion.result_id == r.result_id,
                ResultVersion.number < r.number,
                ResultVersion.disclosed_at.is_not(None),
            )
            .order_by(ResultVersion.number)
        ).all()
        row["earlier"] = []
        for vid, number, at in earlier:
            codes = session.scalars(
                select(result_version_category.c.category_code).where(
                    result_version_category.c.version_id == vid
                )
            ).all()
            row["earlier"].append(
                {
                    "version": number,
                    "disclosed_at": at,
                    "categories": [
                        {"code": c, "zh": cats[c].name_zh, "en": cats[c].name_en}
                        for c in sorted(codes, key=lambda c: cats[c].position)
                    ],
                }
            )
    return out


def _parts(plan: Plan, body_id: int | None = None):
    """(inspection, body) parts of a plan that need a result: every body with a team."""
    q = (
        select(Assignment.inspection_id, Assignment.body_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id)
        .distinct()
    )
    if body_id is not None:
        q = q.where(Assignment.body_id == body_id)
    return q.subquery()


def plan_progress(session: Session, plan: Plan, body_id: int | None = None) -> dict:
    """Counts of the plan's result parts by state (not entered included), and cancelled."""
    parts = _parts(plan, body_id)
    rows = session.execute(
        select(
            InspectionResult.state,  # NULL: not entered (coalesced below, not in SQL: a
            Inspection.cancelled_at.is_not(None),  # bound literal in GROUP BY is not the
            func.count(),  # same expression to PostgreSQL as the one in SELECT)
        )
        .select_from(parts)
        .join(Inspection, Inspection.id == parts.c.inspection_id)
        .outerjoin(
            InspectionResult,
            and_(
                InspectionResult.inspection_id == parts.c.inspection_id,
                InspectionResult.body_id == parts.c.body_id,
            ),
        )
        .group_by(InspectionResult.state, Inspection.cancelled_at.is_not(None))
    ).all()
    counts = {s.value: 0 for s in ResultState}
    cancelled = 0
    for state, is_cancelled, n in rows:
        if is_cancelled:
            cancelled += n
        else:
            counts[state or ResultState.NOT_ENTERED.value] += n
    total = sum(counts.values()) + cancelled
    return {
        "plan": plan.code,
        "state": plan.state,
        "parts": total,
        "by_state": counts,
        "cancelled": cancelled,
        "closed_at": plan.closed_at,
    }


def awaiting_review(session: Session, plan: Plan, body_id: int | None = None) -> list[dict]:
    """Submitted results waiting for a planner, oldest submission first."""
    q = (
        select(
            Inspection.uscc,
            Entity.name,
            Body.code,
            ResultVersion.submitted_at,
            ResultVersion.submitted_by,
            ResultVersion.number,
        )
        .select_from(InspectionResult)
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .join(Entity, Entity.id == Inspection.entity_id)
        .join(Body, Body.id == InspectionResult.body_id)
        .join(
            ResultVersion,
            and_(
                ResultVersion.result_id == InspectionResult.id,
                ResultVersion.number == InspectionResult.current_no,
            ),
        )
        .where(
            Inspection.plan_id == plan.id,
            InspectionResult.state == ResultState.SUBMITTED.value,
        )
        .order_by(ResultVersion.submitted_at, Inspection.uscc)
    )
    if body_id is not None:
        q = q.where(InspectionResult.body_id == body_id)
    return [
        {"uscc": u, "entity": n, "body": b, "submitted_at": at, "submitted_by": by, "version": v}
        for u, n, b, at, by, v in session.execute(q)
    ]


def deadline_lists(
    session: Session, today: dt.date, body: str | None = None
) -> dict[str, list[dict]]:
    """Per the disclosure deadline (20 working days after the inspection), the parts of
    published plans not yet disclosed: `overdue` (deadline passed) and `due_soon` (within
    5 working days). Of one body (code) or of all."""
    soon = add_working_days(session, today, DUE_SOON_WORKING_DAYS)
    q = (
        select(
            Plan.code,
            Inspection.uscc,
            Entity.name,
            Body.code,
            Inspection.visit_date,
            Inspection.done_on,
            Inspection.disclosure_due,
            func.coalesce(InspectionResult.state, ResultState.NOT_ENTERED.value),
        )
        .select_from(Assignment)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .join(Plan, Plan.id == Inspection.plan_id)
        .join(Entity, Entity.id == Inspection.entity_id)
        .join(Body, Body.id == Assignment.body_id)
        .outerjoin(
            InspectionResult,
            and_(
                InspectionResult.inspection_id == Inspection.id,
                InspectionResult.body_id == Assignment.body_id,
            ),
        )
        .where(
            Plan.state == PlanState.PUBLISHED.value,
            Inspection.cancelled_at.is_(None),
            Inspection.disclosure_due.is_not(None),
            Inspection.disclosure_due <= soon,
            InspectionResult.disclosed_no.is_(None),
        )
        .distinct()
        .order_by(Inspection.disclosure_due, Plan.code, Inspection.uscc, Body.code)
    )
    if body:
        q = q.where(Body.code == body)
    out = {"overdue": [], "due_soon": []}
    for code, uscc, name, b, visit, done, due, state in session.execute(q):
        row = {
            "plan": code,
            "uscc": uscc,
            "entity": name,
            "body": b,
            "inspected_on": done or visit,
            "due": due,
            "state": state,
        }
        out["overdue" if due < today else "due_soon"].append(row)
    return out
