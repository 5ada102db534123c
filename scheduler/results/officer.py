"""An officer's own inspections (我的检查任务) for the workspace, and the public check of an
inspection notice by its token (检查通知核验). No writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.errors import InspectionNotFound, Msg, NotFound
from scheduler.models import (
    Assignment,
    Inspection,
    InspectionResult,
    Officer,
    Plan,
    PlanState,
    ResultAttachment,
    ResultState,
)
from scheduler.results.lifecycle import current_version

# Plans whose inspections an officer sees: published (and closed, for the record).
OFFICER_PLAN_STATES = (PlanState.PUBLISHED.value, PlanState.CLOSED.value)
GROUPS = ("upcoming", "to_enter", "returned", "done")


@dataclass
class Card:
    """One inspection as the officer's list shows it."""

    id: int
    plan: str
    plan_name: str
    uscc: str
    entity: str
    address: str
    town_zh: str
    town_en: str
    items: list[dict]
    team: list[dict]
    visit_date: dt.date | None
    due: dt.date | None
    state: str
    cancelled: bool
    return_reason: str = ""
    body_id: int = 0
    extra: dict = field(default_factory=dict)


def _officer(session: Session, actor: Actor) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.cert_no == (actor.cert_no or "")))
    if officer is None:
        raise NotFound(
            Msg("该账号未关联执法人员", "this account is not linked to an officer"),
            code="officer_not_found",
        )
    return officer


def team(session: Session, insp: Inspection) -> list[dict]:
    """The active team (names, certificate numbers, body, leader); no phones."""
    rows = session.scalars(
        select(Assignment)
        .where(Assignment.inspection_id == insp.id, Assignment.active)
        .order_by(Assignment.body_id, Assignment.is_leader.desc(), Assignment.cost)
    ).all()
    return [
        {
            "name": a.officer.name,
            "cert_no": a.officer.cert_no,
            "body": a.body.code,
            "body_zh": a.body.name_zh,
            "body_en": a.body.name_en,
            "leader": a.is_leader,
        }
        for a in rows
    ]


def items_of(insp: Inspection) -> list[dict]:
    """The plan's items that apply to the entity, with their legal basis (check points)."""
    e = insp.entity
    return [
        {
            "code": it.code,
            "name_zh": it.name_zh,
            "name_en": it.name_en,
            "category_zh": it.category_zh,
            "category_en": it.category_en,
            "body": it.body.code,
            "legal_basis": it.legal_basis,
        }
        for it in insp.plan.items
        if it.fits(e.type, e.industry)
    ]


def my_inspections(session: Session, actor: Actor, today: dt.date) -> dict[str, list[Card]]:
    """The officer's inspections in published plans, in four groups: `upcoming` (today and
    later, not yet submitted), `to_enter` (visit passed, nothing submitted), `returned`
    (a planner returned the result), `done` (submitted, approved, disclosed, cancelled)."""
    officer = _officer(session, actor)
    rows = session.execute(
        select(Inspection, Assignment.body_id)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Plan, Plan.id == Inspection.plan_id)
        .where(
            Assignment.officer_id == officer.id,
            Assignment.active,
            Plan.state.in_(OFFICER_PLAN_STATES),
        )
        .order_by(Inspection.visit_date, Inspection.uscc)
    ).all()
    groups: dict[str, list[Card]] = {g: [] for g in GROUPS}
    for insp, body_id in rows:
        result = session.scalar(
            select(InspectionResult).where(
                InspectionResult.inspection_id == insp.id, InspectionResult.body_id == body_id
            )
        )
        state = result.state if result else ResultState.NOT_ENTERED.value
        reason = ""
        if result is not None and state == ResultState.RETURNED.value:
            reason = current_version(result).return_reason
        card = Card(
            id=insp.id,
            plan=insp.plan.code,
            plan_name=insp.plan.name,
            uscc=insp.uscc,
            entity=insp.entity.name,
            address=insp.entity.address,
            town_zh=insp.entity.town.name_zh,
            town_en=insp.entity.town.name_en,
            items=items_of(insp),
            team=team(session, insp),
            visit_date=insp.visit_date,
            due=insp.disclosure_due,
            state=state,
            cancelled=insp.cancelled_at is not None,
            return_reason=reason,
            body_id=body_id,
        )
        if card.cancelled or state in (
            ResultState.SUBMITTED.value,
            ResultState.APPROVED.value,
            ResultState.DISCLOSED.value,
        ):
            groups["done"].append(card)
        elif state == ResultState.RETURNED.value:
            groups["returned"].append(card)
        elif insp.visit_date is not None and insp.visit_date >= today:
            groups["upcoming"].append(card)
        else:
            groups["to_enter"].append(card)
    return groups


def week(groups: dict[str, list[Card]], monday: dt.date) -> list[tuple[dt.date, list[Card]]]:
    """The seven days from `monday` with the officer's inspections of each day."""
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    cards = [c for g in GROUPS for c in groups[g]]
    return [(d, [c for c in cards if c.visit_date == d]) for d in days]


def own_inspection(session: Session, actor: Actor, inspection_id: int) -> tuple[Inspection, int]:
    """(inspection, body id) of one of the officer's own inspections in a published plan;
    `InspectionNotFound` for anything else (a guessed id, another officer's, an unpublished
    plan's), so that existence does not leak."""
    officer = _officer(session, actor)
    row = session.execute(
        select(Inspection, Assignment.body_id)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Plan, Plan.id == Inspection.plan_id)
        .where(
            Inspection.id == inspection_id,
            Assignment.officer_id == officer.id,
            Assignment.active,
            Plan.state.in_(OFFICER_PLAN_STATES),
        )
    ).first()
    if row is None:
        raise InspectionNotFound(
            Msg("没有这项检查任务", "no such inspection"), code="inspection_not_found"
        )
    return row[0], row[1]


def result_of(session: Session, insp: Inspection, body_id: int) -> InspectionResult | None:
    return session.scalar(
        select(InspectionResult).where(
            InspectionResult.inspection_id == insp.id, InspectionResult.body_id == body_id
        )
    )


def attachments_of(session: Session, result: InspectionResult | None) -> list[ResultAttachment]:
    if result is None:
        return []
    return session.scalars(
        select(ResultAttachment)
        .where(ResultAttachment.result_id == result.id)
        .order_by(ResultAttachment.id)
    ).all()


def inspection_by_check_token(session: Session, token: str) -> dict:
    """What the public check page (/check/<token>) shows to the entity holding the notice:
    plan, body, entity, date and the team's names and certificate numbers (the officer
    registry is public), so that it can tell a genuine inspection. Only for published
    plans; anything else is `NotFound`."""
    insp = None
    if token and len(token) <= 64:
        insp = session.scalar(select(Inspection).where(Inspection.check_token == token))
    if insp is None or insp.plan.state not in OFFICER_PLAN_STATES:
        raise NotFound(
            Msg("没有找到该检查通知", "no inspection notice with this code"),
            code="check_not_found",
        )
    return {
        "plan": insp.plan.code,
        "plan_name": insp.plan.name,
        "bodies": [{"code": b.code, "zh": b.name_zh, "en": b.name_en} for b in insp.plan.bodies],
        "uscc": insp.uscc,
        "entity": insp.entity.name,
        "visit_date": insp.visit_date,
        "window": (insp.plan.window_start, insp.plan.window_end),
        "origin": insp.origin,
        "cancelled": insp.cancelled_at is not None,
        "team": [
            {k: m[k] for k in ("name", "cert_no", "body", "body_zh", "body_en", "leader")}
            for m in team(session, insp)
        ],
    }
