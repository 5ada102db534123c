"""Staff console (工作台): the landing page for logged-in users."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from scheduler.db import db
from scheduler.models import AuditEvent, Conflict, Entity, LeavePeriod, Officer
from web.access import LOGGED_IN, STAFF, roles

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@roles(*LOGGED_IN)
def index():
    return render_template("staff.html", user=current_user)


@bp.route("/directories")
@roles(*STAFF)
def directories():
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    counts = {
        "entities": count(Entity),
        "officers": count(Officer),
        "conflicts": count(Conflict),
        "leave": count(LeavePeriod),
        "audit": count(AuditEvent),
    }
    return render_template("directories.html", counts=counts)
