"""Cancelling a plan (撤销抽查计划) before its visits.

A cancelled plan keeps everything it had (population, draw, teams, dates) and its audit
trail; a published one stays public with the reason. Its draws no longer count towards
`max_per_year`, so that an abandoned draw does not keep entities out of later plans of the
year. A plan whose first visit has passed (China Standard Time) cannot be cancelled: it
is closed with its results instead.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Invalid, Msg, PlanStateError
from scheduler.models import Inspection, Plan, PlanState
from scheduler.plans.core import require_plan, require_state

CANCELLABLE = (
    PlanState.DRAFT,
    PlanState.FROZEN,
    PlanState.DRAWN,
    PlanState.MATCHED,
    PlanState.SCHEDULED,
    PlanState.PUBLISHED,
)
CST = dt.timezone(dt.timedelta(hours=8))


def today_cst() -> dt.date:
    return dt.datetime.now(CST).date()


def cancel(
    session: Session, code: str, reason: str, actor: Actor, today: dt.date | None = None
) -> Plan:
    """Cancel the plan with a reason (public once the plan was published)."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("撤销", "cancel"), *CANCELLABLE)
    if not reason or not reason.strip():
        raise Invalid(
            Msg("须说明撤销原因（--reason）", "give the reason for the cancellation (--reason)"),
            field="reason",
            code="reason_required",
        )
    today = today or today_cst()
    first = session.scalar(
        select(func.min(Inspection.visit_date)).where(Inspection.plan_id == plan.id)
    )
    if first is not None and first <= today:
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 的检查已于 {first} 开始，不能撤销",
                f"plan {plan.code}: its visits began on {first}; a plan under way cannot be "
                "cancelled",
            )
        )
    before = plan.state
    plan.state = PlanState.CANCELLED.value
    plan.cancelled_at = now_utc().replace(microsecond=0)
    plan.cancel_reason = reason.strip()
    record(
        session,
        EventKind.PLAN_CANCELLED,
        actor,
        subject=plan.code,
        reason=plan.cancel_reason,
        previous_state=before,
        was_published=plan.published_at is not None,
    )
    session.flush()
    return plan
