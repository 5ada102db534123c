"""Results over the API: an officer enters and submits his own inspection's result, the
planner reviews and discloses it, the public finds it (without findings); scopes and
states as in the services."""

import datetime as dt

from sqlalchemy import select

from scheduler.models import Inspection, Officer
from scheduler.plans.queries import team_of
from tests.scheduler.results.conftest import CODE, publish_plan

RESULT = {
    "categories": ["CORRECTED"],
    "inspected_on": "2026-09-16",
    "findings": "招牌未公示营业执照",
    "public_summary": "已责令改正",
}


def _published(db_session, plan_file):
    publish_plan(db_session, plan_file)
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    team = [a.officer.cert_no for a in team_of(db_session, insp.id)]
    return insp, team


def test_enter_submit_review_disclose_and_the_public_sees_no_findings(
    client, db_session, small_district, plan_file, token
):
    insp, team = _published(db_session, plan_file)
    me = token("officer", cert_no=team[0])
    sc = token("planner", "SC")
    base = f"/api/v1/plans/{CODE}/inspections/{insp.uscc}/result"
    mine = client.get("/api/v1/my/inspections", headers=me).get_json()
    assert insp.uscc in {c["uscc"] for group in mine.values() for c in group}
    saved = client.put(base, json=RESULT, headers=me)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["state"] == "draft"
    assert client.post(base + "/submit", json={}, headers=me).get_json()["state"] == "submitted"
    again = client.post(base + "/submit", json={}, headers=me)
    assert again.status_code == 409
    reviewed = client.post(base + "/review", json={"decision": "approve"}, headers=sc)
    assert reviewed.get_json()["state"] == "approved"
    disclosed = client.post(f"/api/v1/plans/{CODE}/disclose", json={"uscc": insp.uscc}, headers=sc)
    assert disclosed.status_code == 200, disclosed.get_json()
    assert disclosed.get_json()["disclosed"][0]["state"] == "disclosed"
    found = client.get(f"/api/v1/results?uscc={insp.uscc}")
    text = found.get_data(as_text=True)
    data = found.get_json()
    assert data["total"] == 1 and data["items"][0]["public_summary"] == "已责令改正"
    assert "招牌未公示" not in text and team[0] not in text
    history = client.get(f"/api/v1/entities/{insp.uscc}/results").get_json()
    assert [r["categories"][0]["code"] for r in history["items"]] == ["CORRECTED"]
    etag = found.headers["ETag"]
    assert (
        client.get(f"/api/v1/results?uscc={insp.uscc}", headers={"If-None-Match": etag}).status_code
        == 304
    )
    progress = client.get(f"/api/v1/plans/{CODE}/results/progress", headers=sc).get_json()
    assert progress["by_state"]["disclosed"] == 1


def test_an_officer_cannot_touch_another_team_s_result(
    client, db_session, small_district, plan_file, token
):
    insp, team = _published(db_session, plan_file)
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
    # an officer on no team of the plan: its inspections do not exist for him
    resp = client.put(
        f"/api/v1/plans/{CODE}/inspections/{insp.uscc}/result",
        json=RESULT,
        headers=token("officer", cert_no=outsider.cert_no),
    )
    assert resp.status_code == 404
    assert client.get(
        "/api/v1/my/inspections", headers=token("officer", cert_no=outsider.cert_no)
    ).get_json() == {"upcoming": [], "to_enter": [], "returned": [], "done": []}
    # a planner of another body does not see the plan
    resp = client.post(
        f"/api/v1/plans/{CODE}/inspections/{insp.uscc}/result/review",
        json={"decision": "approve"},
        headers=token("planner", "ZF"),
    )
    assert resp.status_code == 404


def test_a_result_must_be_valid_and_a_return_needs_a_reason(
    client, db_session, small_district, plan_file, token
):
    insp, team = _published(db_session, plan_file)
    me = token("officer", cert_no=team[0])
    base = f"/api/v1/plans/{CODE}/inspections/{insp.uscc}/result"
    bad = client.put(
        base, json={**RESULT, "categories": ["NOPE"], "inspected_on": "soon"}, headers=me
    )
    assert bad.status_code == 422 and any(
        e["field"] == "inspected_on" for e in bad.get_json()["errors"]
    )
    client.put(base, json=RESULT, headers=me)
    client.post(base + "/submit", json={}, headers=me)
    resp = client.post(
        base + "/review", json={"decision": "return"}, headers=token("planner", "SC")
    )
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "reason"


def test_the_inspection_check_by_notice_code(client, db_session, small_district, plan_file):
    insp, team = _published(db_session, plan_file)
    db_session.refresh(insp)
    assert insp.check_token
    data = client.get(f"/api/v1/check/{insp.check_token}").get_json()
    assert data["uscc"] == insp.uscc and {m["cert_no"] for m in data["team"]} == set(team)
    assert "phone" not in str(data)
    assert client.get("/api/v1/check/nope").status_code == 404


def test_attachments_are_checked_and_stored(
    client, db_session, small_district, plan_file, token, tmp_path, app
):
    app.config["FAIRDRAW_ATTACHMENTS_DIR"] = str(tmp_path)
    insp, team = _published(db_session, plan_file)
    me = token("officer", cert_no=team[0])
    base = f"/api/v1/plans/{CODE}/inspections/{insp.uscc}/result"
    client.put(base, json=RESULT, headers=me)
    import io

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    resp = client.post(
        base + "/attachments",
        data={"file": (io.BytesIO(png), "photo.png", "image/png")},
        headers=me,
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["size"] == len(png)
    fake = client.post(
        base + "/attachments",
        data={"file": (io.BytesIO(b"MZ..."), "x.png", "image/png")},
        headers=me,
    )
    assert fake.status_code == 422
    none = client.post(base + "/attachments", data={}, headers=me)
    assert none.status_code == 422
