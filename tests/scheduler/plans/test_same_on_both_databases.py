"""The same plan gives the same bundle, match and schedule on SQLite and PostgreSQL.

The suite runs once per database; both runs must produce these pinned digests. The
small district is built from fixed data, so any drift means the result depends on the
database (ordering, collation, types) or on something else that should not matter.
"""

import hashlib
import json

from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import Inspection
from scheduler.plans import create, draw, matching, scheduling
from scheduler.plans.core import get_plan

ACTOR = Actor.system("test")

SEED = "11235813213455891442333776"
CODE = "SC-2027-001"
PINNED = {
    "bundle": "bfda7dda4364ff55b82dcbc1411ecedc3ad105d8dcb179f797c6db2e13d7f3ae",
    "assignment": "5be8b032918581ae735d2784f7c0a727df10577d78288d459816049aa8a94e52",
    "schedule": "3adfc46b1b4c9fad09c57bb0406ffd5ef05d8f4a2567992a7666a209d83633fe",
}


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def test_pinned_results(db_session, small_district, plan_file):
    create.create_plan(
        db_session, plan_file(window={"start": "2026-03-02", "end": "2026-04-30"}), ACTOR
    )
    for step in (draw.freeze, lambda s, c, a: draw.set_seed(s, c, SEED, a), draw.draw):
        step(db_session, CODE, ACTOR)
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    bundle = draw.bundle(db_session, get_plan(db_session, CODE))
    bundle.pop("frozen_at")
    bundle.pop("audit_chain_head")  # hashes event times, like frozen_at
    export = matching.audit_export(db_session, get_plan(db_session, CODE))
    dates = db_session.execute(
        select(Inspection.uscc, Inspection.visit_date, Inspection.disclosure_due).order_by(
            Inspection.uscc
        )
    ).all()
    got = {
        "bundle": digest(bundle),
        "assignment": digest([export["eligible"], export["assignment"], export["officers"]]),
        "schedule": digest([list(row) for row in dates]),
    }
    assert got == PINNED
