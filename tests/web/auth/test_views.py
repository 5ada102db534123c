"""Login and logout: audited attempts, safe redirects, CSRF, cookies, deactivation."""

import pytest


def test_login_logout_cycle(client, users, login):
    resp = login(client, "plan1", "planner-pass-1")
    assert resp.status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert "plan1" in page
    assert client.get("/staff/directories").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_and_audited(client, users, db_session, login):
    from sqlalchemy import select

    from scheduler.models import AuditEvent

    resp = login(client, "plan1", "wrong-password")
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


def test_session_cookie_is_httponly_and_samesite(client, users, login):
    resp = login(client, "plan1", "planner-pass-1")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example"])
def test_backslash_and_control_redirects_are_ignored(client, users, target):
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "plan1", "password": "planner-pass-1"},
    )
    assert resp.headers["Location"].endswith("/staff/")


def test_control_characters_in_next_are_refused(client, users):
    resp = client.post(
        "/login",
        query_string={"next": "/\t/evil.example"},
        data={"username": "plan1", "password": "planner-pass-1"},
    )
    assert resp.status_code == 400 and "Location" not in resp.headers


def test_deactivated_user_loses_an_open_session(csrf_app, users, db_session):
    # A separate app, so that each request has its own context as in production.
    import time

    from scheduler.models import User

    client = csrf_app.test_client()
    user = db_session.query(User).filter_by(username="plan1").one()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_fd_login_at"] = session["_fd_seen_at"] = time.time()
    assert client.get("/staff/").status_code == 200
    user.active = False
    db_session.commit()
    assert client.get("/staff/").status_code == 302
