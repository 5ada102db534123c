"""Sessions end on the server side: logout and deactivation revoke every cookie of the
user, idle and absolute expiry, a CSRF token with a lifetime, throttled logins."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent, User
from web.auth import sessions


def _cookie(client):
    return client.get_cookie("session").value


def _client_with(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_saved_cookie_is_dead_after_logout(app, users, login):
    client = app.test_client()
    assert login(client, "plan1", "planner-pass-1").status_code == 302
    saved = _cookie(client)
    assert _client_with(app, saved).get("/staff/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert _client_with(app, saved).get("/staff/").status_code == 302


def _csrf_login(client, username, password):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_deactivation_revokes_sessions_and_logins(app, csrf_app, users, db_session):
    # csrf_app: each request has its own session, as in production.
    client = csrf_app.test_client()
    assert _csrf_login(client, "plan1", "planner-pass-1").status_code == 302
    assert client.get("/staff/").status_code == 200
    result = app.test_cli_runner().invoke(args=["user", "deactivate", "plan1"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    assert _csrf_login(csrf_app.test_client(), "plan1", "planner-pass-1").status_code == 401
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.subject == "plan1"))
    assert "user_deactivated" in set(kinds)
    again = app.test_cli_runner().invoke(args=["user", "deactivate", "nobody"])
    assert again.exit_code == 1 and "nobody" in again.output


def test_idle_and_absolute_expiry(app, users, login, monkeypatch):
    now = [time.time()]
    monkeypatch.setattr(sessions, "_now", lambda: now[0])
    idle = app.config["FAIRDRAW_SESSION_IDLE_MINUTES"] * 60
    client = app.test_client()
    login(client, "plan1", "planner-pass-1")
    now[0] += idle - 5
    assert client.get("/staff/").status_code == 200  # activity renews the idle clock
    now[0] += idle - 5
    assert client.get("/staff/").status_code == 200
    now[0] += idle + 5
    expired = client.get("/staff/")
    assert expired.status_code == 302 and "/login" in expired.headers["Location"]
    page = client.get(expired.headers["Location"]).get_data(as_text=True)
    assert "会话已过期" in page or "session has expired" in page

    login(client, "plan1", "planner-pass-1")
    started = now[0]
    limit = app.config["FAIRDRAW_SESSION_MAX_HOURS"] * 3600
    steps = int(limit // (idle - 60)) + 1
    for _ in range(steps):  # always active, never idle: the absolute limit still ends it
        now[0] += idle - 60
        if client.get("/staff/").status_code == 302:
            break
    else:
        pytest.fail("the session outlived its absolute limit")
    assert limit < now[0] - started <= limit + idle


def test_csrf_tokens_expire_after_four_hours(csrf_app, users, monkeypatch):
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] == 4 * 3600
    import itsdangerous.timed

    client = csrf_app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    later = int(time.time()) + 4 * 3600 + 60
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    stale = client.post(
        "/login", data={"username": "plan1", "password": "planner-pass-1", "csrf_token": token}
    )
    assert stale.status_code == 400


def test_throttled_login_page_says_so(app, users, login):
    client = app.test_client()
    for _ in range(3):
        assert login(client, "plan1", "wrong-password").status_code == 401
    refused = login(client, "plan1", "planner-pass-1")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "秒后再试" in text or "seconds" in text
    assert client.get("/staff/").status_code == 302


def test_session_version_is_bumped_by_logout(app, users, login, db_session):
    client = app.test_client()
    login(client, "plan1", "planner-pass-1")
    before = db_session.scalar(select(User.session_version).where(User.username == "plan1"))
    client.post("/logout")
    db_session.expire_all()
    after = db_session.scalar(select(User.session_version).where(User.username == "plan1"))
    assert after == before + 1
