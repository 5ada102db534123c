"""Flask app factory for Fairdraw: public portal, staff console, officer workspace, JSON API.

Each area is a package with its views, its `templates/<area>/` folder and its Chinese
strings (`zh.py`): `web.portal`, `web.auth`, `web.console`, `web.workspace`, and `web.api`
(the JSON API, `/api/v1`). One error handler (`web.errors`) serves every area. A view
reads in the same order everywhere: load, authorize, parse, operate, render, with one
commit point.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from scheduler import config as fd_config
from scheduler.db import db
from scheduler.db_version import SchemaBehind, ensure_current
from scheduler.errors import Msg
from scheduler.models import User
from web.i18n import LANGUAGES, select_locale

ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"),
    "planner": lazy_gettext("Planner"),
    "officer": lazy_gettext("Officer"),
    "auditor": lazy_gettext("Auditor"),
}
SCHEMA_BEHIND = Msg(
    "服务暂不可用：数据库尚未迁移，请管理员运行 flask db upgrade",
    "Service unavailable: the database has not been migrated; an administrator must run "
    "`flask db upgrade`",
)

csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
babel = Babel()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(fd_config.INSTANCE))
    app.config.update(fd_config.load(config))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(fd_config.ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    from web import security, ui
    from web.auth import sessions

    security.init_app(app)  # headers, proxy, the input guard before every other hook
    sessions.init_app(app)  # idle and absolute session expiry
    ui.init_app(app)  # filters, globals and footer of the one look (web/ui/)

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """`ID:VERSION` (`User.get_id`): a session whose version is not the user's current
        one (after a logout or a deactivation) loads nobody."""
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    from web.api import views as api
    from web.auth import views as auth
    from web.console import views as console
    from web.portal import views as portal
    from web.workspace import views as workspace

    for area in (portal, auth, console, workspace, api):
        app.register_blueprint(area.bp)
    csrf.exempt(api.bp)  # token requests need none; session requests are checked in web.api

    from scheduler.cli import register_cli

    register_cli(app)

    from web import errors

    errors.register_error_handlers(app)

    schema = {"current": False}

    @app.before_request
    def refuse_unmigrated_database():
        """Serve nothing until the schema is at the migrations' head (checked until it is,
        then never again in this process). The CLI is not concerned: `flask db upgrade`
        runs on any database, the domain commands check for themselves."""
        if schema["current"] or not app.config.get("FAIRDRAW_CHECK_SCHEMA", True):
            return None
        try:
            ensure_current(db.engine)
        except SchemaBehind as exc:
            app.logger.error("%s", exc.message.en)
            return errors.error_response(503, SCHEMA_BEHIND, "schema_behind")
        schema["current"] = True
        return None

    @app.context_processor
    def inject_helpers():
        return {"role_label": lambda role: ROLE_LABELS.get(role, role)}

    @app.before_request
    def remember_lang():
        g.lang = select_locale()

    @app.after_request
    def set_lang_cookie(response):
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, samesite="Lax", httponly=True)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    from web import access

    access.check_access_rules(app)
    return app
