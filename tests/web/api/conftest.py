"""Fixtures of the API tests: tokens by role, and plans at each step of their lifecycle."""

import pytest

from scheduler import tokens
from scheduler.actors import Actor
from scheduler.plans import create, draw, matching, public, scheduling

ACTOR = Actor.system("test")
SEED = "31415926535897932384626433"
CODE = "SC-2027-001"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token(db_session):
    """`token(role, body=None, cert_no=None, days=90)`: Authorization headers of a new token."""

    def make(role, body=None, cert_no=None, days=90, name=None):
        created = tokens.create_token(
            db_session,
            name or f"{role}-{body or cert_no or 'all'}",
            role,
            actor=ACTOR,
            body_code=body,
            cert_no=cert_no,
            days=days,
        )
        db_session.commit()
        return bearer(created.secret)

    return make


def plan_to(db_session, plan_file, step: str, code: str = CODE, **overrides):
    """Create plan `code` and run it up to `step` (created, frozen, seeded, drawn, matched,
    scheduled, published) as the system actor."""
    steps = ["created", "frozen", "seeded", "drawn", "matched", "scheduled", "published"]
    data = plan_file(
        code=code,
        strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": True},
        **overrides,
    )
    create.create_plan(db_session, data, ACTOR)
    actions = [
        lambda: draw.freeze(db_session, code, ACTOR),
        lambda: draw.set_seed(db_session, code, SEED, ACTOR),
        lambda: draw.draw(db_session, code, ACTOR),
        lambda: matching.match(db_session, code, ACTOR),
        lambda: scheduling.schedule(db_session, code, ACTOR),
        lambda: public.publish(db_session, code, ACTOR),
    ]
    for action in actions[: steps.index(step)]:
        action()
    db_session.commit()
    return code


@pytest.fixture(name="plan_to")
def plan_to_fixture():
    return plan_to
