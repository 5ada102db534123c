"""What every plan step shares: loading a plan, checking its state, time stamps, history.

A transition asked in the wrong state raises `PlanStateError` before anything changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.errors import Msg, PlanNotFound, PlanStateError
from scheduler.models import InspectionHistory, Plan, PlanState
from scheduler.plans.plan_file import is_plan_code

# Plans whose visits are fixed: their inspections count as done for rotation and exclusions.
DONE_STATES = (PlanState.SCHEDULED.value, PlanState.PUBLISHED.value, PlanState.CLOSED.value)


def get_plan(session: Session, code: str, lock: bool = False) -> Plan:
    """The plan `code`; `lock` takes a row lock (PostgreSQL) so that two transitions of the
    same plan cannot interleave. No access check: see `require_plan`. A string that is not
    a plan code at all (a NUL, a newline, 40 characters) is not found without a query."""
    if not is_plan_code(code):
        raise PlanNotFound.of(repr(str(code)[:40])[1:-1])
    query = select(Plan).where(Plan.code == code)
    plan = session.scalar(query.with_for_update() if lock else query)
    if plan is None:
        raise PlanNotFound.of(code)
    return plan


def require_plan(
    session: Session, code: str, actor: Actor, action: str, lock: bool = False
) -> Plan:
    """Load the plan and authorize `actor` to `view` or `manage` it, in one call (what every
    plan service and every plan page starts with): `PlanNotFound` when it does not exist or
    the actor may not see it, `Forbidden` when he or she may see it but not change it.
    See `scheduler.access` for the rules."""
    plan = get_plan(session, code, lock=lock)
    access.check_plan(actor, plan, action)
    return plan


def require_state(plan: Plan, action: Msg, *allowed: PlanState) -> None:
    """Raise `PlanStateError` unless the plan is in one of the `allowed` states; `action`
    names the step in both languages (e.g. `Msg("冻结", "freeze")`)."""
    if plan.state not in {s.value for s in allowed}:
        wanted = " / ".join(s.value for s in allowed)
        raise PlanStateError(
            Msg(
                f"计划 {plan.code} 当前状态为 {plan.state}，不能{action.zh}",
                f"cannot {action.en} plan {plan.code}: it is {plan.state}, "
                f"and {action.en} needs {wanted}",
            )
        )


def iso_utc(moment: dt.datetime) -> str:
    """A stored UTC time as ISO 8601 with a Z, to the second (the form the spec publishes)."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def own_plan_history_excluded():
    """History rows that record an inspection of this system's own plans are skipped: the
    plans themselves are the source for those (no double counting once results arrive)."""
    return or_(
        InspectionHistory.plan_code.is_(None), InspectionHistory.plan_code.not_in(select(Plan.code))
    )
