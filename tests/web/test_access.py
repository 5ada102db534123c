"""Every route declares an access rule, and the app refuses to start otherwise."""

import pytest
from flask import Blueprint

from web.access import MissingAccessRule, check_access_rules, public, roles

PUBLIC_ENDPOINTS = {
    "static",
    "portal.home",
    "portal.healthz",
    "auth.login",
    "portal.plan_bundle",
    "portal.plan_commitment",
    "portal.plans",
    "portal.plan",
    "portal.verify_py",
    "portal.officers",
    "portal.officer",
    "portal.entities",
    "portal.entity",
    "portal.results",
    "portal.check",
}
# The JSON API's public reads, its document, its page and the page's assets.
API_PUBLIC_ENDPOINTS = {
    "api.static",
    "api.openapi_json",
    "api.docs",
    "api.list_plans",
    "api.get_plan",
    "api.get_commitment",
    "api.get_bundle",
    "api.list_inspections",
    "api.list_officers",
    "api.search_results",
    "api.entity_results",
    "api.check_notice",
}


def test_every_route_declares_a_rule(app):
    rules = check_access_rules(app)
    assert set(rules) == set(app.view_functions)
    public_now = {e for e, r in rules.items() if r == "public"}
    # A new public route must be added here on purpose: the public sees nothing confidential.
    assert public_now == PUBLIC_ENDPOINTS | API_PUBLIC_ENDPOINTS


def test_app_refuses_to_start_with_an_undeclared_route(migrated_url):
    from web import create_app

    bad = Blueprint("bad", __name__)

    @bad.route("/naked")
    def naked():
        return "no rule"

    app = create_app({"SQLALCHEMY_DATABASE_URI": migrated_url, "FAIRDRAW_ENV": "test"})
    app.register_blueprint(bad)
    with pytest.raises(MissingAccessRule, match="bad.naked"):
        check_access_rules(app)


def test_roles_rejects_unknown_role():
    with pytest.raises(ValueError):
        roles("superuser")


def test_public_marks_the_view():
    @public
    def view():
        return "x"

    assert view.access_rule == "public"
