"""Results and disclosure (检查结果与公示) over the API: the public search and an entity's
disclosed history, the inspection check by notice code, an officer's own inspections, the
result lifecycle (enter, submit, review, disclose, attach) and a plan's progress.

Each operation calls `scheduler.results`; the services check who may see and change which
result (an officer only his or her own inspections: others are 404) and its state (409).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from flask import current_app, request

from scheduler.db import db
from scheduler.errors import Invalid, Msg
from scheduler.models import Role
from scheduler.plans.core import require_plan
from scheduler.results import lifecycle, officer, queries
from scheduler.results.core import ResultInput, today_cst
from web.api import schemas as s
from web.api.core import STAFF, operation

TAG = "results"
PLANNER = (Role.PLANNER.value,)
TEAM = (Role.OFFICER.value, Role.PLANNER.value)


@operation(
    "/results",
    summary="公示结果查询 / Search disclosed results",
    tag="public",
    query=s.ResultSearchQuery,
    response=s.ResultSearchPage,
    conditional_get=True,
)
def search_results(actor, query):
    """Disclosed results of published plans, newest inspection first, with the portal's
    filters; `page` and `per_page` (at most 100) walk them. Never findings, notes,
    attachments, officers or credit classes."""
    filters = queries.PublicFilters(
        name=query["name"] or "",
        uscc=query["uscc"] or "",
        body=query["body"] or "",
        item_category=query["item_category"] or "",
        town=query["town"] or "",
        category=query["category"] or "",
        date_from=query["date_from"],
        date_to=query["date_to"],
        page=query["page"],
        per_page=query["per_page"],
    )
    found = queries.public_search(db.session, filters)
    return {
        "items": found.rows,
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "pages": found.pages,
    }


@operation(
    "/entities/<uscc>/results",
    summary="市场主体的公示结果 / An entity's disclosed results",
    tag="public",
    response=s.EntityHistory,
    conditional_get=True,
)
def entity_results(actor, uscc):
    """Every disclosed result of one entity, newest first, each with its earlier disclosed
    versions (corrections). An entity with none answers an empty list."""
    return {"uscc": uscc, "items": queries.entity_history(db.session, uscc)}


@operation(
    "/check/<token>",
    summary="核验检查通知 / Check an inspection notice",
    tag="public",
    response=s.CheckedInspection,
    errors=(404,),
)
def check_notice(actor, token):
    """What the entity holding an inspection notice may check: plan, bodies, date and the
    team's names and certificate numbers, so that it can tell a genuine inspection."""
    data = officer.inspection_by_check_token(db.session, token)
    start, end = data.pop("window")
    data["window"] = {"start": start, "end": end}
    return data


@operation(
    "/my/inspections",
    summary="我的检查任务 / My inspections (officers)",
    tag=TAG,
    roles=(Role.OFFICER.value,),
    response=s.MyInspections,
)
def my_inspections(actor):
    """The officer's own inspections in published plans, grouped: `upcoming`, `to_enter`,
    `returned` (with the planner's reason), `done`."""
    groups = officer.my_inspections(db.session, actor, today_cst())
    return {
        group: [
            {k: v for k, v in dataclasses.asdict(card).items() if k not in ("body_id", "extra")}
            for card in cards
        ]
        for group, cards in groups.items()
    }


def _result_data(result) -> dict:
    version = lifecycle.current_version(result)
    return {
        "plan": result.inspection.plan.code,
        "uscc": result.inspection.uscc,
        "body": result.body.code,
        "state": result.state,
        "version": version.number,
        "categories": sorted(c.code for c in version.categories),
        "inspected_on": version.inspected_on,
        "public_summary": version.public_summary,
    }


@operation(
    "/plans/<code>/inspections/<uscc>/result",
    "PUT",
    summary="录入检查结果（草稿）/ Enter a result (draft)",
    tag=TAG,
    roles=TEAM,
    body=s.ResultBody,
    response=s.ResultStatus,
    errors=(403, 404, 409),
)
def save_result(actor, code, uscc, body):
    """A team member saves the result as a draft: editable until approved; after disclosure
    a new version (a correction, or with `follow_up_entry` a follow-up entry). Findings and
    follow-up stay confidential; the public sees categories, date and `public_summary`."""
    data = ResultInput.from_strings(
        body["categories"],
        body["inspected_on"] or "",
        body["findings"],
        body["public_summary"],
        body["follow_up"],
        body["follow_up_due"] or "",
    )
    result = lifecycle.save_draft(
        db.session, code, uscc, data, actor, by=body["by"], follow_up=body["follow_up_entry"]
    )
    db.session.commit()
    return _result_data(result)


@operation(
    "/plans/<code>/inspections/<uscc>/result/submit",
    "POST",
    summary="提交审核 / Submit a result for review",
    tag=TAG,
    roles=TEAM,
    body=s.SubmitBody,
    response=s.ResultStatus,
    errors=(403, 404, 409),
)
def submit_result(actor, code, uscc, body):
    """The draft goes to the body's planners for review; it must be complete (422 names
    what is missing)."""
    result = lifecycle.submit(db.session, code, uscc, actor, by=body["by"])
    db.session.commit()
    return _result_data(result)


@operation(
    "/plans/<code>/inspections/<uscc>/result/review",
    "POST",
    summary="审核 / Approve or return a result",
    tag=TAG,
    roles=PLANNER,
    body=s.ReviewBody,
    response=s.ResultStatus,
    errors=(403, 404, 409),
)
def review_result(actor, code, uscc, body):
    """A planner of the body approves the submitted result or returns it with a reason."""
    result = lifecycle.review(
        db.session, code, uscc, body["decision"], actor, reason=body["reason"], body=body["body"]
    )
    db.session.commit()
    return _result_data(result)


@operation(
    "/plans/<code>/disclose",
    "POST",
    summary="公示检查结果 / Disclose results",
    tag=TAG,
    roles=PLANNER,
    body=s.DiscloseBody,
    response=s.Disclosed,
    errors=(403, 404, 409),
)
def disclose_results(actor, code, body):
    """Disclose one approved result (`uscc`) or every approved one of the planner's body
    (`all_approved`); the plan closes when nothing is left to disclose."""
    results = lifecycle.disclose(
        db.session,
        code,
        actor,
        uscc=body["uscc"],
        all_approved=body["all_approved"],
        body=body["body"],
    )
    db.session.commit()
    plan = require_plan(db.session, code, actor, "view")
    return {"disclosed": [_result_data(r) for r in results], "plan_state": plan.state}


@operation(
    "/plans/<code>/inspections/<uscc>/cancel",
    "POST",
    summary="取消检查 / Cancel an inspection",
    tag=TAG,
    roles=PLANNER,
    body=s.CancelBody,
    response=s.Cancelled,
    errors=(403, 404, 409),
)
def cancel(actor, code, uscc, body):
    """Cancel an inspection with a reason (the entity was deregistered...); it then needs no
    result. The row stays."""
    insp = lifecycle.cancel_inspection(db.session, code, uscc, body["reason"], actor)
    db.session.commit()
    return {"plan": code, "uscc": insp.uscc, "cancelled": True}


@operation(
    "/plans/<code>/inspections/<uscc>/result/attachments",
    "POST",
    summary="上传附件 / Attach a file to a result",
    tag=TAG,
    roles=TEAM,
    upload=True,
    response=s.Attachment,
    status=201,
    errors=(403, 404, 409, 413),
)
def attach(actor, code, uscc):
    """A photo or the signed record (JPEG, PNG, WebP or PDF, at most 10 MB), as the
    multipart field `file`; staff only, never public."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(Msg("请选择要上传的文件", "choose a file to upload"), field="file")
    content = upload.read(lifecycle.MAX_ATTACHMENT_BYTES + 1)
    folder = Path(current_app.config["FAIRDRAW_ATTACHMENTS_DIR"])
    row = lifecycle.add_attachment(
        db.session, code, uscc, actor, upload.filename, content, upload.mimetype or "", folder
    )
    db.session.commit()
    return row


@operation(
    "/plans/<code>/results/progress",
    summary="结果进度 / Result progress of a plan",
    tag=TAG,
    roles=STAFF,
    response=s.Progress,
    errors=(403, 404),
)
def progress(actor, code):
    """How many results of the plan are in each state, and how many are overdue."""
    plan = require_plan(db.session, code, actor, "view")
    return queries.plan_progress(db.session, plan)
