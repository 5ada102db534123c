"""The audit trail over the API: auditors and admins only, oldest first, in pages."""

from scheduler.actors import Actor
from scheduler.audit import EventKind, record


def test_audit_pages_filters_and_roles(client, db_session, small_district, token):
    actor = Actor.system("test")
    for n in range(5):
        record(db_session, EventKind.PLAN_CREATED, actor, subject=f"P-{n}")
    db_session.commit()
    auditor = token("auditor")
    seen, cursor = [], None
    while True:
        query = "?limit=2&kind=plan_created" + (f"&cursor={cursor}" if cursor else "")
        data = client.get("/api/v1/audit" + query, headers=auditor).get_json()
        seen += data["items"]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert [e["subject"] for e in seen] == [f"P-{n}" for n in range(5)]
    assert all(e["at"].endswith("Z") and e["payload"]["actor_role"] for e in seen)
    one = client.get("/api/v1/audit?subject=P-3", headers=token("admin")).get_json()["items"]
    assert [e["subject"] for e in one] == ["P-3"]
    assert client.get("/api/v1/audit", headers=token("planner", "SC")).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit?cursor=-1", headers=auditor).status_code == 422
