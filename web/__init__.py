"""Flask app factory for Fairdraw: public portal, staff console, officer workspace, JSON API."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from scheduler import config as fd_config
from scheduler.db import db
from scheduler.models import User

LANGUAGES = ("zh", "en")
ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"),
    "planner": lazy_gettext("Planner"),
    "officer": lazy_gettext("Officer"),
    "auditor": lazy_gettext("Auditor"),
}

csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
babel = Babel()


def select_locale() -> str:
    """Chinese first: ?lang=, then the `lang` cookie, then the browser, then zh."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES) or "zh"


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
    from web import ui

    ui.init_app(app)  # filters, globals and footer of the one look (web/ui/)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None  # deactivation ends sessions

    from web import auth, public, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)

    from scheduler.cli import register_cli

    register_cli(app)

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

    from web.access import check_access_rules

    check_access_rules(app)
    return app
