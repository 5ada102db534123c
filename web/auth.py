"""Login and logout (登录 / 退出)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scheduler import users
from scheduler.db import db
from web.access import LOGGED_IN, public, roles

bp = Blueprint("auth", __name__)


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
    return url_for("staff.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.login(db.session, form.username.data, form.password.data, request.remote_addr)
        db.session.commit()
        if user is None:
            flash(_("Wrong username or password."), "error")
            return render_template("login.html", form=form), 401
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles(*LOGGED_IN)
def logout():
    logout_user()
    return redirect(url_for("public.home"))
