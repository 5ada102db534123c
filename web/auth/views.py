"""Login and logout (登录 / 退出). The login audit events are recorded by
`scheduler.users.login`; this view parses the form, calls it and commits once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scheduler import users
from scheduler.db import db
from scheduler.throttle import LoginThrottled
from web.access import LOGGED_IN, public, roles
from web.auth import sessions
from web.i18n import select_locale

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target or "\\" in target or any(c.isspace() or ord(c) < 32 for c in target):
        return None  # browsers read "/\\evil" as "//evil" and drop tabs and newlines
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user) -> str:
    """Where a user lands after login: officers on their own inspections (/me/)."""
    if user.role == "officer":
        return url_for("workspace.index")
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    try:
        user = users.login(db.session, form.username.data, form.password.data, request.remote_addr)
    except LoginThrottled as exc:
        db.session.rollback()
        flash(exc.message.text(select_locale()), "error")
        page = render_template("auth/login.html", form=form)
        return page, 429, {"Retry-After": str(exc.retry_after)}
    db.session.commit()  # failures are audited (and counted) too
    if user is None:
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    session.clear()  # nothing of an anonymous session carries over into the login
    login_user(user)
    sessions.start()
    return redirect(_safe_next(request.args.get("next")) or home_for(user))


@bp.route("/logout", methods=["POST"])
@roles(*LOGGED_IN)
def logout():
    users.logout(db.session, current_user._get_current_object())  # every session of the user
    db.session.commit()
    sessions.end()
    return redirect(url_for("portal.home"))
