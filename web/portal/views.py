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
from web.ui import charts
from web.ui.filters import current_lang
from web.ui.states import state_label
from web.ui.tables import Column, Page, Table

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
    today = today_cst()
    year = today.year
    results = pq.result_figures(db.session, year, today)
    months = [str(_l("Month %(m)s", m=m)) for m, _n, _p in results["months"]]
    chart = charts.line_chart(
        months,
        [
            (str(_l("Inspections disclosed")), [n for _m, n, _p in results["months"]]),
            (str(_l("Problems found")), [p for _m, _n, p in results["months"]]),
        ],
        title=str(_l("Inspections and findings per month, %(year)s", year=year)),
        x_label=str(_l("Month")),
        y_label=str(_l("Inspections")),
    )
    return render_template(
        "portal/home.html",
        counts=counts,
        year=year,
        figures=pq.headline(db.session, year),
        results=results,
        chart=chart,
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


def _inspection_status(plan: Plan, today: dt.date, disclosed: dict):
    """The public status of a drawn inspection: its disclosed result categories, else a
    word (`disclosed` is filled with the page's results once the page is known)."""

    def status(row) -> str:
        if row.id in disclosed:
            return "、".join(loc(zh, en) for zh, en in disclosed[row.id])
        if plan.state == pq.CANCELLED:
            return str(_l("Not carried out (plan cancelled)"))
        if row.visit_date is not None and row.visit_date < today:
            return str(_l("Result not yet disclosed"))
        return str(_l("To be inspected"))

    return status


def _inspections_table(plan: Plan, today: dt.date, disclosed: dict) -> Table:
    return Table(
        [
            Column("name", _l("Market entity"), sortable=True),
            Column("uscc", _l("Unified social credit code"), sortable=True, kind="mono"),
            Column("town", _l("Town"), value=lambda r: loc(r.town_zh, r.town_en)),
            Column("origin", _l("Why"), value=lambda r: str(ORIGINS[r.origin])),
            Column("status", _l("Status"), value=_inspection_status(plan, today, disclosed)),
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
    disclosed: dict = {}
    table = _inspections_table(plan, today, disclosed)
    page = table.paginate(
        pq.plan_inspections_select(plan, q), request.args, tiebreak=(Inspection.id,)
    )
    disclosed.update(pq.disclosed_categories(db.session, [row.id for row in page.items]))
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
    from scheduler.results.queries import entity_history

    record = pq.entity_record(db.session, uscc, today)
    history = entity_history(db.session, record.entity.uscc)
    return render_template("portal/entity.html", record=record, today=today, history=history)


# --------------------------------------------------------------------------------- results


def _row_categories(row) -> str:
    return "、".join(loc(c["zh"], c["en"]) for c in row["categories"])


RESULTS = Table(
    [
        Column("plan", _l("Plan")),
        Column("entity", _l("Market entity")),
        Column("body", _l("Inspecting body"), value=lambda r: loc(r["body_zh"], r["body_en"])),
        Column("origin", _l("Type"), value=lambda r: str(ORIGINS[r["origin"]])),
        Column("inspected_on", _l("Date completed"), kind="date"),
        Column("categories", _l("Result"), value=_row_categories),
        Column("public_summary", _l("Remark")),
    ],
    per_page=20,
    per_page_choices=(20, 50, 100),
)


def _date_arg(name: str, errors: dict) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors[name] = str(_l("Enter a date as YYYY-MM-DD, e.g. 2027-03-01."))
        return None


@bp.route("/results")
@public
def results():
    """Search the disclosed results (结果公示查询); CSV/XLSX of the rows shown."""
    from scheduler.results.queries import PublicFilters, public_search

    errors: dict[str, str] = {}
    q = _text_arg("q") or ""
    targs = RESULTS.parse(request.args)
    code_like = len(q) == 18 and q.isalnum()
    filters = PublicFilters(
        name="" if code_like else q,
        uscc=q.upper() if code_like else "",
        body=_text_arg("body", 8) or "",
        item_category=_text_arg("item_category") or "",
        town=_text_arg("town", 8) or "",
        category=_text_arg("category", 24) or "",
        date_from=_date_arg("date_from", errors),
        date_to=_date_arg("date_to", errors),
        page=targs.page,
        per_page=targs.per_page,
    )
    found = public_search(db.session, filters)
    if found.page > found.pages:  # past the end: show the last page
        filters.page = found.pages
        found = public_search(db.session, filters)
    page = Page(RESULTS, found.rows, found.total, min(found.page, found.pages), found.pages, targs)
    if page.format:
        return page.download("results")
    form = {
        k: request.args.get(k, "")
        for k in ("q", "body", "item_category", "town", "category", "date_from", "date_to")
    }
    return render_template(
        "portal/results.html",
        page=page,
        form=form,
        errors=errors,
        labels={"date_from": _l("Completed from"), "date_to": _l("Completed until")},
        body_options=_body_options(),
        category_options=[(c, c) for c in pq.item_categories(db.session, current_lang())],
        town_options=[(t.code, loc(t.name_zh, t.name_en)) for t in pq.towns(db.session)],
        result_options=[
            (c.code, loc(c.name_zh, c.name_en)) for c in pq.result_categories(db.session)
        ],
    )


@bp.route("/check/<token>")
@public
def check(token: str):
    """The inspection check page the notice's QR code opens (检查真伪核验)."""
    from scheduler.results.officer import inspection_by_check_token

    found = inspection_by_check_token(db.session, token)
    day = found["visit_date"] or today_cst()
    return render_template(
        "portal/check.html",
        check=found,
        team=pq.team_certificates(db.session, found["team"], day, today_cst()),
    )
