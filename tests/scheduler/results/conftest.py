"""A published plan on the small district, with a window in 2026 (before the tests' today)."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import Inspection
from scheduler.plans import create, draw, matching, public, scheduling
from scheduler.plans.core import get_plan
from scheduler.plans.queries import team_of

ACTOR = Actor.system("test")
SEED = "57721566490153286060651209"
CODE = "SC-2026-009"
TODAY = dt.date(2026, 11, 20)


def publish_plan(db_session, plan_file, **overrides):
    base = dict(
        code=CODE,
        window={"start": "2026-09-01", "end": "2026-10-30"},
        strata={"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    base.update(overrides)
    create.create_plan(db_session, plan_file(**base), ACTOR)
    draw.freeze(db_session, base["code"], ACTOR)
    draw.set_seed(db_session, base["code"], SEED, ACTOR)
    draw.draw(db_session, base["code"], ACTOR)
    matching.match(db_session, base["code"], ACTOR)
    scheduling.schedule(db_session, base["code"], ACTOR)
    public.publish(db_session, base["code"], ACTOR)
    db_session.commit()
    return get_plan(db_session, base["code"])


@pytest.fixture
def published(db_session, small_district, plan_file):
    """(plan, inspections sorted by uscc, {uscc: [cert_no of the team]})."""
    plan = publish_plan(db_session, plan_file)
    insps = db_session.scalars(
        select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.uscc)
    ).all()
    teams = {i.uscc: [a.officer.cert_no for a in team_of(db_session, i.id)] for i in insps}
    return plan, insps, teams
