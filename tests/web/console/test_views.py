"""The staff console: login required, and the directories for staff only."""

import datetime as dt

from scheduler.actors import Actor
from scheduler.users import create_user

ACTOR = Actor.system("test")


def test_staff_page_needs_login(client):
    resp = client.get("/staff/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_officer_role_cannot_open_staff_directories(client, db_session, login):
    from scheduler.models import Body, Officer, Unit

    body = db_session.query(Body).filter_by(code="SC").one()
    unit = db_session.query(Unit).filter_by(code="SC-TJ").one()
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
    login(client, "off1", "officer-pass-1")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/directories").status_code == 403
