"""The plan lifecycle through the API with tokens: every step, wrong states (409), scopes
(guessed plans are 404, other roles 403), recusal, removal, the auditor export."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.models import Assignment, Inspection, Officer
from scheduler.plans import queries
from scheduler.plans.core import get_plan

CODE = "SC-2027-001"
SEED = "31415926535897932384626433"


def _plan_body(plan_file, **overrides):
    return plan_file(
        strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
        **overrides,
    )


def test_a_whole_plan_through_the_api_alone(client, db_session, small_district, plan_file, token):
    sc = token("planner", "SC")
    created = client.post("/api/v1/plans", json=_plan_body(plan_file), headers=sc)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["state"] == "draft"
    states = []
    for step, body in (
        ("freeze", None),
        ("seed", {"seed": SEED}),
        ("draw", None),
        ("match", None),
        ("schedule", None),
        ("publish", None),
    ):
        resp = client.post(f"/api/v1/plans/{CODE}/{step}", json=body, headers=sc)
        assert resp.status_code == 200, (step, resp.get_json())
        states.append(resp.get_json()["state"])
    assert states == ["frozen", "frozen", "drawn", "matched", "scheduled", "published"]
    summary = client.get(f"/api/v1/plans/{CODE}/summary", headers=sc).get_json()
    assert summary["seed"] == SEED and summary["inspections"]["random"] == 10
    assert summary["match"]["assignments"] == 20
    public = client.get(f"/api/v1/plans/{CODE}").get_json()  # now public, no token
    assert public["population_digest"] == summary["population_digest"]
    kinds = [e["kind"] for e in _audit(client, token)]
    assert {"plan_created", "plan_frozen", "plan_seeded", "plan_drawn", "plan_published"} <= set(
        kinds
    )


def _audit(client, token):
    return client.get("/api/v1/audit?limit=500", headers=token("auditor")).get_json()["items"]


@pytest.mark.parametrize(
    "step, state, body",
    [
        ("draw", "created", None),
        ("seed", "created", {"seed": SEED}),
        ("match", "frozen", None),
        ("schedule", "drawn", None),
        ("publish", "matched", None),
        ("freeze", "drawn", None),
        ("seed", "seeded", {"seed": SEED}),
    ],
)
def test_a_step_in_the_wrong_state_is_409_and_changes_nothing(
    client, db_session, small_district, plan_file, plan_to, token, step, state, body
):
    plan_to(db_session, plan_file, state)
    before = get_plan(db_session, CODE).state
    resp = client.post(f"/api/v1/plans/{CODE}/{step}", json=body, headers=token("planner", "SC"))
    assert resp.status_code == 409
    assert resp.get_json()["errors"][0]["code"] == "plan_state"
    db_session.expire_all()
    assert get_plan(db_session, CODE).state == before


def test_guessed_plans_are_404_and_viewers_may_not_run_steps(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "frozen")
    other = token("planner", "ZF")
    for method, path in (
        ("get", "/summary"),
        ("post", "/draw"),
        ("post", "/freeze"),
        ("get", "/audit-export"),
    ):
        resp = getattr(client, method)(f"/api/v1/plans/{CODE}{path}", headers=other)
        assert resp.status_code == 404, path
        assert resp.get_json()["errors"][0]["code"] == "plan_not_found"
    assert client.get(f"/api/v1/plans/{CODE}/summary", headers=token("admin")).status_code == 200
    assert client.get(f"/api/v1/plans/{CODE}/summary", headers=token("auditor")).status_code == 200
    for role in ("admin", "auditor"):
        resp = client.post(f"/api/v1/plans/{CODE}/seed", json={"seed": SEED}, headers=token(role))
        assert resp.status_code == 403
    officer = token("officer", cert_no=small_district["officers"][0].cert_no)
    assert client.get(f"/api/v1/plans/{CODE}/summary", headers=officer).status_code == 403
    assert client.get("/api/v1/staff/plans", headers=officer).status_code == 403
    assert get_plan(db_session, CODE).seed is None


def test_a_joint_plan_s_other_body_views_but_does_not_run_it(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "created", bodies=["SC", "ZF"], team_size={"SC": 2, "ZF": 2})
    zf = token("planner", "ZF")
    assert client.get(f"/api/v1/plans/{CODE}/summary", headers=zf).status_code == 200
    resp = client.post(f"/api/v1/plans/{CODE}/freeze", headers=zf)
    assert resp.status_code == 403 and resp.get_json()["errors"][0]["code"] == "forbidden_plan"


def test_staff_plan_list_is_scoped_and_filtered(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "created", code="SC-2027-001")
    plan_to(db_session, plan_file, "frozen", code="SC-2027-002")
    sc = client.get("/api/v1/staff/plans", headers=token("planner", "SC")).get_json()
    assert [p["code"] for p in sc["items"]] == ["SC-2027-001", "SC-2027-002"]
    zf = client.get("/api/v1/staff/plans", headers=token("planner", "ZF")).get_json()
    assert zf["items"] == []
    frozen = client.get("/api/v1/staff/plans?state=frozen", headers=token("auditor")).get_json()
    assert [p["code"] for p in frozen["items"]] == ["SC-2027-002"]
    first = client.get("/api/v1/staff/plans?limit=1", headers=token("admin")).get_json()
    assert first["next_cursor"] == "SC-2027-001"
    rest = client.get(
        f"/api/v1/staff/plans?cursor={first['next_cursor']}", headers=token("admin")
    ).get_json()
    assert [p["code"] for p in rest["items"]] == ["SC-2027-002"] and rest["next_cursor"] is None


def test_create_reports_every_problem_by_field_and_only_for_the_own_body(
    client, db_session, small_district, plan_file, token
):
    sc = token("planner", "SC")
    bad = _plan_body(plan_file, items=["NOPE-99"], window={"start": "2027-05-01", "end": "x"})
    resp = client.post("/api/v1/plans", json=bad, headers=sc)
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert "window.end" in fields
    resp = client.post("/api/v1/plans", json=[1, 2], headers=sc)
    assert resp.status_code == 422
    resp = client.post("/api/v1/plans", data="{", content_type="application/json", headers=sc)
    assert resp.status_code == 400
    other = client.post("/api/v1/plans", json=_plan_body(plan_file), headers=token("planner", "ZF"))
    assert other.status_code == 403
    assert (
        client.post("/api/v1/plans", json=_plan_body(plan_file), headers=token("admin")).status_code
        == 403
    )


def test_a_short_seed_is_422_on_its_field(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "frozen")
    resp = client.post(
        f"/api/v1/plans/{CODE}/seed", json={"seed": "12345"}, headers=token("planner", "SC")
    )
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "seed"


def test_recusal_by_the_planner_and_by_the_officer_himself(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "matched")
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    team = queries.team_of(db_session, insp.id)
    member = team[0].officer.cert_no
    body = {"uscc": insp.uscc, "cert_no": member, "by": "entity", "reason": "亲属"}
    resp = client.post(f"/api/v1/plans/{CODE}/recusals", json=body, headers=token("planner", "SC"))
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["left"] == [member] and len(data["replacements"]) == 1 and data["short"] == 0
    db_session.expire_all()
    team = queries.team_of(db_session, insp.id)
    assert member not in {a.officer.cert_no for a in team}
    # an officer recuses himself, not a colleague, and only on his own inspections
    me = team[0].officer.cert_no
    mine = token("officer", cert_no=me)
    colleague = {
        "uscc": insp.uscc,
        "cert_no": team[1].officer.cert_no,
        "by": "officer",
        "reason": "x",
    }
    assert (
        client.post(f"/api/v1/plans/{CODE}/recusals", json=colleague, headers=mine).status_code
        == 403
    )
    own = {"uscc": insp.uscc, "cert_no": me, "by": "officer", "reason": "同学"}
    assert client.post(f"/api/v1/plans/{CODE}/recusals", json=own, headers=mine).status_code == 200
    # an officer on no team of the plan guesses it: it does not exist for him
    outsider = Officer(
        cert_no="37028201009999",
        name="局外人",
        body=small_district["body"],
        unit=small_district["officers"][0].unit,
        cert_valid_from=dt.date(2023, 1, 1),
        cert_valid_to=dt.date(2028, 12, 31),
    )
    db_session.add(outsider)
    db_session.commit()
    guess = {"uscc": insp.uscc, "cert_no": outsider.cert_no, "by": "officer", "reason": "x"}
    resp = client.post(
        f"/api/v1/plans/{CODE}/recusals",
        json=guess,
        headers=token("officer", cert_no=outsider.cert_no),
    )
    assert resp.status_code == 404
    assert resp.get_json()["errors"][0]["code"] == "plan_not_found"


def test_removal_of_an_unavailable_officer(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "matched")
    busy = db_session.scalar(select(Assignment).where(Assignment.active)).officer.cert_no
    resp = client.post(
        f"/api/v1/plans/{CODE}/removals",
        json={"cert_no": busy, "reason": "借调"},
        headers=token("planner", "SC"),
    )
    assert resp.status_code == 200, resp.get_json()
    db_session.expire_all()
    still = db_session.scalars(
        select(Assignment).join(Assignment.officer).where(Assignment.active)
    ).all()
    assert busy not in {a.officer.cert_no for a in still}
    assert resp.get_json()["left"] == [busy]


def test_auditor_export_is_staff_only_and_needs_a_match(
    client, db_session, small_district, plan_file, plan_to, token
):
    plan_to(db_session, plan_file, "drawn")
    auditor = token("auditor")
    assert client.get(f"/api/v1/plans/{CODE}/audit-export", headers=auditor).status_code == 409
    client.post(f"/api/v1/plans/{CODE}/match", headers=token("planner", "SC"))
    data = client.get(f"/api/v1/plans/{CODE}/audit-export", headers=auditor).get_json()
    assigned = db_session.scalars(select(Assignment)).all()
    assert data["plan_code"] == CODE and data["eligible"]
    assert len(data["assignment"]) == len(assigned) > 0
    assert client.get(f"/api/v1/plans/{CODE}/audit-export").status_code == 401
