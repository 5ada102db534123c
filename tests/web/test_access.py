"""Every route declares an access rule; roles are enforced; forms carry CSRF."""

import pytest
from flask import Blueprint

from scheduler.actors import Actor
from scheduler.users import create_user
from web.access import MissingAccessRule, check_access_rules, public, roles

ACTOR = Actor.system("test")

PUBLIC_ENDPOINTS = {
    "static",
    "public.home",
    "public.healthz",
    "auth.login",
    "public.plan_bundle",
    "public.plan_commitment",
}


def test_every_route_declares_a_rule(app):
    rules = check_access_rules(app)
    assert set(rules) == set(app.view_functions)
    public_now = {e for e, r in rules.items() if r == "public"}
    # A new public route must be added here on purpose: the public sees nothing confidential.
    assert public_now == PUBLIC_ENDPOINTS


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


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def users(db_session):
    create_user(db_session, "plan1", "planner-pass-1", "planner", body_code="SC", actor=ACTOR)
    create_user(db_session, "audit1", "auditor-pass-1", "auditor", actor=ACTOR)
    db_session.commit()


def test_staff_page_needs_login(client):
    resp = client.get("/staff/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_login_logout_cycle(client, users):
    resp = _login(client, "plan1", "planner-pass-1")
    assert resp.status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert "plan1" in page
    assert client.get("/staff/directories").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_and_audited(client, users, db_session):
    from sqlalchemy import select

    from scheduler.models import AuditEvent

    resp = _login(client, "plan1", "wrong-password")
    assert resp.status_code == 401
    assert client.get("/staff/").status_code == 302
    kinds = db_session.scalars(select(AuditEvent.kind)).all()
    assert "user_login_failed" in kinds


def test_open_redirect_after_login_is_ignored(client, users):
    resp = client.post(
        "/login?next=https://evil.example/x",
        data={"username": "plan1", "password": "planner-pass-1"},
    )
    assert resp.headers["Location"].endswith("/staff/")


def test_officer_role_cannot_open_staff_directories(client, db_session):
    from scheduler.models import Body, Officer, Unit

    body = db_session.query(Body).filter_by(code="SC").one()
    unit = db_session.query(Unit).filter_by(code="SC-TJ").one()
    import datetime as dt

    db_session.add(
        Officer(
            cert_no="37028201000001",
            name="张三",
            body=body,
            unit=unit,
            cert_valid_from=dt.date(2024, 1, 1),
            cert_valid_to=dt.date(2029, 1, 1),
        )
    )
    db_session.flush()
    create_user(
        db_session, "off1", "officer-pass-1", "officer", cert_no="37028201000001", actor=ACTOR
    )
    db_session.commit()
    _login(client, "off1", "officer-pass-1")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/directories").status_code == 403


def test_login_form_requires_csrf_token(csrf_app, users):
    import re

    client = csrf_app.test_client()
    refused = client.post("/login", data={"username": "plan1", "password": "planner-pass-1"})
    assert refused.status_code == 400
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    ok = client.post(
        "/login", data={"username": "plan1", "password": "planner-pass-1", "csrf_token": token}
    )
    assert ok.status_code == 302
    # Logging out is a POST form too and needs the token.
    assert client.post("/logout").status_code == 400


def test_session_cookie_is_httponly_and_samesite(client, users):
    resp = _login(client, "plan1", "planner-pass-1")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "//evil.example"])
def test_backslash_and_control_redirects_are_ignored(client, users, target):
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "plan1", "password": "planner-pass-1"},
    )
    assert resp.headers["Location"].endswith("/staff/")


def test_deactivated_user_loses_an_open_session(csrf_app, users, db_session):
    from scheduler.models import User

    # A separate app, so that each request has its own context as in production.
    client = csrf_app.test_client()
    user = db_session.query(User).filter_by(username="plan1").one()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert client.get("/staff/").status_code == 200
    user.active = False
    db_session.commit()
    assert client.get("/staff/").status_code == 302
