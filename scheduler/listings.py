"""Paged lists (分页列表) for the JSON API and the pages: plans, a plan's public inspections,
the public officer registry, the audit trail.

Each takes the key of the last row already seen (`after`) and returns at most `limit + 1`
rows in a stable order (the caller shows `limit` and knows whether there is more), so that
a client walks a large list with a cursor whatever is added meanwhile. What the public may
see is decided here and in `scheduler.plans.public`: published plans only, and of their
inspections the entity's code, name, town and whether it was drawn or added for key
supervision; never its credit class, stratum, ticket, team or dates of visit. Of officers
the public registry shows name, certificate, body, unit, certificate status and validity,
and competences; never a phone number.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler import access
from scheduler.actors import Actor
from scheduler.errors import Msg
from scheduler.models import (
    AuditEvent,
    Body,
    Entity,
    Inspection,
    Officer,
    Plan,
    Role,
    Town,
    Unit,
    User,
    plan_body,
)
from scheduler.plans.public import PUBLIC_STATES, public_plan


def published_plans(
    session: Session, *, after: str | None, limit: int, body: str | None = None
) -> list[Plan]:
    """Published (and closed) plans by code; `body` keeps those the body takes part in."""
    query = select(Plan).where(Plan.state.in_(PUBLIC_STATES))
    if body:
        query = query.where(
            Plan.id.in_(
                select(plan_body.c.plan_id)
                .join(Body, Body.id == plan_body.c.body_id)
                .where(Body.code == body)
            )
        )
    if after is not None:
        query = query.where(Plan.code > after)
    return list(session.scalars(query.order_by(Plan.code).limit(limit + 1)))


def visible_plans(
    session: Session,
    actor: Actor,
    *,
    after: str | None,
    limit: int,
    state: str | None = None,
) -> list[Plan]:
    """The plans the actor may view (the SQL form of `access.can_view_plan`), by code:
    every plan for an admin or an auditor, the plans of his or her body for a planner."""
    access.require_role(
        actor, Role.ADMIN, Role.AUDITOR, Role.PLANNER, action=Msg("查看计划列表", "list plans")
    )
    query = select(Plan)
    if actor.role == Role.PLANNER:
        query = query.where(
            Plan.id.in_(
                select(plan_body.c.plan_id)
                .join(Body, Body.id == plan_body.c.body_id)
                .where(Body.code == actor.body)
            )
        )
    if state:
        query = query.where(Plan.state == state)
    if after is not None:
        query = query.where(Plan.code > after)
    return list(session.scalars(query.order_by(Plan.code).limit(limit + 1)))


def public_inspections(
    session: Session, code: str, *, after: str | None, limit: int
) -> tuple[Plan, list[dict]]:
    """The inspections of a published plan (`NotFound` otherwise), by entity code, with
    their public fields only."""
    plan = public_plan(session, code)
    query = (
        select(Inspection.uscc, Entity.name, Town.code, Inspection.origin)
        .join(Entity, Entity.id == Inspection.entity_id)
        .join(Town, Town.id == Entity.town_id)
        .where(Inspection.plan_id == plan.id)
    )
    if after is not None:
        query = query.where(Inspection.uscc > after)
    rows = session.execute(query.order_by(Inspection.uscc).limit(limit + 1)).all()
    return plan, [
        {"uscc": uscc, "name": name, "town": town, "origin": origin}
        for uscc, name, town, origin in rows
    ]


def officer_registry(
    session: Session,
    *,
    after: str | None,
    limit: int,
    body: str | None = None,
    name: str | None = None,
) -> list[dict]:
    """The public officer registry (执法检查人员名录库) by certificate number."""
    query = (
        select(Officer)
        .join(Body, Body.id == Officer.body_id)
        .join(Unit, Unit.id == Officer.unit_id)
        .options(joinedload(Officer.body), joinedload(Officer.unit))
    )
    if body:
        query = query.where(Body.code == body)
    if name:
        query = query.where(Officer.name.contains(name, autoescape=True))
    if after is not None:
        query = query.where(Officer.cert_no > after)
    officers = session.scalars(query.order_by(Officer.cert_no).limit(limit + 1)).all()
    return [
        {
            "cert_no": o.cert_no,
            "name": o.name,
            "body": o.body.code,
            "unit": o.unit.code,
            "unit_name": o.unit.name_zh,
            "cert_status": o.cert_status,
            "cert_valid_from": o.cert_valid_from,
            "cert_valid_to": o.cert_valid_to,
            "competences": sorted(o.competence_set()),
        }
        for o in officers
    ]


def audit_events(
    session: Session,
    actor: Actor,
    *,
    after: int | None,
    limit: int,
    subject: str | None = None,
    kind: str | None = None,
) -> list[AuditEvent]:
    """The audit trail (执法全过程记录), oldest first by id: auditors and admins only."""
    access.require_role(
        actor, Role.AUDITOR, Role.ADMIN, action=Msg("查看审计记录", "read the audit trail")
    )
    query = select(AuditEvent)
    if subject:
        query = query.where(AuditEvent.subject == subject)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if after is not None:
        query = query.where(AuditEvent.id > after)
    return list(session.scalars(query.order_by(AuditEvent.id).limit(limit + 1)))


def user_list(session: Session, actor: Actor, *, after: str | None, limit: int) -> list[User]:
    """User accounts by name: administrators only."""
    access.require_role(actor, Role.ADMIN, action=Msg("查看用户", "list users"))
    query = select(User).options(joinedload(User.body), joinedload(User.officer))
    if after is not None:
        query = query.where(User.username > after)
    return list(session.scalars(query.order_by(User.username).limit(limit + 1)))
