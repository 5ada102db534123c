"""Officer workspace (执法人员工作台, `/me/`): an officer's own inspections on a phone: the
list (today and upcoming, to enter, returned, done) with a week calendar, an inspection's
page (entity, check points, team, notice with its QR code, result form, photos), and the
declaration of a conflict (回避). `@inspection_access` loads the inspection and answers
404 to anyone not on its team."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from scheduler.db import db
from scheduler.errors import FairdrawError, Invalid, Msg
from scheduler.models import Assignment, AssignmentEnd, ResultAttachment, ResultState
from scheduler.plans import recusal
from scheduler.results import lifecycle, officer
from scheduler.results.core import ResultInput, categories, today_cst
from web.access import current_actor, roles

bp = Blueprint("workspace", __name__, url_prefix="/me", template_folder="templates")

EDITABLE_STATES = (
    ResultState.NOT_ENTERED.value,
    ResultState.DRAFT.value,
    ResultState.SUBMITTED.value,
    ResultState.RETURNED.value,
)


def inspection_access(view):
    """An officer's own inspection: loads it (with the body his or her team is of) and
    passes it to the view as `insp`, `body_id`; anyone else gets 404, whether the id
    exists or not (a guessed id, another officer's, another body's plan)."""

    @functools.wraps(view)
    def wrapped(inspection_id: int, *args, **kwargs):
        insp, body_id = officer.own_inspection(db.session, current_actor(), inspection_id)
        return view(insp, body_id, *args, **kwargs)

    return roles("officer")(wrapped)


def _lang_text(msg: Msg) -> str:
    from web.i18n import select_locale

    return msg.text(select_locale())


@bp.route("/")
@roles("officer")
def index():
    today = today_cst()
    groups = officer.my_inspections(db.session, current_actor(), today)
    try:
        monday = dt.date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        monday = today
    monday -= dt.timedelta(days=monday.weekday())
    return render_template(
        "workspace/index.html",
        groups=groups,
        week=officer.week(groups, monday),
        monday=monday,
        today=today,
        prev_week=(monday - dt.timedelta(days=7)).isoformat(),
        next_week=(monday + dt.timedelta(days=7)).isoformat(),
    )


def _page(insp, body_id, form=None, errors=None, status=200):
    result = officer.result_of(db.session, insp, body_id)
    state = result.state if result else ResultState.NOT_ENTERED.value
    version = lifecycle.current_version(result) if result else None
    if form is None:  # what is stored
        form = {
            "category": [c.code for c in version.categories] if version else [],
            "inspected_on": version.inspected_on.isoformat()
            if version and version.inspected_on
            else (insp.visit_date.isoformat() if insp.visit_date else ""),
            "findings": version.findings if version else "",
            "public_summary": version.public_summary if version else "",
            "follow_up": version.follow_up if version else "",
            "follow_up_due": version.follow_up_due.isoformat()
            if version and version.follow_up_due
            else "",
        }
    cats = categories(db.session)
    check_url = request.host_url.rstrip("/") + "/check/" + (insp.check_token or "")
    return (
        render_template(
            "workspace/inspection.html",
            insp=insp,
            body_id=body_id,
            result=result,
            state=state,
            version=version,
            editable=state in EDITABLE_STATES or state == ResultState.DISCLOSED.value,
            items=officer.items_of(insp),
            team=officer.team(db.session, insp),
            attachments=officer.attachments_of(db.session, result),
            categories=[(c.code, c.name_en if _is_en() else c.name_zh) for c in cats.values()],
            form=form,
            errors=errors or {},
            check_url=check_url,
            today=today_cst(),
        ),
        status,
    )


def _is_en() -> bool:
    from web.i18n import select_locale

    return (select_locale() or "").startswith("en")


@bp.route("/inspections/<int:inspection_id>")
@inspection_access
def inspection(insp, body_id):
    return _page(insp, body_id)


def _errors(exc: FairdrawError) -> dict[str, str]:
    lang = "en" if _is_en() else "zh"
    out: dict[str, str] = {}
    for d in exc.details:
        d = d if isinstance(d, dict) else {"message": d}
        key = d.get("field") or "_form"
        key = "category" if key == "categories" else key
        text = d["message"].text(lang)
        out[key] = f"{out[key]} {text}" if key in out else text
    if not out:
        out["_form"] = exc.message.text(lang)
    return out


@bp.route("/inspections/<int:inspection_id>/result", methods=["POST"])
@inspection_access
def save_result(insp, body_id):
    actor = current_actor()
    form = {
        "category": request.form.getlist("category"),
        **{
            k: request.form.get(k, "")
            for k in (
                "inspected_on",
                "findings",
                "public_summary",
                "follow_up",
                "follow_up_due",
            )
        },
    }
    action = request.form.get("action", "save")
    code, uscc = insp.plan.code, insp.uscc
    try:
        data = ResultInput.from_strings(
            form["category"],
            form["inspected_on"],
            form["findings"],
            form["public_summary"],
            form["follow_up"],
            form["follow_up_due"],
        )
        lifecycle.save_draft(
            db.session,
            code,
            uscc,
            data,
            actor,
            follow_up=request.form.get("follow_up_entry") == "1",
        )
        if action == "submit":
            lifecycle.submit(db.session, code, uscc, actor)
    except Invalid as exc:
        db.session.rollback()
        return _page(insp, body_id, form=form, errors=_errors(exc), status=422)
    except FairdrawError as exc:
        db.session.rollback()
        return _page(
            insp, body_id, form=form, errors={"_form": _lang_text(exc.message)}, status=exc.status
        )
    db.session.commit()
    if action == "submit":
        flash((_("Result submitted."), _("A planner of your body will review it.")), "ok")
    else:
        flash((_("Draft saved."), _("Submit it when it is complete.")), "ok")
    return redirect(url_for("workspace.inspection", inspection_id=insp.id))


@bp.route("/inspections/<int:inspection_id>/photos", methods=["POST"])
@inspection_access
def upload_photo(insp, body_id):
    files = [f for f in request.files.getlist("photo") if f and f.filename]
    if not files:
        return _page(insp, body_id, errors={"photo": _("Choose a photo first.")}, status=422)
    folder = Path(current_app.config["FAIRDRAW_ATTACHMENTS_DIR"])
    try:
        for f in files:
            content = f.read(lifecycle.MAX_ATTACHMENT_BYTES + 1)
            lifecycle.add_attachment(
                db.session,
                insp.plan.code,
                insp.uscc,
                current_actor(),
                f.filename,
                content,
                f.mimetype,
                folder,
            )
    except FairdrawError as exc:
        db.session.rollback()
        return _page(insp, body_id, errors={"photo": _lang_text(exc.message)}, status=exc.status)
    db.session.commit()
    flash((_("Photo uploaded."), _("It is kept with the result (staff only).")), "ok")
    return redirect(url_for("workspace.inspection", inspection_id=insp.id) + "#photos")


@bp.route("/inspections/<int:inspection_id>/attachments/<int:attachment_id>")
@inspection_access
def attachment(insp, body_id, attachment_id):
    result = officer.result_of(db.session, insp, body_id)
    row = db.session.get(ResultAttachment, attachment_id)
    if result is None or row is None or row.result_id != result.id:
        abort(404)
    path = lifecycle.attachment_path(
        Path(current_app.config["FAIRDRAW_ATTACHMENTS_DIR"]), row.sha256
    )
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=row.content_type, download_name=row.name, max_age=0)


@bp.route("/inspections/<int:inspection_id>/recuse", methods=["POST"])
@inspection_access
def recuse(insp, body_id):
    actor = current_actor()
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _page(
            insp, body_id, errors={"reason": _("Give the reason for the conflict.")}, status=422
        )
    if len(reason) > 500:
        return _page(insp, body_id, errors={"reason": _("At most 500 characters.")}, status=422)
    try:
        new = recusal.replace_member(
            db.session,
            insp.plan.code,
            insp.uscc,
            actor.cert_no,
            AssignmentEnd.RECUSAL_OFFICER,
            reason,
            actor,
        )
    except FairdrawError as exc:
        db.session.rollback()
        return _page(insp, body_id, errors={"reason": _lang_text(exc.message)}, status=exc.status)
    db.session.commit()
    if new is not None:
        replacement = db.session.scalar(select(Assignment).where(Assignment.id == new.id)).officer
        flash(
            (
                _("You are off the team of %(entity)s.", entity=insp.entity.name),
                _("%(name)s replaces you.", name=replacement.name),
            ),
            "ok",
        )
    else:
        flash(
            (
                _("You are off the team of %(entity)s.", entity=insp.entity.name),
                _("Nobody could replace you yet; the planner has been told."),
            ),
            "warning",
        )
    return redirect(url_for("workspace.index"))
