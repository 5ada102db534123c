"""Helpers of the plan tests: a plan drawn on the small district, and a check of its teams."""

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import Conflict, Inspection
from scheduler.plans import create, draw, queries
from scheduler.plans.core import get_plan
from solver import match as matcher

ACTOR = Actor.system("test")

SEED = "57721566490153286060651209"
CODE = "SC-2027-001"


def drawn_plan(db_session, plan_file, **overrides):
    base = dict(
        strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    base.update(overrides)
    create.create_plan(db_session, plan_file(**base), ACTOR)
    draw.freeze(db_session, CODE, ACTOR, force=True)  # match tests build infeasible plans too
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    db_session.commit()
    return get_plan(db_session, CODE)


def assignment_problems(db_session, plan):
    """Every stored team obeys every rule, checked from the database, not the solver."""
    problems = []
    inspections = db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()
    load = {}
    for insp in inspections:
        team = queries.team_of(db_session, insp.id)
        if len(team) != plan.rules["team_size"]["SC"] and not insp.short_reason:
            problems.append(f"{insp.uscc}: team of {len(team)}")
        if len({a.officer_id for a in team}) != len(team):
            problems.append(f"{insp.uscc}: an officer twice")
        if team and sum(a.is_leader for a in team) != 1:
            problems.append(f"{insp.uscc}: not one leader")
        if team and not min(team, key=lambda a: a.cost).is_leader:
            problems.append(f"{insp.uscc}: leader is not the smallest cost")
        for a in team:
            o = a.officer
            load[o.id] = load.get(o.id, 0) + 1
            if not o.certified_for(plan.window_start, plan.window_end):
                problems.append(f"{insp.uscc}: {o.cert_no} certificate")
            conflict = db_session.scalar(
                select(Conflict).where(
                    Conflict.officer_id == o.id, Conflict.entity_id == insp.entity_id
                )
            )
            if conflict is not None:
                problems.append(f"{insp.uscc}: {o.cert_no} conflicted")
            if plan.rules["cross_jurisdiction"] and o.unit.town_id == insp.entity.town_id:
                problems.append(f"{insp.uscc}: {o.cert_no} own town")
            key = f"{plan.code}/{insp.uscc}"
            if a.cost != matcher.cost(plan.seed, plan.code, key, o.cert_no):
                problems.append(f"{insp.uscc}: {o.cert_no} cost")
    cap = plan.match_summary["cap"]
    problems += [f"officer {oid} over cap" for oid, n in load.items() if n > cap]
    return problems


@pytest.fixture(name="drawn")
def drawn_fixture():
    """`drawn(db_session, plan_file, **overrides)`: plan CODE created, frozen and drawn."""
    return drawn_plan


@pytest.fixture(name="assignment_problems")
def assignment_problems_fixture():
    """`assignment_problems(db_session, plan)`: every broken team rule, [] when none."""
    return assignment_problems
