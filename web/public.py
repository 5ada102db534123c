"""Public portal (公示平台): no login, nothing confidential."""

from __future__ import annotations

import functools

from flask import Blueprint, render_template
from sqlalchemy import func, select

from scheduler.db import db
from scheduler.models import Body, Entity, EntityStatus, Officer
from web.access import public

bp = Blueprint("public", __name__)


@bp.route("/")
@public
def home():
    counts = {
        "bodies": db.session.scalar(select(func.count()).select_from(Body)),
        "officers": db.session.scalar(select(func.count()).select_from(Officer)),
        "entities": db.session.scalar(
            select(func.count()).select_from(Entity).where(Entity.status == EntityStatus.ACTIVE)
        ),
    }
    return render_template("home.html", counts=counts)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@functools.lru_cache(maxsize=8)
def _bundle_json(code: str, published_at: str, digest: str, seed: str) -> bytes:
    """A published bundle never changes: build it once per plan and process."""
    import json

    from scheduler.plans import public as public_plans

    return json.dumps(public_plans.public_bundle(db.session, code), ensure_ascii=False).encode()


@bp.route("/plans/<code>/bundle.json")
@public
def plan_bundle(code: str):
    """The public verification bundle (spec section 5), once the plan is published."""
    from flask import abort, current_app

    from scheduler.models import Plan, PlanState

    plan = db.session.scalar(select(Plan).where(Plan.code == code))
    if plan is None or plan.state not in (PlanState.PUBLISHED, PlanState.CLOSED):
        abort(404)
    response = current_app.response_class(
        _bundle_json(code, plan.published_at.isoformat(), plan.population_digest, plan.seed),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = f'inline; filename="{code}-bundle.json"'
    return response


@bp.route("/plans/<code>/commitment.json")
@public
def plan_commitment(code: str):
    """What spec section 1 publishes at the freeze, before any seed exists: the population
    digest, the frozen time and the per-stratum sizes. No entity is named."""
    from flask import abort, jsonify

    from scheduler.errors import NotFound
    from scheduler.plans import public as public_plans

    try:
        return jsonify(public_plans.public_commitment(db.session, code))
    except NotFound:
        abort(404)
