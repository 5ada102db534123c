"""Who may do what (权限与范围): every scope rule of the domain, in one place.

Services call these checks; the web's route rules (`web/access.py`) only decide who may
open a page at all. A refusal raises `Forbidden` (403) when the actor may know the thing
exists, and `NotFound` (404, the same message as for a thing that does not exist) when
he or she may not: a planner guessing another body's plan code, an officer guessing an
inspection that is not his or hers.

- planner: views the plans his or her body takes part in; creates, and runs every step
  of, only those his or her body leads (a joint plan's other bodies only view it).
- officer: only his or her own inspections; today, recusing himself or herself.
- auditor: views every plan and the auditor export; never writes; exports directories.
- admin: views every plan but runs no plan step (planners do); imports and exports the
  directories, manages users, the calendar and the reference tables.
- system (the command line, scripts, tests): everything.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.errors import Forbidden, InspectionNotFound, Msg, PlanNotFound
from scheduler.models import Assignment, AssignmentEnd, Inspection, Officer, Plan, Role

VIEW = "view"
MANAGE = "manage"
PLAN_ACTIONS = (VIEW, MANAGE)


def require_role(actor: Actor, *roles: Role, action: Msg) -> None:
    """Raise `Forbidden` unless the actor has one of `roles` (a system actor has all);
    `action` names what was asked, e.g. `Msg("创建用户", "create users")`."""
    if not actor.has_role(*roles):
        raise Forbidden(
            Msg(f"{actor.name} 无权{action.zh}", f"{actor.name} may not {action.en}"),
            code="forbidden_role",
        )


def can_view_plan(actor: Actor, plan: Plan) -> bool:
    if actor.has_role(Role.ADMIN, Role.AUDITOR):
        return True
    if actor.role == Role.PLANNER:
        return actor.body is not None and actor.body in {b.code for b in plan.bodies}
    return False


def can_manage_plan(actor: Actor, plan: Plan) -> bool:
    if actor.is_system:
        return True
    return actor.role == Role.PLANNER and actor.body == plan.lead_body.code


def check_plan(actor: Actor, plan: Plan, action: str) -> None:
    """`view` or `manage` the plan, or raise: `NotFound` if the actor may not even see it,
    `Forbidden` if he or she may see it but not change it (an auditor, an admin, the
    planner of a participating body that does not lead the plan)."""
    if action not in PLAN_ACTIONS:
        raise ValueError(f"unknown plan action {action!r}; one of {PLAN_ACTIONS}")
    if action == MANAGE and can_manage_plan(actor, plan):
        return
    if not can_view_plan(actor, plan):
        raise PlanNotFound.of(plan.code)
    if action == MANAGE:
        raise Forbidden(
            Msg(
                f"{actor.name} 可以查看计划 {plan.code}，但只有牵头主体"
                f" {plan.lead_body.code} 的计划员可以操作",
                f"{actor.name} may view plan {plan.code} but only a planner of its lead body "
                f"{plan.lead_body.code} may change it",
            ),
            code="forbidden_plan",
        )


def check_plan_create(actor: Actor, lead_body: str) -> None:
    """Only a planner creates plans, and only plans his or her body leads."""
    require_role(actor, Role.PLANNER, action=Msg("创建抽查计划", "create plans"))
    if not actor.is_system and actor.body != lead_body:
        raise Forbidden(
            Msg(
                f"计划员只能创建本主体（{actor.body}）牵头的计划",
                f"a planner creates only plans that his or her body ({actor.body}) leads",
            ),
            field="lead_body",
            code="forbidden_plan",
        )


def check_team_change(
    session: Session, actor: Actor, plan: Plan, uscc: str, cert_no: str, reason: AssignmentEnd
) -> None:
    """Who may take officer `cert_no` off the team of the plan's inspection of `uscc`: the
    plan's managers, for any reason; an officer only himself or herself, by declaring a
    conflict (回避申请), and only on an inspection whose team he or she is on. To an
    officer, a plan or an inspection that is not his or hers does not exist."""
    if actor.role != Role.OFFICER:
        check_plan(actor, plan, MANAGE)
        return
    own = (
        select(Inspection.uscc)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .where(Inspection.plan_id == plan.id, Officer.cert_no == actor.cert_no, Assignment.active)
    )
    if session.scalar(own.limit(1)) is None:
        raise PlanNotFound.of(plan.code)
    if session.scalar(own.where(Inspection.uscc == uscc)) is None:
        raise InspectionNotFound.of(plan.code, uscc)
    if cert_no != actor.cert_no or reason != AssignmentEnd.RECUSAL_OFFICER:
        raise Forbidden(
            Msg(
                "执法人员只能申请本人回避",
                "an officer may only declare his or her own conflict (recuse himself or herself)",
            ),
            field="cert_no",
            code="forbidden_team_change",
        )
