"""Public portal (公示平台): no login, nothing confidential.

What the public may see of a plan is decided by `scheduler.plans.public`; these views
only render it.
"""

from __future__ import annotations

import functools
import json

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import select

from scheduler.db import db
from scheduler.plans.public import public_bundle, public_commitment, public_plan
from scheduler.queries import directory_counts
from web.access import public

bp = Blueprint("portal", __name__, template_folder="templates")


@bp.route("/")
@public
def home():
    counts = directory_counts(db.session, "bodies", "officers", "active_entities")
    return render_template("portal/home.html", counts=counts)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@functools.lru_cache(maxsize=8)
def _bundle_json(code: str, published_at: str, digest: str, seed: str) -> bytes:
    """A published bundle never changes: build it once per plan and process (the key holds
    what would change if the plan were somehow altered)."""
    return json.dumps(public_bundle(db.session, code), ensure_ascii=False).encode()


@bp.route("/plans/<code>/bundle.json")
@public
def plan_bundle(code: str):
    """The public verification bundle (spec section 5), once the plan is published."""
    plan = public_plan(db.session, code)
    body = _bundle_json(code, plan.published_at.isoformat(), plan.population_digest, plan.seed)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'inline; filename="{code}-bundle.json"'
    return response


@bp.route("/plans/<code>/commitment.json")
@public
def plan_commitment(code: str):
    """What spec section 1 publishes at the freeze, before any seed exists: the population
    digest, the frozen time and the per-stratum sizes. No entity is named."""
    return jsonify(public_commitment(db.session, code))
