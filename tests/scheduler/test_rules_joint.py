"""A joint plan end to end (联合抽查), a balanced plan whose cap the planner binds, and the
publication rules, judged by the independent oracle.

Joint: SC leads, ZF and JT join; team sizes 2, 3 and 2; cross-jurisdiction. Each body
sends its own officers only to the entities its items fit; nobody inspects in his or her
own unit's town; every team member is certified and free on the visit day; at most
`cap_per_day` visits a day; the disclosure deadline is 20 working days after the visit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from scheduler.errors import MatchInfeasible, PlanStateError
from scheduler.models import AssignmentEnd
from scheduler.plans import matching, public, recusal
from tests import oracles
from tests.districts import SEED, SYSTEM, D, District, plan_data, run_plan

CODE = "SC-2027-101"


def provisional_workday(day: dt.date) -> bool:
    """2027 is not yet announced: weekdays minus 1 January, 1-3 May and 1-3 October."""
    fixed = {(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3)}
    return day.weekday() < 5 and (day.month, day.day) not in fixed


def add_workdays(day: dt.date, n: int) -> dt.date:
    while n:
        day += dt.timedelta(days=1)
        n -= provisional_workday(day)
    return day


def _visits(session, code=CODE):
    return {
        uscc: (oracles.as_date(v), oracles.as_date(due))
        for uscc, v, due in session.execute(
            text(
                "SELECT i.uscc, i.visit_date, i.disclosure_due FROM inspection i "
                "JOIN plan p ON p.id = i.plan_id WHERE p.code = :c"
            ),
            {"c": code},
        )
    }


def _check_schedule(session, code, per_day):
    """Every visit on a working day of the window, its whole team certified and free that
    day, at most `per_day` visits per officer a day, disclosure 20 working days later."""
    ctx = oracles.context(session, code)
    _pid, start, end, _lead, _rules = ctx["plan"]
    officers = {o.cert_no: o for o in ctx["officers"]}
    visits = _visits(session, code)
    per_officer_day = Counter()
    for (ikey, _body), team in oracles.active_teams(session, code).items():
        visit, due = visits[ikey.split("/", 1)[1]]
        assert start <= visit <= end and provisional_workday(visit), ikey
        assert due == add_workdays(visit, 20), ikey
        for cert_no, _, _ in team:
            o = officers[cert_no]
            assert oracles.certificate_covers(o, visit, visit), (ikey, cert_no)
            assert not oracles.on_leave_on(ctx["leaves"].get(o.id, []), visit), (ikey, cert_no)
            per_officer_day[cert_no, visit] += 1
    assert max(per_officer_day.values()) <= per_day


@pytest.fixture
def joint_district(db_session):
    d = District(db_session)
    entities = {
        "all three": [d.entity(industry="G", town=t) for t in ("TJ", "HX", "CH")],
        "SC and ZF": [d.entity(industry="F", town=t) for t in ("TJ", "HX")],
        "ZF and JT": [d.entity(type="I", industry="G", town="CH")],
    }
    d.entity(type="C", industry="A")  # no item fits a cooperative farm: not in the plan
    for town in ("TJ", "HX", "CH"):
        for _ in range(2):
            d.officer("SC", f"SC-{town}")
            d.officer("ZF", f"ZF-{town}")
    for _ in range(3):
        d.officer("JT", "JT-ZD")
    late = d.officer("JT", "JT-ZD", valid_to=D(2027, 4, 1))  # not the whole window
    d.leave(d.officer("ZF", "ZF-HX"), D(2027, 3, 1), D(2027, 4, 30))
    d.commit()
    return entities, late


JOINT = dict(
    bodies=["SC", "ZF", "JT"],
    items=["SC-01", "ZF-01", "JT-01"],
    team_size={"SC": 2, "ZF": 3, "JT": 2},
    cross_jurisdiction=True,
    mode="balanced",
    cap_per_officer=30,
)


def test_joint_plan_end_to_end(db_session, joint_district):
    entities, late = joint_district
    plan = run_plan(db_session, plan_data(**JOINT), until="scheduled")

    drawn = {u for u in _visits(db_session)}
    assert drawn == {e.uscc for group in entities.values() for e in group}
    wanted = oracles.demand(db_session, CODE)
    bodies_of = {}
    for (ikey, body), size in wanted.items():
        bodies_of.setdefault(ikey.split("/", 1)[1], set()).add((body, size))
    for e in entities["all three"]:
        assert bodies_of[e.uscc] == {("SC", 2), ("ZF", 3), ("JT", 2)}
    for e in entities["SC and ZF"]:
        assert bodies_of[e.uscc] == {("SC", 2), ("ZF", 3)}
    assert bodies_of[entities["ZF and JT"][0].uscc] == {("ZF", 3), ("JT", 2)}

    exported = matching.audit_export(db_session, plan)
    eligible = {tuple(p) for p in exported["eligible"]}
    assert eligible == oracles.eligible_pairs(db_session, CODE)
    assert all(c != late.cert_no for _, c in eligible)
    assert oracles.team_problems(db_session, CODE, SEED, plan.match_summary["cap"]) == []
    demand_of = {i["key"]: i["demand"] for i in exported["inspections"]}
    assert demand_of == {
        ikey: {b: s for (k, b), s in wanted.items() if k == ikey} for ikey in demand_of
    }
    # Balanced: the cap is the smallest that admits a full match.
    load = Counter(
        c for team in oracles.active_teams(db_session, CODE).values() for c, _, _ in team
    )
    assert plan.match_summary["cap"] == max(load.values())
    _check_schedule(db_session, CODE, 4)

    public.publish(db_session, CODE, SYSTEM)
    db_session.commit()
    bundle = public.public_bundle(db_session, CODE)
    assert sorted(bundle["selected"]) == sorted(drawn)


def _balanced_scene(db_session):
    """Six entities, teams of two: 12 places. A and B are free all window; C and D only on
    3 March, one visit a day: the smallest cap that admits a full match is 5."""
    d = District(db_session)
    for _ in range(6):
        d.entity()
    d.officer(), d.officer()
    for _ in range(2):
        o = d.officer()
        d.leave(o, D(2027, 3, 1), D(2027, 3, 2))
        d.leave(o, D(2027, 3, 4), D(2027, 3, 12))
    d.commit()


BALANCED = dict(window={"start": "2027-03-01", "end": "2027-03-12"}, cap_per_day=1)


@pytest.mark.parametrize("planner_cap, cap", [(5, 5), (6, 6), (None, 6)])
def test_balanced_mode_takes_the_smallest_feasible_cap(db_session, planner_cap, cap):
    """The smallest feasible cap here is 5; balanced mode adds its reserve (10 %, at least
    one) and never goes above the planner's cap."""
    _balanced_scene(db_session)
    data = plan_data(mode="balanced", cap_per_officer=planner_cap, **BALANCED)
    plan = run_plan(db_session, data, until="scheduled")
    assert plan.match_summary["smallest_feasible_cap"] == 5
    assert plan.match_summary["cap"] == cap
    assert oracles.team_problems(db_session, CODE, SEED, cap) == []
    _check_schedule(db_session, CODE, 1)


def test_balanced_mode_never_goes_above_the_planners_cap(db_session):
    _balanced_scene(db_session)
    run_plan(db_session, plan_data(mode="balanced", cap_per_officer=4, **BALANCED), until="drawn")
    with pytest.raises(MatchInfeasible) as info:
        matching.match(db_session, CODE, SYSTEM)
    db_session.rollback()
    assert "a cap per officer of 5 would make the match feasible" in str(info.value)
    assert oracles.active_teams(db_session, CODE) == {}


def test_random_mode_keeps_the_planners_cap(db_session):
    _balanced_scene(db_session)
    plan = run_plan(
        db_session, plan_data(mode="random", cap_per_officer=6, **BALANCED), until="matched"
    )
    assert plan.match_summary["cap"] == 6
    assert oracles.team_problems(db_session, CODE, SEED, 6) == []


def test_a_plan_with_a_short_team_cannot_be_published(db_session):
    d = District(db_session)
    entity = d.entity()
    a, _b = d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="scheduled")
    new = recusal.replace_member(
        db_session, CODE, entity.uscc, a.cert_no, AssignmentEnd.RECUSAL_OFFICER, "x", SYSTEM
    )
    db_session.commit()
    assert new is None
    with pytest.raises(PlanStateError) as info:
        public.publish(db_session, CODE, SYSTEM)
    db_session.rollback()
    assert f"{CODE}/{entity.uscc}" in str(info.value)
    assert "缺员" in info.value.message.zh and "incomplete team" in info.value.message.en
    state = db_session.execute(text("SELECT state FROM plan WHERE code = :c"), {"c": CODE})
    assert state.scalar_one() == "scheduled"


@pytest.mark.parametrize("state", ["draft", "frozen", "drawn", "matched"])
def test_publication_only_from_scheduled(db_session, state):
    d = District(db_session)
    d.entity()
    d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until=state)
    with pytest.raises(PlanStateError) as info:
        public.publish(db_session, CODE, SYSTEM)
    db_session.rollback()
    assert "公示" in info.value.message.zh and "publish" in info.value.message.en
    assert db_session.execute(
        text("SELECT state, published_at FROM plan WHERE code = :c"), {"c": CODE}
    ).one() == (state, None)
