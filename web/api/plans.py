"""Staff operations on plans (抽查计划): the list a staff member may see, a plan's full
summary, the lifecycle steps, recusal and removal, the auditor export.

Every operation calls the service that the CLI and the console call; the services check
the scope (a planner runs the steps of the plans his or her body leads; other plans are
404 or 403 exactly as on the pages) and the state (409).
"""

from __future__ import annotations

from flask import jsonify

from scheduler.access import VIEW
from scheduler.db import db
from scheduler.errors import Invalid, Msg
from scheduler.listings import visible_plans
from scheduler.models import AssignmentEnd, ConflictKind, Role
from scheduler.plans import create, draw, matching, public, queries, recusal, scheduling
from scheduler.plans.core import require_plan
from scheduler.plans.plan_file import PlanFileSchema
from web.api import schemas as s
from web.api.core import STAFF, json_body, operation, page

TAG = "plans"
PLANNER = (Role.PLANNER.value,)
STEP_ERRORS = (403, 404, 409)


def _summary(plan) -> dict:
    return queries.summary(db.session, plan)


@operation(
    "/staff/plans",
    summary="可查看的计划 / Plans I may see",
    tag=TAG,
    roles=STAFF,
    query=s.StaffPlanQuery,
    response=s.StaffPlanPage,
)
def list_staff_plans(actor, query):
    """Every plan for an admin or an auditor, the plans of his or her body for a planner,
    in every state, by code."""
    plans = visible_plans(
        db.session, actor, after=query["cursor"], limit=query["limit"], state=query["state"]
    )
    result = page(plans, query["limit"], lambda p: p.code)
    result["items"] = [
        {
            "code": p.code,
            "name": p.name,
            "state": p.state,
            "lead_body": p.lead_body.code,
            "bodies": [b.code for b in p.bodies],
            "window": {"start": p.window_start, "end": p.window_end},
        }
        for p in result["items"]
    ]
    return result


@operation(
    "/plans",
    "POST",
    summary="创建计划草稿 / Create a draft plan",
    tag=TAG,
    roles=PLANNER,
    response=s.PlanSummary,
    status=201,
    errors=(403,),
    request_schema=PlanFileSchema,
)
def create_plan(actor):
    """The body is a plan file (README "Plan files"); every problem is a 422 entry naming
    its field. A planner creates only plans his or her body leads."""
    data = json_body()
    if not isinstance(data, dict):
        raise Invalid(Msg("计划文件须为 JSON 对象", "a plan file is a JSON object"))
    plan = create.create_plan(db.session, data, actor)
    db.session.commit()
    return _summary(plan)


@operation(
    "/plans/<code>/summary",
    summary="计划详情（工作人员）/ A plan's full summary (staff)",
    tag=TAG,
    roles=STAFF,
    response=s.PlanSummary,
    errors=(403, 404),
)
def get_plan_summary(actor, code):
    """State, rules, strata, counts, match and schedule summaries of a plan the caller may
    view (404 for one he or she may not know about)."""
    return _summary(require_plan(db.session, code, actor, VIEW))


def _step(path: str, name: str, summary: str, service, doc: str):
    def view(actor, code):
        plan = service(db.session, code, actor)
        db.session.commit()
        return _summary(plan)

    view.__name__ = name
    view.__doc__ = doc
    return operation(
        f"/plans/<code>/{path}",
        "POST",
        summary=summary,
        tag=TAG,
        roles=PLANNER,
        response=s.PlanSummary,
        errors=STEP_ERRORS,
    )(view)


freeze_plan = _step(
    "freeze",
    "freeze_plan",
    "冻结总体 / Freeze the population",
    draw.freeze,
    "Fix the population and publish its digest (draft -> frozen).",
)
draw_plan = _step(
    "draw",
    "draw_plan",
    "抽取 / Draw",
    draw.draw,
    "Draw the entities with sha256-bottom-k/1 (frozen with a seed -> drawn).",
)
match_plan = _step(
    "match",
    "match_plan",
    "匹配执法人员 / Match officers",
    matching.match,
    "Match officers to every inspection (drawn -> matched); 409 match_infeasible with the "
    "reasons when no match exists.",
)
schedule_plan = _step(
    "schedule",
    "schedule_plan",
    "排期 / Schedule",
    scheduling.schedule,
    "A working day for every inspection and its disclosure deadline (matched -> scheduled).",
)
publish_plan = _step(
    "publish",
    "publish_plan",
    "公示 / Publish",
    public.publish,
    "Publish the plan and its draw (scheduled -> published).",
)


@operation(
    "/plans/<code>/seed",
    "POST",
    summary="设定随机种子 / Set the seed",
    tag=TAG,
    roles=PLANNER,
    body=s.SeedBody,
    response=s.PlanSummary,
    errors=STEP_ERRORS,
)
def seed_plan(actor, code, body):
    """The public seed (at least 20 digits), set once after the freeze."""
    plan = draw.set_seed(db.session, code, body["seed"], actor)
    db.session.commit()
    return _summary(plan)


RECUSAL_BY = {"officer": AssignmentEnd.RECUSAL_OFFICER, "entity": AssignmentEnd.RECUSAL_ENTITY}


@operation(
    "/plans/<code>/recusals",
    "POST",
    summary="回避 / Recuse an officer from an inspection",
    tag=TAG,
    roles=(Role.PLANNER.value, Role.OFFICER.value),
    body=s.RecusalBody,
    response=s.TeamChange,
    errors=STEP_ERRORS,
)
def recuse(actor, code, body):
    """The officer leaves the inspection's team (the row is kept), the conflict is recorded
    and the eligible officer with the smallest cost replaces him or her, or the inspection
    is flagged short. An officer may only recuse himself or herself (`by: officer`)."""
    new = recusal.replace_member(
        db.session,
        code,
        body["uscc"],
        body["cert_no"],
        RECUSAL_BY[body["by"]],
        body["reason"],
        actor,
        ConflictKind(body["kind"]),
    )
    db.session.commit()
    return {
        "left": [body["cert_no"]],
        "replacements": [new.officer.cert_no] if new is not None else [],
        "short": 1 if new is None else 0,
    }


@operation(
    "/plans/<code>/removals",
    "POST",
    summary="移出不能履职的人员 / Remove an unavailable officer",
    tag=TAG,
    roles=PLANNER,
    body=s.RemovalBody,
    response=s.TeamChange,
    errors=STEP_ERRORS,
)
def remove_officer(actor, code, body):
    """Take an officer who became unavailable off all of the plan's teams, replacing him or
    her in each where someone is eligible."""
    results = recusal.remove_unavailable(db.session, code, body["cert_no"], body["reason"], actor)
    db.session.commit()
    return {
        "left": [body["cert_no"]] if results else [],
        "replacements": [new.officer.cert_no for new in results if new is not None],
        "short": sum(1 for new in results if new is None),
    }


@operation(
    "/plans/<code>/audit-export",
    summary="审计导出（仅工作人员）/ Auditor export (staff only)",
    tag=TAG,
    roles=(Role.AUDITOR.value, Role.ADMIN.value, Role.PLANNER.value),
    response=s.AuditExport,
    errors=(403, 404, 409),
)
def audit_export(actor, code):
    """Spec section 6: the inspections, officers with caps, eligible pairs and the matched
    assignment, so that a third party can re-solve the match. Confidential."""
    data = matching.audit_export(db.session, require_plan(db.session, code, actor, VIEW))
    return jsonify(data)  # as the service builds it, every field kept
