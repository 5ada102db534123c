"""Staff console (工作台): the landing page for logged-in users, the directories."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from scheduler.db import db
from scheduler.queries import directory_counts
from web.access import LOGGED_IN, STAFF, roles

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")


@bp.route("/")
@roles(*LOGGED_IN)
def index():
    return render_template("console/index.html", user=current_user)


@bp.route("/directories")
@roles(*STAFF)
def directories():
    counts = directory_counts(db.session, "entities", "officers", "conflicts", "leave", "audit")
    return render_template("console/directories.html", counts=counts)
