"""Authentication: tokens (revoked or expired: 401), roles (403), the browser session with
CSRF on unsafe methods, and every API route declaring its access rule."""

import datetime as dt
import time

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import ApiToken, User
from scheduler.users import create_user
from web.access import check_access_rules
from web.auth import sessions


def test_no_credentials_is_401_with_the_bearer_scheme(client):
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.get_json()["errors"][0]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header", ["Bearer fd_unknown", "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer  ", "fd_x"]
)
def test_a_bad_authorization_header_is_401_even_on_public_reads(client, header):
    for path in ("/api/v1/me", "/api/v1/plans"):
        resp = client.get(path, headers={"Authorization": header})
        assert resp.status_code == 401
        assert resp.get_json()["errors"][0]["code"] == "token_invalid"


def test_token_lifecycle_through_the_api(client, db_session, small_district, token):
    admin = token("admin")
    created = client.post(
        "/api/v1/tokens",
        json={"name": "platform", "role": "planner", "body": "SC", "days": 7},
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    secret, token_id = data["secret"], data["id"]
    assert data["status"] == "active" and data["body"] == "SC"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert (me["role"], me["body"], me["via"], me["csrf_token"]) == ("planner", "SC", "token", None)
    listing = client.get("/api/v1/tokens", headers=admin).get_json()["items"]
    assert secret not in str(listing)
    used = next(t for t in listing if t["id"] == token_id)
    assert used["last_used_at"] is not None
    revoked = client.delete(f"/api/v1/tokens/{token_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    again = client.delete(f"/api/v1/tokens/{token_id}", headers=admin)
    assert again.status_code == 409 and again.get_json()["errors"][0]["code"] == "token_revoked"
    assert client.get("/api/v1/tokens/999999", headers=admin).status_code == 404


def test_an_expired_token_is_401(client, db_session, small_district, token):
    headers = token("auditor")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row = db_session.scalar(select(ApiToken))
    row.expires_at = dt.datetime(2020, 1, 1)
    db_session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("role, body", [("planner", "SC"), ("auditor", None)])
def test_only_admins_manage_tokens(client, db_session, small_district, token, role, body):
    headers = token(role, body)
    assert client.get("/api/v1/tokens", headers=headers).status_code == 403
    resp = client.post("/api/v1/tokens", json={"name": "x", "role": "admin"}, headers=headers)
    assert resp.status_code == 403
    assert resp.get_json()["errors"][0]["code"] == "forbidden_role"


def test_token_create_validation_is_422_by_field(client, db_session, small_district, token):
    admin = token("admin")
    resp = client.post("/api/v1/tokens", json={"name": "x", "role": "planner"}, headers=admin)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "body"
    resp = client.post(
        "/api/v1/tokens", json={"name": "x", "role": "ceo", "extra": 1}, headers=admin
    )
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert resp.status_code == 422 and {"role", "extra"} <= fields
    resp = client.post("/api/v1/tokens", data="{", content_type="application/json", headers=admin)
    assert resp.status_code == 400 and resp.get_json()["errors"][0]["code"] == "malformed_json"
    resp = client.post("/api/v1/tokens", data="name=x", headers=admin)
    assert resp.status_code == 400 and resp.get_json()["errors"][0]["code"] == "not_json"
    big = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    resp = client.post("/api/v1/tokens", data=big, content_type="application/json", headers=admin)
    assert resp.status_code == 413 and resp.get_json()["errors"][0]["code"] == "too_large"


def _session_client(app, db_session, username="root", role="admin"):
    create_user(db_session, username, "password-123", role, actor=Actor.system("test"))
    db_session.commit()
    user = db_session.scalar(select(User).where(User.username == username))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # ID:SESSION_VERSION, as login_user stores it
        session["_fresh"] = True
        session[sessions.LOGIN_AT] = session[sessions.SEEN_AT] = time.time()
    return client


def test_the_browser_session_works_with_csrf_on_unsafe_methods(
    csrf_app, db_session, small_district
):
    client = _session_client(csrf_app, db_session)
    me = client.get("/api/v1/me").get_json()
    assert me["via"] == "session" and me["role"] == "admin" and me["csrf_token"]
    body = {"name": "from the browser", "role": "auditor"}
    refused = client.post("/api/v1/tokens", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["errors"][0]["code"] == "csrf_invalid"
    accepted = client.post("/api/v1/tokens", json=body, headers={"X-CSRFToken": me["csrf_token"]})
    assert accepted.status_code == 201


def test_token_requests_need_no_csrf(csrf_app, db_session, small_district, token):
    client = csrf_app.test_client()
    resp = client.post(
        "/api/v1/tokens", json={"name": "t", "role": "auditor"}, headers=token("admin")
    )
    assert resp.status_code == 201


def test_every_api_route_declares_its_access_rule(app):
    rules = check_access_rules(app)
    api = {e: r for e, r in rules.items() if e.startswith("api.")}
    assert api["api.list_plans"] == "public"
    assert api["api.create_token"] == "roles:admin"
    assert len(api) >= 10


def test_a_nul_character_is_refused_before_any_database_sees_it(
    client, db_session, small_district, token
):
    admin = token("admin")
    for resp in (
        client.get("/api/v1/plans/SC%00X"),
        client.get("/api/v1/officers?name=a%00b"),
        client.post("/api/v1/tokens", json={"name": "a\u0000b", "role": "admin"}, headers=admin),
    ):
        assert resp.status_code == 422
        assert resp.get_json()["errors"][0]["code"] == "nul_character"
