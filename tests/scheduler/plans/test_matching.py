"""Matching wired to the directory: eligibility rules, infeasibility diagnosis."""

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import MatchInfeasible, PlanStateError
from scheduler.models import (
    Assignment,
    Conflict,
    Inspection,
    LeavePeriod,
    Officer,
    PlanMatchInput,
    Unit,
)
from scheduler.plans import create, draw, matching, queries, scheduling
from scheduler.plans.core import get_plan
from solver import match as matcher

ACTOR = Actor.system("test")

SEED = "57721566490153286060651209"
CODE = "SC-2027-001"


def test_match_respects_every_rule_and_is_optimal(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    plan = drawn(db_session, plan_file)
    # Make the rules bite: one conflict, one suspended certificate, cross-jurisdiction off.
    first = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    officers = small_district["officers"]
    db_session.add(
        Conflict(
            officer=officers[0],
            entity_id=first.entity_id,
            kind="relative",
            declared_on=dt.date(2026, 1, 1),
        )
    )
    officers[1].cert_status = "suspended"
    db_session.commit()
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    plan = get_plan(db_session, CODE)
    assert plan.state == "matched"
    assert assignment_problems(db_session, plan) == []
    assert not db_session.scalars(
        select(Assignment).where(Assignment.officer_id == officers[1].id)
    ).all()
    # Balanced: the smallest feasible cap plus the reserve, never above the planner's cap.
    built = matching.build_problem(db_session, plan)
    smallest = matcher.smallest_feasible_cap(built.problem)
    assert plan.match_summary["smallest_feasible_cap"] == smallest
    assert plan.match_summary["cap"] == min(smallest + max(1, -(-smallest // 10)), 30)
    # The auditor export agrees with the stored match and is optimal.
    export = matching.audit_export(db_session, get_plan(db_session, CODE))
    assert {tuple(p) for p in export["eligible"]} >= {(a[0], a[1]) for a in export["assignment"]}
    problem = matching.unpack_problem(db_session.get(PlanMatchInput, plan.id).problem_npz)
    again = matcher.solve(problem, plan.seed, plan.code)
    assert again.rows(problem) == export["assignment"]
    assert again.total_cost == plan.match_summary["total_cost"]


def test_cross_jurisdiction_keeps_officers_out_of_their_own_town(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file, cross_jurisdiction=True)
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    plan = get_plan(db_session, CODE)
    assert assignment_problems(db_session, plan) == []
    pairs = db_session.execute(
        select(Unit.town_id, Inspection.entity_id)
        .join(Officer, Officer.unit_id == Unit.id)
        .join(Assignment, Assignment.officer_id == Officer.id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
    ).all()
    assert pairs
    for town_id, entity_id in pairs:
        assert town_id != db_session.get(type(small_district["entities"][0]), entity_id).town_id


def test_infeasible_match_explains_itself_and_stores_nothing(
    db_session, small_district, plan_file, drawn
):
    drawn(db_session, plan_file, mode="random", cap_per_officer=1)
    with pytest.raises(MatchInfeasible) as err:
        matching.match(db_session, CODE, ACTOR)
    db_session.rollback()
    text = str(err.value)
    assert "demand 20 places, capacity 8" in text
    assert "a cap per officer of 3 would make the match feasible" in text
    assert err.value.diagnosis["smallest_feasible_cap"] == 3
    assert db_session.scalars(select(Assignment)).all() == []
    assert get_plan(db_session, CODE).state == "drawn"


def test_short_team_names_the_reasons(db_session, small_district, plan_file, drawn):
    drawn(db_session, plan_file)
    target = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    officers = small_district["officers"]
    for o in officers[:4]:
        db_session.add(
            Conflict(
                officer=o, entity_id=target.entity_id, kind="other", declared_on=dt.date(2026, 5, 1)
            )
        )
    for o in officers[4:7]:
        db_session.add(
            LeavePeriod(officer=o, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31))
        )
    db_session.commit()
    with pytest.raises(MatchInfeasible) as err:
        matching.match(db_session, CODE, ACTOR)
    db_session.rollback()
    text = str(err.value)
    assert f"{CODE}/{target.uscc} (SC): 仅 1 名符合条件" in text
    assert "only 1 eligible officers, 2 needed" in text
    assert "declared conflict 4" in text and "on leave for the whole window 3" in text


def test_match_in_wrong_state(db_session, small_district, plan_file):
    create.create_plan(db_session, plan_file(), ACTOR)
    with pytest.raises(PlanStateError):
        matching.match(db_session, CODE, ACTOR)


def test_same_inputs_same_match(db_session, small_district, plan_file, drawn):
    drawn(db_session, plan_file)
    plan = get_plan(db_session, CODE)
    one = matching.build_problem(db_session, plan)
    two = matching.build_problem(db_session, plan)
    a = matcher.solve(one.problem, SEED, CODE)
    b = matcher.solve(two.problem, SEED, CODE)
    assert a.rows(one.problem) == b.rows(two.problem)
    assert np.array_equal(one.problem.pair_o, two.problem.pair_o)


def test_rotation_and_recent_exclusion_see_this_systems_own_plans(
    db_session, small_district, plan_file
):

    everyone = {"by": "none", "counts": {"ALL": 30}}
    first = plan_file(
        code="SC-2026-A",
        window={"start": "2026-03-02", "end": "2026-03-31"},
        strata=everyone,
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    create.create_plan(db_session, first, ACTOR)
    draw.freeze(db_session, "SC-2026-A", ACTOR)
    draw.set_seed(db_session, "SC-2026-A", SEED, ACTOR)
    draw.draw(db_session, "SC-2026-A", ACTOR)
    matching.match(db_session, "SC-2026-A", ACTOR)
    scheduling.schedule(db_session, "SC-2026-A", ACTOR)
    db_session.commit()
    visited = {i.entity_id: i for i in db_session.scalars(select(Inspection))}
    teams = {
        eid: {a.officer_id for a in queries.team_of(db_session, insp.id)}
        for eid, insp in visited.items()
    }
    # A later plan with the months-since-last rule leaves those 30 entities out ...
    later = plan_file(
        code="SC-2026-B",
        window={"start": "2026-05-04", "end": "2026-06-30"},
        strata={"by": "none", "ratios_bp": {"ALL": 10000}},
        exclusions={"months_since_last": 6, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    create.create_plan(db_session, later, ACTOR)
    plan_b = draw.freeze(db_session, "SC-2026-B", ACTOR, force=True)
    keys, _ = draw.frozen_population(db_session, plan_b)
    usccs = {i.uscc for i in visited.values()}
    assert not usccs & set(keys)
    assert plan_b.freeze_summary["excluded"]["months_since_last"] >= 30
    # ... and without it, the officers who went last time are not sent again (rotation).
    again = plan_file(
        code="SC-2026-C",
        window={"start": "2026-05-04", "end": "2026-06-30"},
        strata={"by": "none", "ratios_bp": {"ALL": 10000}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    create.create_plan(db_session, again, ACTOR)
    draw.freeze(db_session, "SC-2026-C", ACTOR, force=True)
    draw.set_seed(db_session, "SC-2026-C", SEED, ACTOR)
    plan_c = draw.draw(db_session, "SC-2026-C", ACTOR)
    built = matching.build_problem(db_session, plan_c)
    pool = built.pools["SC"]
    officer_index = {o.id: k for k, o in enumerate(pool.officers)}
    rows = {r.entity_id: n for n, r in enumerate(built.inspections)}
    for eid, team in teams.items():
        for oid in team:
            assert pool.rotation[rows[eid], officer_index[oid]]
