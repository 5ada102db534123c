"""Publication (公示) and what the public may see of a plan.

A plan is public once published (and stays so when closed): its verification bundle and
its published fields. Before that, only the commitment of a frozen plan is public (spec
section 1: digest and strata sizes, no entity). Anything else raises `NotFound`, so that
a guessed code tells nothing about an unpublished plan.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Msg, NotFound, PlanStateError
from scheduler.models import Plan, PlanState
from scheduler.plans import draw
from scheduler.plans.core import require_plan, require_state
from scheduler.plans.plan_file import is_plan_code
from scheduler.plans.queries import short_teams

PUBLISHABLE_FROM = (PlanState.SCHEDULED,)
PUBLIC_STATES = (PlanState.PUBLISHED.value, PlanState.CLOSED.value)


def publish(session: Session, code: str, actor: Actor) -> Plan:
    """Publish the plan and its draw on the public portal (公示)."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("公示", "publish"), *PUBLISHABLE_FROM)
    short = [uscc for uscc, _ in short_teams(session, plan)]
    if short:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 有 {len(short)} 项检查缺员，不能公示",
                f"plan {plan.code} has {len(short)} inspections with an incomplete team; "
                "complete them first",
            ),
            [Msg(f"{plan.code}/{u} 缺员", f"{plan.code}/{u}: incomplete team") for u in short[:20]],
        )
    plan.state = PlanState.PUBLISHED.value
    plan.published_at = now_utc().replace(microsecond=0)
    published = record(session, EventKind.PLAN_PUBLISHED, actor, subject=plan.code)
    plan.published_chain_head = published.hash  # published in the bundle
    session.flush()
    return plan


def is_public(plan: Plan) -> bool:
    """Whether the public may see the plan: published, or closed after publication, or
    cancelled after publication (its record stays, with the reason)."""
    return plan.state in PUBLIC_STATES or (
        plan.state == PlanState.CANCELLED.value and plan.published_at is not None
    )


def _not_found(code: str) -> NotFound:
    return NotFound(
        Msg(f"没有已公示的计划 {code}", f"no published plan {code!r}"), code="plan_not_found"
    )


def public_plan(session: Session, code: str) -> Plan:
    """The plan `code` if the public may see it, else `NotFound` (whether or not it exists)."""
    if not is_plan_code(code):
        raise _not_found(repr(str(code)[:40])[1:-1])
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None or not is_public(plan):
        raise _not_found(code)
    return plan


def public_bundle(session: Session, code: str) -> dict:
    """The verification bundle of a published plan (spec section 5)."""
    return draw.bundle(session, public_plan(session, code))


def public_commitment(session: Session, code: str) -> dict:
    """The commitment of a frozen plan (spec section 1), public from the freeze on."""
    if not is_plan_code(code):
        raise _not_found(repr(str(code)[:40])[1:-1])
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None or plan.frozen_at is None:
        raise _not_found(code)
    return draw.commitment(plan)
