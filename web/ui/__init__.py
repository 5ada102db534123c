"""The one look of Fairdraw's three faces (public portal, staff console, officer workspace):
Jinja filters and globals behind `templates/base.html` and `templates/macros.html`.

`init_app(app)` registers them; pages then `{% import "macros.html" as ui %}`.
Usage of every macro, filter and helper: web/ui/README.md.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_babel import gettext as _

from web.ui import filters
from web.ui.filters import current_lang, url_with
from web.ui.qr import qr_svg
from web.ui.states import RESULT_STATES, STATES, badge_html, state_info, state_label

# Site identification in the footer (网站标识码, ICP 备案号): config key -> demo default.
# Each may be set in the app config or as an environment variable of the same name.
SITE_DEFAULTS = {
    "FAIRDRAW_SITE_HOST": "演示区人民政府办公室",
    "FAIRDRAW_SITE_CONTACT": "联系电话：0000-00000000（演示数据）",
    "FAIRDRAW_SITE_ID": "0000000000",
    "FAIRDRAW_SITE_ICP": "演示ICP备00000000号",
}
ICP_URL = "https://beian.miit.gov.cn/"

# Blueprint name -> face. Other blueprints get the public portal's face.
FACES = {
    "console": "console",
    "workspace": "workspace",
}


def ui_face() -> str:
    """The body class suffix of the current page: portal, console or workspace."""
    try:
        blueprint = request.blueprint or ""
    except RuntimeError:
        return "portal"
    return FACES.get(blueprint.split(".")[0], "portal")


def lang_url(lang: str) -> str:
    """The current page (path and query kept) in another language."""
    return url_with(lang=lang)


def plan_timeline(plan) -> list[dict]:
    """The commitment steps of a plan for `ui.timeline`: frozen (with the population
    digest), seed (with the seed), drawn, published. Steps not reached have `at` None."""
    return [
        {
            "key": "frozen",
            "at": plan.frozen_at,
            "digest": plan.population_digest,
            "digest_label": _("Population digest (SHA-256)"),
        },
        {
            "key": "seed",
            "at": plan.seeded_at,
            "digest": plan.seed,
            "digest_label": _("Seed"),
        },
        {"key": "drawn", "at": plan.drawn_at},
        {"key": "published", "at": plan.published_at},
    ]


def init_app(app: Flask) -> None:
    """Register the filters, globals and site identification of the UI kit."""
    for key, default in SITE_DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(key) or default)

    app.jinja_env.filters.update(filters.FILTERS)
    app.jinja_env.globals.update(
        ui_lang=current_lang,
        ui_face=ui_face,
        ui_badge=badge_html,
        ui_state=state_info,
        ui_states=STATES,
        ui_result_states=RESULT_STATES,
        state_label=state_label,
        url_with=url_with,
        lang_url=lang_url,
        qr_svg=qr_svg,
        ui_args=lambda: request.args,
        plan_timeline=plan_timeline,
    )

    @app.context_processor
    def site_identification():
        config = app.config
        return {
            "site": {
                "host": config["FAIRDRAW_SITE_HOST"],
                "contact": config["FAIRDRAW_SITE_CONTACT"],
                "site_id": config["FAIRDRAW_SITE_ID"],
                "icp": config["FAIRDRAW_SITE_ICP"],
                "icp_url": ICP_URL,
            }
        }
