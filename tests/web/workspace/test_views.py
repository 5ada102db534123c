"""The officer workspace: the list, the inspection page, the result form (kept on errors),
photos, the conflict declaration, and 404 for everything that is not the officer's own."""

import datetime as dt
import re

from sqlalchemy import select

from scheduler.models import Assignment, AuditEvent, Officer
from scheduler.results import lifecycle

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 2000


def login(client, name, password="officer-pass-1"):
    r = client.post("/login", data={"username": name, "password": password})
    assert r.status_code == 302
    return r


def member_and_outsider(teams, insp):
    team = teams[insp.id]
    outsider = next(c for t in teams.values() for c in t if c not in team)
    return team[0], outsider


def test_officer_lands_on_his_list_with_his_inspections_only(client, workspace):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, _ = member_and_outsider(teams, insp)
    r = login(client, logins[me])
    assert r.headers["Location"].endswith("/me/")
    page = client.get("/me/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and len(page.data) < 100_000
    mine = [i for i in insps if me in teams[i.id]]
    for i in insps:
        assert (i.entity.name in html) == (i in mine)
    assert "结果待录入" in html or "Results to enter" in html  # the window is in the past


def test_guessed_other_and_foreign_ids_answer_404(client, workspace, db_session):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, outsider = member_and_outsider(teams, insp)
    login(client, logins[outsider])
    for url in (
        f"/me/inspections/{insp.id}",
        "/me/inspections/999999",
        f"/me/inspections/{insp.id}/attachments/1",
    ):
        assert client.get(url).status_code == 404
    r = client.post(f"/me/inspections/{insp.id}/result", data={"category": "OK"})
    assert r.status_code == 404
    r = client.post(f"/me/inspections/{insp.id}/recuse", data={"reason": "x"})
    assert r.status_code == 404
    assert client.get(f"/me/inspections/{insp.id}").status_code == 404
    client.post("/logout")
    login(client, "plan1", "planner-pass-1")  # planners are not officers
    assert client.get(f"/me/inspections/{insp.id}").status_code == 403
    client.post("/logout")
    assert client.get(f"/me/inspections/{insp.id}").status_code == 302  # to the login


def test_result_form_keeps_input_on_errors_then_saves_and_submits(client, workspace, db_session):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, _ = member_and_outsider(teams, insp)
    login(client, logins[me])
    page = client.get(f"/me/inspections/{insp.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and len(page.data) < 100_000
    assert insp.check_token in html and "<svg" in html  # the notice's QR code
    assert 'capture="environment"' in html and 'accept="image/*' in html
    bad = {
        "category": ["OK", "PENDING"],
        "inspected_on": "2026-09-10",
        "findings": "门口无营业执照",
        "public_summary": "",
        "action": "submit",
    }
    r = client.post(f"/me/inspections/{insp.id}/result", data=bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "门口无营业执照" in html and 'value="2026-09-10"' in html  # kept
    assert re.search(r'value="PENDING"[^>]*checked', html)
    assert lifecycle.get_result(db_session, insp.id, plan.lead_body_id) is None
    good = dict(bad, category=["PENDING"])
    r = client.post(f"/me/inspections/{insp.id}/result", data=dict(good, action="save"))
    assert r.status_code == 302
    result = lifecycle.get_result(db_session, insp.id, plan.lead_body_id)
    assert result.state == "draft"
    r = client.post(f"/me/inspections/{insp.id}/result", data=good)
    db_session.expire_all()
    assert r.status_code == 302 and result.state == "submitted"
    assert lifecycle.current_version(result).submitted_by == me


def test_photo_upload_and_download_by_the_team_only(client, workspace, db_session, app, tmp_path):
    app.config["FAIRDRAW_ATTACHMENTS_DIR"] = str(tmp_path)
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, outsider = member_and_outsider(teams, insp)
    login(client, logins[me])
    from io import BytesIO

    r = client.post(
        f"/me/inspections/{insp.id}/photos",
        data={"photo": (BytesIO(JPEG), "现场.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    result = lifecycle.get_result(db_session, insp.id, plan.lead_body_id)
    att = (
        result
        and db_session.scalars(
            select(__import__("scheduler.models", fromlist=["x"]).ResultAttachment)
        ).one()
    )
    assert client.get(f"/me/inspections/{insp.id}/attachments/{att.id}").data == JPEG
    r = client.post(
        f"/me/inspections/{insp.id}/photos",
        data={"photo": (BytesIO(b"MZ not an image"), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    client.post("/logout")
    login(client, logins[outsider])
    assert client.get(f"/me/inspections/{insp.id}/attachments/{att.id}").status_code == 404


def test_declaring_a_conflict_takes_me_off_the_team_at_once(client, workspace, db_session):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, _ = member_and_outsider(teams, insp)
    login(client, logins[me])
    r = client.post(f"/me/inspections/{insp.id}/recuse", data={"reason": ""})
    assert r.status_code == 422
    r = client.post(f"/me/inspections/{insp.id}/recuse", data={"reason": "表兄经营"})
    assert r.status_code == 302
    page = client.get("/me/").get_data(as_text=True)
    assert "replaces you" in page or "接替" in page
    officer = db_session.scalar(select(Officer).where(Officer.cert_no == me))
    row = db_session.scalar(
        select(Assignment).where(
            Assignment.inspection_id == insp.id, Assignment.officer_id == officer.id
        )
    )
    assert not row.active and row.end_reason == "recusal_officer"
    assert client.get(f"/me/inspections/{insp.id}").status_code == 404  # off the team
    kinds = db_session.scalars(select(AuditEvent.kind)).all()
    assert "team_member_replaced" in kinds


def test_week_calendar_shows_the_visit_day(client, workspace):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me, _ = member_and_outsider(teams, insp)
    login(client, logins[me])
    monday = insp.visit_date - dt.timedelta(days=insp.visit_date.weekday())
    html = client.get(f"/me/?week={monday.isoformat()}").get_data(as_text=True)
    week = html.split('id="week-title"')[1].split("</section>")[0]
    assert insp.entity.name in week and insp.visit_date.isoformat() in week
    assert client.get("/me/?week=garbage").status_code == 200
