"""Public read operations (公开接口): published plans, their commitment, bundle and
inspections, the officer registry. No login; what is public is decided by
`scheduler.plans.public` and `scheduler.listings`. Every answer carries an ETag (and a
Last-Modified where a time is known) and a 304 for a client that already has it."""

from __future__ import annotations

import functools
import json

from flask import current_app

from scheduler.db import db
from scheduler.listings import officer_registry, public_inspections, published_plans
from scheduler.models import Plan
from scheduler.plans.public import public_bundle, public_commitment, public_plan
from scheduler.plans.queries import inspection_counts
from web.api import schemas as s
from web.api.core import conditional, operation, page

TAG = "public"
NOT_FOUND = (404,)


def plan_data(plan: Plan, counts: dict | None = None) -> dict:
    """A plan's public fields (every one of them is also in its commitment or bundle)."""
    data = {
        "code": plan.code,
        "name": plan.name,
        "state": plan.state,
        "lead_body": plan.lead_body.code,
        "bodies": [b.code for b in plan.bodies],
        "items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en} for i in plan.items],
        "window": {"start": plan.window_start, "end": plan.window_end},
        "frozen_at": plan.frozen_at,
        "published_at": plan.published_at,
        "population_digest": plan.population_digest,
        "population_size": plan.population_size,
        "seed": plan.seed,
    }
    if counts is not None:
        data["inspections"] = counts
    return data


@operation(
    "/plans",
    summary="已公示的计划 / Published plans",
    tag=TAG,
    query=s.PlanListQuery,
    response=s.PlanPage,
    conditional_get=True,
)
def list_plans(actor, query):
    """Published (and closed) plans by code, a page at a time (`next_cursor`)."""
    plans = published_plans(
        db.session, after=query["cursor"], limit=query["limit"], body=query["body"]
    )
    result = page(plans, query["limit"], lambda p: p.code)
    result["items"] = [plan_data(p) for p in result["items"]]
    return result


@operation(
    "/plans/<code>",
    summary="一个已公示的计划 / One published plan",
    tag=TAG,
    response=s.PublicPlanDetail,
    errors=NOT_FOUND,
    conditional_get=True,
    last_modified=lambda data: data["published_at"],
)
def get_plan(actor, code):
    """A published plan; 404 for one that does not exist or is not published yet."""
    plan = public_plan(db.session, code)
    return plan_data(plan, inspection_counts(db.session, plan))


@operation(
    "/plans/<code>/commitment",
    summary="冻结承诺 / Commitment at the freeze",
    tag=TAG,
    response=s.Commitment,
    errors=NOT_FOUND,
    conditional_get=True,
)
def get_commitment(actor, code):
    """Spec section 1: the population digest, frozen time and strata sizes, public from the
    freeze on (before the seed exists); names no entity."""
    return public_commitment(db.session, code)


@functools.lru_cache(maxsize=8)
def _bundle_bytes(code: str, published_at: str, digest: str, seed: str) -> bytes:
    """A published bundle never changes: built once per plan and process."""
    return json.dumps(public_bundle(db.session, code), ensure_ascii=False).encode()


@operation(
    "/plans/<code>/bundle",
    summary="验证包 / Verification bundle",
    tag=TAG,
    response=s.Bundle,
    errors=NOT_FOUND,
    conditional_get=True,
)
def get_bundle(actor, code):
    """The verification bundle of a published plan (spec section 5; section 7 when sealed):
    give it to `solver/verify.py` to re-check the draw."""
    plan = public_plan(db.session, code)
    body = _bundle_bytes(code, plan.published_at.isoformat(), plan.population_digest, plan.seed)
    response = current_app.response_class(body, mimetype="application/json")
    return conditional(response, plan.published_at)


@operation(
    "/plans/<code>/inspections",
    summary="计划的检查对象 / Inspections of a published plan",
    tag=TAG,
    query=s.PageQuery,
    response=s.InspectionPage,
    errors=NOT_FOUND,
    conditional_get=True,
)
def list_inspections(actor, code, query):
    """The entities a published plan inspects, by credit code: name, town, and whether drawn
    at random or added for key supervision. Never a class, stratum, team or visit date."""
    _, rows = public_inspections(db.session, code, after=query["cursor"], limit=query["limit"])
    return page(rows, query["limit"], lambda r: r["uscc"])


@operation(
    "/officers",
    summary="执法检查人员名录 / Officer registry",
    tag=TAG,
    query=s.OfficerQuery,
    response=s.OfficerPage,
    conditional_get=True,
)
def list_officers(actor, query):
    """The public registry of certified officers by certificate number (no phone numbers);
    `body` and `name` (a part of it) filter."""
    rows = officer_registry(
        db.session,
        after=query["cursor"],
        limit=query["limit"],
        body=query["body"],
        name=query["name"],
    )
    return page(rows, query["limit"], lambda r: r["cert_no"])
