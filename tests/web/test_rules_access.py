"""Every page's door (页面访问规则), for every role: each GET route without parameters is
opened anonymously and as each role, and must answer as its declared rule says: a public
page to anyone; a `@roles(...)` page sends a visitor to the login, refuses (403) a role
it does not list and serves one it does. Routes added later are covered as they come.
"""

from __future__ import annotations

import pytest

from scheduler.models import Role
from scheduler.users import create_user
from tests.districts import SYSTEM, District

PASSWORD = "rules-pass-2026"
ROLES = [r.value for r in Role]


@pytest.fixture
def web(app, migrated_url):
    """A second app on the test database, outside the fixture's app context, so that each
    request gets its own `g` (Flask-Login keeps the user there) as in production."""
    from web import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": migrated_url,
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.fixture
def accounts(db_session):
    officer = District(db_session).officer()
    for role in ROLES:
        create_user(
            db_session,
            f"rt-{role}",
            PASSWORD,
            role,
            body_code="SC" if role == "planner" else None,
            cert_no=officer.cert_no if role == "officer" else None,
            actor=SYSTEM,
        )
    db_session.commit()


def _pages(app):
    """(path, endpoint, rule) of every GET route without parameters, logout excepted."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        out.append((rule.rule, rule.endpoint, view.access_rule))
    return sorted(out)


def _login(client, role):
    resp = client.post("/login", data={"username": f"rt-{role}", "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def test_every_page_answers_as_its_rule_says(web, accounts):
    app = web
    pages = _pages(app)
    assert any(r == "public" for _, _, r in pages) and any(r != "public" for _, _, r in pages)
    anonymous = app.test_client()
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        _login(clients[role], role)
    for path, endpoint, rule in pages:
        resp = anonymous.get(path)
        if rule == "public":
            assert resp.status_code not in (401, 403), (path, resp.status_code)
            sent_to_login = "/login" in resp.headers.get("Location", "")
            assert not sent_to_login or path == "/login", path
        elif path.startswith("/api/"):  # machines get 401 and the error envelope
            assert resp.status_code == 401 and resp.get_json()["errors"], path
        else:
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
        for role, client in clients.items():
            resp = client.get(path)
            allowed = rule == "public" or role in rule.removeprefix("roles:").split(",")
            if allowed:
                assert resp.status_code not in (401, 403), (path, role, resp.status_code)
                assert not (
                    resp.status_code == 302 and "/login" in resp.headers.get("Location", "")
                ), (path, role)
            else:
                assert resp.status_code == 403, (path, endpoint, role, resp.status_code)


def test_staff_pages_are_closed_to_officers(web, accounts):
    app = web
    """The staff directories: admin, planner, auditor; never an officer."""
    for role in ROLES:
        client = app.test_client()
        _login(client, role)
        status = client.get("/staff/directories").status_code
        assert status == (403 if role == "officer" else 200), role


def test_a_deactivated_user_is_logged_out(web, db_session, accounts):
    app = web
    from sqlalchemy import text

    client = app.test_client()
    _login(client, "planner")
    assert client.get("/staff/directories").status_code == 200
    db_session.execute(
        text("UPDATE \"user\" SET active = :f WHERE username = 'rt-planner'"), {"f": False}
    )
    db_session.commit()
    resp = client.get("/staff/directories")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
