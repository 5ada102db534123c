"""Plan states: a step asked in the wrong state fails and changes nothing; unknown is 404."""

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.errors import PlanNotFound, PlanStateError
from scheduler.models import AuditEvent
from scheduler.plans import create, draw, matching, public, queries, scheduling
from scheduler.plans.core import get_plan

ACTOR = Actor.system("test")

SEED = "31415926535897932384626433"


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


WRONG_ORDER = [
    ("draft", "seed"),
    ("draft", "draw"),
    ("draft", "match"),
    ("draft", "publish"),
    ("frozen", "freeze"),
    ("frozen", "draw"),  # no seed yet
    ("frozen", "publish"),
    ("seeded", "seed"),
    ("seeded", "freeze"),
    ("seeded", "match"),
    ("seeded", "publish"),
    ("drawn", "freeze"),
    ("drawn", "seed"),
    ("drawn", "draw"),
    ("drawn", "schedule"),
    ("drawn", "publish"),  # publication waits for the schedule
    ("matched", "match"),
    ("matched", "draw"),
    ("matched", "publish"),
    ("scheduled", "schedule"),
    ("scheduled", "match"),
    ("published", "publish"),
    ("published", "draw"),
    ("published", "seed"),
    ("published", "schedule"),
]


@pytest.mark.parametrize("state,action", WRONG_ORDER)
def test_wrong_order_transitions_fail_and_change_nothing(
    db_session, small_district, plan_file, state, action
):
    code = "SC-2027-001"
    small = {"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 1}}
    steps = [
        ("draft", lambda: create.create_plan(db_session, plan_file(strata=small), ACTOR)),
        ("frozen", lambda: draw.freeze(db_session, code, ACTOR)),
        ("seeded", lambda: draw.set_seed(db_session, code, SEED, ACTOR)),
        ("drawn", lambda: draw.draw(db_session, code, ACTOR)),
        ("matched", lambda: matching.match(db_session, code, ACTOR)),
        ("scheduled", lambda: scheduling.schedule(db_session, code, ACTOR)),
        ("published", lambda: public.publish(db_session, code, ACTOR)),
    ]
    for name, step in steps:
        step()
        if name == state:
            break
    db_session.commit()
    before = queries.summary(db_session, get_plan(db_session, code))
    events = _count(db_session, AuditEvent)
    actions = {
        "freeze": lambda: draw.freeze(db_session, code, ACTOR),
        "seed": lambda: draw.set_seed(db_session, code, "12345678901234567890123", ACTOR),
        "draw": lambda: draw.draw(db_session, code, ACTOR),
        "match": lambda: matching.match(db_session, code, ACTOR),
        "schedule": lambda: scheduling.schedule(db_session, code, ACTOR),
        "publish": lambda: public.publish(db_session, code, ACTOR),
    }
    with pytest.raises(PlanStateError) as err:
        actions[action]()
    assert err.value.status == 409
    db_session.rollback()
    assert queries.summary(db_session, get_plan(db_session, code)) == before
    assert _count(db_session, AuditEvent) == events


def test_unknown_plan_is_404(db_session):
    with pytest.raises(PlanNotFound) as err:
        draw.freeze(db_session, "NOPE-1", ACTOR)
    assert err.value.status == 404
