"""The capacity check before the seed: demand per body against its officers."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import CapacityShort
from scheduler.models import AuditEvent, Inspection, LeavePeriod
from scheduler.plans import capacity, create, draw
from scheduler.plans.core import get_plan

ACTOR = Actor.system("test")
SEED = "57721566490153286060651209"
CODE = "SC-2027-001"
COUNTS = {"by": "credit_class", "counts": {"A": 8, "B": 6, "C": 4, "D": 2}}
QUIET = dict(exclusions={"months_since_last": None, "max_per_year": None})


def test_freeze_refuses_a_plan_its_officers_cannot_staff(db_session, small_district, plan_file):
    # The dead end: 20 inspections x 2 = 40 places, 8 officers x cap 1 = 8. Before the
    # check the plan was frozen, seeded and drawn, and only the match failed.
    create.create_plan(
        db_session,
        plan_file(
            strata=COUNTS,
            mode="random",
            cap_per_officer=1,
            key_supervision={"flagged": False},
            **QUIET,
        ),
        ACTOR,
    )
    db_session.commit()
    with pytest.raises(CapacityShort) as err:
        draw.freeze(db_session, CODE, ACTOR)
    db_session.rollback()
    text = str(err.value)
    assert "demand 40 places (20 inspections x 2)" in text
    assert "8 officers x cap 1 = 8" in text
    assert "demand exceeds capacity by 32 places" in text
    assert err.value.capacity["bodies"][0]["slack"] == -32
    plan = get_plan(db_session, CODE)
    assert plan.state == "draft" and plan.population_digest is None
    # --force freezes anyway, and says so in the audit trail.
    draw.freeze(db_session, CODE, ACTOR, force=True)
    db_session.commit()
    assert get_plan(db_session, CODE).state == "frozen"
    forced = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "plan_capacity_forced"))
    assert forced.subject == CODE and forced.payload["capacity"]["feasible"] is False


def test_expected_demand_is_the_drawn_demand_of_a_single_body_plan(
    db_session, small_district, plan_file
):
    create.create_plan(db_session, plan_file(strata=COUNTS, **QUIET), ACTOR)
    db_session.commit()
    before = capacity.check(db_session, CODE, ACTOR)
    assert not before.exact and before.feasible
    (sc,) = before.bodies
    # 20 random + the 5 flagged key-supervision entities of the small district.
    assert sc.inspections == 25 and sc.demand == 50
    assert sc.eligible == 8 and sc.capacity == 8 * 30 and sc.slack == 240 - 50
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    db_session.commit()
    after = capacity.check(db_session, CODE, ACTOR)
    drawn = len(db_session.scalars(select(Inspection.id)).all())
    assert after.exact and after.bodies[0].inspections == drawn == 25


def test_officers_out_for_the_window_do_not_count(db_session, small_district, plan_file):
    officers = small_district["officers"]
    officers[0].cert_status = "suspended"
    officers[1].cert_valid_to = dt.date(2027, 3, 15)  # expires inside the window
    db_session.add(
        LeavePeriod(
            officer=officers[2], starts_on=dt.date(2027, 2, 1), ends_on=dt.date(2027, 5, 31)
        )
    )
    # Half the window on leave: eligible, with fewer days.
    db_session.add(
        LeavePeriod(
            officer=officers[3], starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 3, 31)
        )
    )
    officers[4].competences = "特种设备安全"  # none of the plan's item categories
    db_session.commit()
    create.create_plan(
        db_session, plan_file(strata=COUNTS, cap_per_officer=None, cap_per_day=1, **QUIET), ACTOR
    )
    checked = capacity.check(db_session, CODE, ACTOR)
    (sc,) = checked.bodies
    assert sc.officers == 8 and sc.eligible == 4
    assert sc.ineligible == {"certificate": 2, "leave": 1, "competence": 1}
    full = checked.working_days  # March and April 2027
    assert sc.officer_days == 3 * full + (full - 23)  # 23 working days in March 2027
    assert sc.capacity == sc.day_capacity == sc.officer_days and sc.cap_capacity is None


def test_too_few_officers_for_one_team(db_session, small_district, plan_file):
    for o in small_district["officers"][1:]:
        o.cert_status = "expired"
    db_session.commit()
    create.create_plan(db_session, plan_file(strata=COUNTS, **QUIET), ACTOR)
    checked = capacity.check(db_session, CODE, ACTOR)
    assert not checked.feasible
    assert any(
        "only 1 eligible officers, fewer than the team size 2" in m.en for m in checked.lines()
    )


def test_a_window_without_working_days_is_refused_at_create(db_session, small_district, plan_file):
    # 2027-03-06/07 is a weekend: no cap could ever work, so the plan is not created.
    data = plan_file(window={"start": "2027-03-06", "end": "2027-03-07"})
    errors = create.validate_plan(db_session, data)
    assert [m.en for m in errors["window"]] == [
        "the window 2027-03-06 .. 2027-03-07 has no working day: no inspection could be "
        "scheduled in it"
    ]
    assert create.validate_plan(db_session, plan_file()) == {}
