"""Directories and users over the API: import all-or-nothing with row and column, export
for admins and auditors, accounts for admins."""

import io

from sqlalchemy import select

from scheduler.models import Entity, User


def _upload(client, kind, content: bytes, name, headers):
    return client.post(
        f"/api/v1/directories/{kind}",
        data={"file": (io.BytesIO(content), name)},
        headers=headers,
    )


def test_export_then_import_round_trips(client, db_session, small_district, token):
    admin = token("admin")
    exported = client.get("/api/v1/directories/entities?format=csv", headers=admin)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    resp = _upload(client, "entities", exported.get_data(), "entities.csv", admin)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["rows"] == data["unchanged"] == 402 and data["created"] == 0
    xlsx = client.get("/api/v1/directories/officers?format=xlsx", headers=token("auditor"))
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_a_bad_file_writes_nothing_and_names_row_and_column(
    client, db_session, small_district, token
):
    admin = token("admin")
    before = db_session.scalar(select(Entity).where(Entity.name == "新主体"))
    csv = (
        "uscc,name,type,industry,town,registered_on\n"
        "913702820000011D02,新主体,E,F,TJ,2020-01-01\nBAD,坏行,Q,F,TJ,2020-13-01\n"
    )
    resp = _upload(client, "entities", csv.encode(), "e.csv", admin)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert errors[0]["code"] == "import_invalid"
    assert any(e.get("row") == 3 for e in errors[1:])
    assert (
        before is None and db_session.scalar(select(Entity).where(Entity.name == "新主体")) is None
    )


def test_directory_scopes_and_unknown_kinds(client, db_session, small_district, token):
    planner = token("planner", "SC")
    assert client.get("/api/v1/directories/entities", headers=planner).status_code == 403
    assert _upload(client, "entities", b"x", "x.csv", token("auditor")).status_code == 403
    assert client.get("/api/v1/directories/secrets", headers=token("admin")).status_code == 404
    assert (
        client.get("/api/v1/directories/entities?format=pdf", headers=token("admin")).status_code
        == 422
    )
    assert (
        client.post("/api/v1/directories/entities", data={}, headers=token("admin")).status_code
        == 422
    )


def test_admin_creates_and_lists_users(client, db_session, small_district, token):
    admin = token("admin")
    body = {"username": "plan2", "password": "long-enough-1", "role": "planner", "body": "SC"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["body"] == "SC" and "password" not in created.get_json()
    again = client.post("/api/v1/users", json=body, headers=admin)
    assert again.status_code == 422 and again.get_json()["errors"][0]["code"] == "username_taken"
    short = client.post(
        "/api/v1/users", json={**body, "username": "p3", "password": "x"}, headers=admin
    )
    assert short.status_code == 422 and short.get_json()["errors"][0]["field"] == "password"
    listing = client.get("/api/v1/users", headers=admin).get_json()
    assert [u["username"] for u in listing["items"]] == ["plan2"]
    assert "hash" not in str(listing)
    assert client.get("/api/v1/users", headers=token("auditor")).status_code == 403
    assert (
        db_session.scalar(select(User).where(User.username == "plan2")).password_hash
        != "long-enough-1"
    )
