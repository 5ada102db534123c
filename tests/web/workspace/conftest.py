"""A published plan (window in 2026) and officer logins for its team members."""

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import Inspection
from scheduler.plans.queries import team_of
from scheduler.users import create_user
from tests.scheduler.results.conftest import publish_plan

ACTOR = Actor.system("test")


@pytest.fixture
def workspace(db_session, small_district, plan_file):
    """(plan, inspections by uscc, {cert_no: username}) with an officer login per officer
    (username `o<last 2 digits>`, password `officer-pass-1`) and planner `plan1`."""
    plan = publish_plan(db_session, plan_file)
    insps = db_session.scalars(
        select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.uscc)
    ).all()
    logins = {}
    for o in small_district["officers"]:
        name = "o" + o.cert_no[-2:]
        create_user(db_session, name, "officer-pass-1", "officer", cert_no=o.cert_no, actor=ACTOR)
        logins[o.cert_no] = name
    create_user(db_session, "plan1", "planner-pass-1", "planner", body_code="SC", actor=ACTOR)
    db_session.commit()
    teams = {i.id: [a.officer.cert_no for a in team_of(db_session, i.id)] for i in insps}
    return plan, insps, teams, logins
