"""Scheduling wired to the directory and the working-day calendar."""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import MatchInfeasible
from scheduler.models import Assignment, Inspection, LeavePeriod
from scheduler.plans import create, draw, matching, queries, scheduling
from scheduler.plans.core import get_plan
from scheduler.workdays import working_days

ACTOR = Actor.system("test")

SEED = "14142135623730950488016887"
CODE = "SC-2026-SF"


def _scheduled(db_session, plan_file, **overrides):
    data = plan_file(
        code=CODE,
        window={"start": "2026-02-09", "end": "2026-03-06"},
        strata={"by": "credit_class", "counts": {"A": 12, "B": 8, "C": 4, "D": 4}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
        cap_per_day=2,
        **overrides,
    )
    create.create_plan(db_session, data, ACTOR)
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    matching.match(db_session, CODE, ACTOR)
    return scheduling.schedule(db_session, CODE, ACTOR)


def test_schedule_across_the_spring_festival(db_session, small_district, plan_file):
    officers = small_district["officers"]
    # Officer 2 is on leave for the first working week after the holiday.
    db_session.add(
        LeavePeriod(
            officer=officers[2], starts_on=dt.date(2026, 2, 24), ends_on=dt.date(2026, 2, 28)
        )
    )
    db_session.commit()
    plan = _scheduled(db_session, plan_file)
    db_session.commit()
    assert plan.state == "scheduled"
    assert plan.schedule_summary["calendar"] == {"2026": "chinesecalendar"}
    assert not plan.schedule_summary["provisional"]
    calendar = working_days(db_session, plan.window_start, plan.window_end)
    extended = working_days(db_session, plan.window_start, dt.date(2026, 6, 30))
    per_officer_day = Counter()
    for insp in db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)):
        assert insp.visit_date in calendar.days
        assert not dt.date(2026, 2, 15) <= insp.visit_date <= dt.date(2026, 2, 23)
        later = [d for d in extended.days if d > insp.visit_date]
        assert insp.disclosure_due == later[19]
        for a in queries.team_of(db_session, insp.id):
            per_officer_day[a.officer_id, insp.visit_date] += 1
            if a.officer_id == officers[2].id:
                assert not dt.date(2026, 2, 24) <= insp.visit_date <= dt.date(2026, 2, 28)
    assert max(per_officer_day.values()) <= 2


def test_adjusted_working_saturday_is_a_candidate_day(db_session):
    cal = working_days(db_session, dt.date(2026, 2, 9), dt.date(2026, 3, 6))
    assert dt.date(2026, 2, 14) in cal.days and dt.date(2026, 2, 28) in cal.days


def test_provisional_window_is_reported(db_session, small_district, plan_file):
    data = plan_file(
        code="SC-2027-P",
        strata={"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    create.create_plan(db_session, data, ACTOR)
    draw.freeze(db_session, "SC-2027-P", ACTOR)
    draw.set_seed(db_session, "SC-2027-P", SEED, ACTOR)
    draw.draw(db_session, "SC-2027-P", ACTOR)
    matching.match(db_session, "SC-2027-P", ACTOR)
    plan = scheduling.schedule(db_session, "SC-2027-P", ACTOR)
    assert plan.schedule_summary["provisional"] is True
    for insp in db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)):
        assert insp.visit_date.weekday() < 5
        assert (insp.visit_date.month, insp.visit_date.day) not in {(5, 1), (5, 2), (5, 3)}


def _five_day_plan(db_session, plan_file, cap_per_day):
    create.create_plan(
        db_session,
        plan_file(
            code=CODE,
            window={"start": "2026-02-09", "end": "2026-02-13"},
            strata={"by": "credit_class", "counts": {"A": 12, "B": 8, "C": 4, "D": 4}},
            exclusions={"months_since_last": None, "max_per_year": None},
            key_supervision={"flagged": False},
            cap_per_day=cap_per_day,
        ),
        ACTOR,
    )
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)


def test_match_knows_how_many_visits_the_window_allows(db_session, small_district, plan_file):
    # 28 inspections x 2 officers = 56 places; 8 officers x 5 days x 1 a day = 40.
    _five_day_plan(db_session, plan_file, cap_per_day=1)
    with pytest.raises(MatchInfeasible) as err:
        matching.match(db_session, CODE, ACTOR)
    assert "capacity 40" in str(err.value)


def _halves_on_leave(db_session, officers, split: int):
    """Officers before `split` away Monday to Wednesday, the others Thursday and Friday:
    a team with one of each never has a day together."""
    for o in officers[:split]:
        db_session.add(
            LeavePeriod(officer=o, starts_on=dt.date(2026, 2, 9), ends_on=dt.date(2026, 2, 11))
        )
    for o in officers[split:]:
        db_session.add(
            LeavePeriod(officer=o, starts_on=dt.date(2026, 2, 12), ends_on=dt.date(2026, 2, 13))
        )
    db_session.commit()


def test_match_swaps_members_who_never_meet(db_session, small_district, plan_file):
    """The optimal match mixes the halves; the match repairs it before storing, so the
    schedule step succeeds (before the repair the plan was left matched and stuck)."""
    officers = small_district["officers"]
    _halves_on_leave(db_session, officers, 4)
    _five_day_plan(db_session, plan_file, cap_per_day=4)
    plan = matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    assert plan.match_summary["schedule_repairs"] > 0
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    half = {o.id: k < 4 for k, o in enumerate(officers)}
    teams: dict[int, set[bool]] = {}
    for a in db_session.scalars(select(Assignment).where(Assignment.active)):
        teams.setdefault(a.inspection_id, set()).add(half[a.officer_id])
    assert teams and all(len(sides) == 1 for sides in teams.values())


def test_match_that_cannot_be_scheduled_is_refused(db_session, small_district, plan_file):
    """One officer is free only on Thursday and Friday, everyone else only Monday to
    Wednesday, and the demand needs that officer: no team with him can ever meet, so no
    assignment and schedule exist together. The match is refused and stores nothing."""
    officers = small_district["officers"]
    _halves_on_leave(db_session, officers, 7)  # officers[7] alone on Thu-Fri
    create.create_plan(
        db_session,
        plan_file(
            code=CODE,
            window={"start": "2026-02-09", "end": "2026-02-13"},
            strata={"by": "credit_class", "counts": {"A": 12, "B": 8, "C": 4, "D": 4}},
            exclusions={"months_since_last": None, "max_per_year": None},
            key_supervision={"flagged": False},
            cap_per_day=4,
            mode="random",
            cap_per_officer=7,  # 7 officers x 7 = 49 < 56 places: officers[7] is needed
        ),
        ACTOR,
    )
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    db_session.commit()
    with pytest.raises(MatchInfeasible) as err:
        matching.match(db_session, CODE, ACTOR)
    db_session.rollback()
    assert "cannot be scheduled" in str(err.value)
    assert err.value.diagnosis["unschedulable"]
    assert officers[7].cert_no in str(err.value)
    assert get_plan(db_session, CODE).state == "drawn"
    assert db_session.scalars(select(Assignment)).all() == []
