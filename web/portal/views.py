"""Public portal (公示平台): no login, nothing confidential.

What the public may see is decided by `scheduler.plans.public` and
`scheduler.portal_queries`; these views only parse the query, load and render.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from scheduler import portal_queries as pq
from scheduler.config import ROOT
from scheduler.db import db
from scheduler.models import CertStatus, Entity, Inspection, Officer, Plan
from scheduler.plans.public import public_bundle, public_commitment, public_plan
from scheduler.queries import directory_counts
from web.access import public
from web.ui.filters import current_lang
from web.ui.states import state_label
from web.ui.tables import Column, Table

bp = Blueprint("portal", __name__, template_folder="templates")

VERIFY_PY = ROOT / "solver" / "verify.py"


def loc(zh: str, en: str) -> str:
    """The Chinese or English name of a thing, by the page's language."""
    return en if current_lang() == "en" else zh


@bp.context_processor
def portal_helpers():
    return {
        "loc": loc,
        "cert_label": lambda s: str(CERT_LABELS.get(s, s)),
        "entity_type_label": lambda t: str(ENTITY_TYPES.get(t, t)),
        "entity_status_label": lambda s: str(ENTITY_STATUSES.get(s, s)),
    }


ENTITY_TYPES = {
    "E": _l("Enterprise"),
    "I": _l("Individual business"),
    "C": _l("Farmer cooperative"),
}
ENTITY_STATUSES = {
    "active": _l("Active"),
    "deregistered": _l("Deregistered"),
    "revoked": _l("Licence revoked"),
}


def _body_options() -> list[tuple[str, str]]:
    return [(b.code, loc(b.name_zh, b.name_en)) for b in pq.bodies(db.session)]


def today_cst() -> dt.date:
    return dt.datetime.now(pq.CHINA).date()


def _text_arg(name: str, limit: int = 64) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:limit] or None


def _int_arg(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdecimal() and len(value) <= 4 else None


@bp.route("/")
@public
def home():
    counts = directory_counts(db.session, "bodies", "officers", "active_entities")
    year = today_cst().year
    return render_template(
        "portal/home.html",
        counts=counts,
        year=year,
        figures=pq.headline(db.session, year),
        plans=pq.latest_plans(db.session, 10),
    )


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


# ---------------------------------------------------------------------------------- plans

PLANS = Table(
    [
        Column("code", _l("Plan number"), sortable=True, kind="mono", value=lambda r: r[0].code),
        Column("name", _l("Name"), sortable=True, value=lambda r: r[0].name),
        Column(
            "lead_body",
            _l("Lead body"),
            value=lambda r: loc(r[0].lead_body.name_zh, r[0].lead_body.name_en),
        ),
        Column("window", _l("Window"), value=lambda r: f"{r[0].window_start} – {r[0].window_end}"),
        Column("inspections", _l("Inspections"), sortable=True, numeric=True),
        Column("state", _l("State"), kind="state", value=lambda r: r[0].state),
        Column(
            "published_at",
            _l("Published at"),
            sortable=True,
            kind="datetime",
            value=lambda r: r[0].published_at,
        ),
    ],
    default_sort="published_at",
    default_dir="desc",
)


@bp.route("/plans/")
@public
def plans():
    filters = pq.PlanFilters(
        body=_text_arg("body", 8),
        year=_int_arg("year"),
        state=_text_arg("state", 16),
        q=_text_arg("q"),
    )
    page = PLANS.paginate(pq.plans_select(filters), request.args, tiebreak=(Plan.id,))
    if page.format:
        return page.download("plans")
    return render_template(
        "portal/plans.html",
        page=page,
        filters=filters,
        body_options=_body_options(),
        year_options=[(y, y) for y in pq.plan_years(db.session)],
        state_options=[(s, state_label(s)) for s in pq.LISTED_STATES],
    )


ORIGINS = {"random": _l("Random draw"), "key": _l("Key supervision")}


def _inspection_status(plan: Plan, today: dt.date):
    """The public status word of a drawn inspection (its result once results exist)."""

    def status(row) -> str:
        if plan.state == pq.CANCELLED:
            return str(_l("Not carried out (plan cancelled)"))
        if row.visit_date is not None and row.visit_date < today:
            return str(_l("Result not yet disclosed"))
        return str(_l("To be inspected"))

    return status


def _inspections_table(plan: Plan, today: dt.date) -> Table:
    return Table(
        [
            Column("name", _l("Market entity"), sortable=True),
            Column("uscc", _l("Unified social credit code"), sortable=True, kind="mono"),
            Column("town", _l("Town"), value=lambda r: loc(r.town_zh, r.town_en)),
            Column("origin", _l("Why"), value=lambda r: str(ORIGINS[r.origin])),
            Column("status", _l("Status"), value=_inspection_status(plan, today)),
        ],
        default_sort="uscc",
        per_page=50,
    )


@bp.route("/plans/<code>")
@public
def plan(code: str):
    plan = pq.portal_plan(db.session, code)
    q = _text_arg("q")
    today = today_cst()
    table = _inspections_table(plan, today)
    page = table.paginate(
        pq.plan_inspections_select(plan, q), request.args, tiebreak=(Inspection.id,)
    )
    if page.format:
        return page.download(f"{plan.code}-inspections")
    commitment = public_commitment(db.session, plan.code)
    return render_template(
        "portal/plan.html",
        plan=plan,
        sealed=pq.is_sealed(plan),
        commitment=commitment,
        strata=pq.plan_strata(plan),
        items=pq.plan_items(plan),
        towns=pq.plan_towns(db.session, plan),
        origins=pq.plan_origin_counts(db.session, plan),
        page=page,
        q=q,
        cancel_reason=getattr(plan, "cancel_reason", None),
    )


@functools.lru_cache(maxsize=8)
def _bundle_json(code: str, published_at: str, digest: str, seed: str) -> bytes:
    """A published bundle never changes: build it once per plan and process (the key holds
    what would change if the plan were somehow altered)."""
    return json.dumps(public_bundle(db.session, code), ensure_ascii=False).encode()


def _bundle_etag(code: str, published_at: str, digest: str, seed: str) -> str:
    return hashlib.sha256(f"{code}|{published_at}|{digest}|{seed}".encode()).hexdigest()[:32]


@bp.route("/plans/<code>/bundle.json")
@public
def plan_bundle(code: str):
    """The public verification bundle (spec section 5), once the plan is published. It
    never changes, so it carries a validator (ETag, Last-Modified) and answers 304."""
    plan = public_plan(db.session, code)
    key = (code, plan.published_at.isoformat(), plan.population_digest, plan.seed)
    response = current_app.response_class(mimetype="application/json")
    response.set_etag(_bundle_etag(*key))
    response.last_modified = plan.published_at.replace(tzinfo=dt.UTC)
    response.cache_control.public = True
    response.cache_control.no_cache = True  # revalidate: a 304 costs nothing
    response.headers["Content-Disposition"] = f'inline; filename="{code}-bundle.json"'
    conditional = request.if_none_match or request.if_modified_since
    if conditional:
        response.make_conditional(request)
        if response.status_code == 304:
            return response
    response.set_data(_bundle_json(*key))
    return response


@bp.route("/plans/<code>/commitment.json")
@public
def plan_commitment(code: str):
    """What spec section 1 publishes at the freeze, before any seed exists: the population
    digest, the frozen time and the per-stratum sizes. No entity is named."""
    return jsonify(public_commitment(db.session, code))


@bp.route("/verify.py")
@public
def verify_py():
    """The standalone verifier (standard library only): `python3 verify.py bundle.json`."""
    response = current_app.response_class(VERIFY_PY.read_bytes(), mimetype="text/x-python")
    response.headers["Content-Disposition"] = 'attachment; filename="verify.py"'
    return response


# -------------------------------------------------------------------------------- officers

CERT_STATUSES = [s.value for s in CertStatus]
CERT_LABELS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
}


OFFICERS = Table(
    [
        Column("name", _l("Name"), sortable=True),
        Column("body", _l("Enforcement body"), value=lambda r: loc(r.body_zh, r.body_en)),
        Column("cert_no", _l("Certificate number"), sortable=True, kind="mono"),
        Column(
            "cert_status", _l("Certificate status"), value=lambda r: str(CERT_LABELS[r.cert_status])
        ),
        Column("cert_valid_from", _l("Valid from"), kind="date"),
        Column("cert_valid_to", _l("Valid to"), sortable=True, kind="date"),
    ],
    default_sort="cert_no",
)


@bp.route("/officers")
@public
def officers():
    status = _text_arg("status", 16)
    filters = pq.OfficerFilters(
        q=_text_arg("q"),
        body=_text_arg("body", 8),
        status=status if status in CERT_STATUSES else None,
    )
    page = OFFICERS.paginate(pq.officers_select(filters), request.args, tiebreak=(Officer.id,))
    if page.format:
        return page.download("officers")
    return render_template(
        "portal/officers.html",
        page=page,
        filters=filters,
        body_options=_body_options(),
        status_options=[(s, str(CERT_LABELS[s])) for s in CERT_STATUSES],
    )


@bp.route("/officers/<cert_no>")
@public
def officer(cert_no: str):
    today = today_cst()
    return render_template(
        "portal/officer.html", card=pq.officer_card(db.session, cert_no, today), today=today
    )


# -------------------------------------------------------------------------------- entities

ENTITIES = Table(
    [
        Column("name", _l("Market entity"), sortable=True),
        Column("uscc", _l("Unified social credit code"), sortable=True, kind="mono"),
        Column("town", _l("Town"), value=lambda r: loc(r.town_zh, r.town_en)),
    ],
    default_sort="name",
    per_page=20,
)


@bp.route("/entities/")
@public
def entities():
    """Look up a market entity by name (contains) or credit code."""
    q = _text_arg("q")
    if q and len(q) == 18:
        found = db.session.scalar(select(Entity.uscc).where(Entity.uscc == q.upper()))
        if found:
            return redirect(url_for("portal.entity", uscc=found))
    page = (
        ENTITIES.paginate(pq.entity_search_select(q), request.args, tiebreak=(Entity.id,))
        if q
        else None
    )
    return render_template("portal/entities.html", page=page, q=q)


@bp.route("/entities/<uscc>")
@public
def entity(uscc: str):
    today = today_cst()
    record = pq.entity_record(db.session, uscc, today)
    return render_template("portal/entity.html", record=record, today=today)
