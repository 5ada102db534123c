"""Every check of the replacement after a recusal (回避后的人员替补), each alone.

A matched team of two (A, B) loses A; officer X, added after the match, is the only other
officer of the district. X has exactly one property: where that property breaks a rule,
nobody may replace A and the inspection is flagged short with that reason; where it must
not, X replaces A. Before scheduling the rules hold for the whole window; after
scheduling, on the inspection's date (spec section 4).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scheduler.models import AssignmentEnd
from scheduler.plans import matching, recusal
from tests import oracles
from tests.districts import SEED, SYSTEM, D, District, plan_data, run_plan

CODE = "SC-2027-101"


def _short_reason(session, uscc):
    return session.execute(
        text("SELECT short_reason FROM inspection WHERE uscc = :u"), {"u": uscc}
    ).scalar_one()


def _visit(session, uscc):
    return oracles.as_date(
        session.execute(
            text("SELECT visit_date FROM inspection WHERE uscc = :u"), {"u": uscc}
        ).scalar_one()
    )


def _recuse(session, uscc, cert_no, reason=AssignmentEnd.RECUSAL_OFFICER):
    new = recusal.replace_member(session, CODE, uscc, cert_no, reason, "亲属关系", SYSTEM)
    session.commit()
    return new


# (id, X's keyword arguments, setup(d, x, entity, visit), plan overrides, until, reason)
def _leave_window(d, x, _e, _v):
    d.leave(x, D(2027, 2, 20), D(2027, 5, 10))


def _leave_window_but_one(d, x, _e, _v):
    d.leave(x, D(2027, 2, 20), D(2027, 4, 14))
    d.leave(x, D(2027, 4, 16), D(2027, 5, 10))


def _leave_visit_day(d, x, _e, visit):
    d.leave(x, visit, visit)


def _leave_all_but_visit_day(d, x, _e, visit):
    if visit > D(2027, 3, 1):
        d.leave(x, D(2027, 3, 1), visit - oracles.dt.timedelta(days=1))
    if visit < D(2027, 4, 30):
        d.leave(x, visit + oracles.dt.timedelta(days=1), D(2027, 4, 30))


def _conflict(d, x, e, _v):
    d.conflict(x, e)


def _conflict_elsewhere(d, x, _e, _v):
    d.conflict(x, d.entity(industry="H"))


def _last_inspector(d, x, e, _v):
    d.history(e, D(2026, 12, 1), [x])


def _older_inspector(d, x, e, _v):
    d.history(e, D(2026, 5, 1), [x])
    d.history(e, D(2026, 12, 1), [d.officer(body="ZF")], body="SC")


CASES = [
    ("cert ends before the window ends", {"valid_to": D(2027, 4, 29)}, None, {}, "certificate"),
    ("cert covers the window", {"valid_to": D(2027, 4, 30)}, None, {}, None),
    ("cert starts after the window starts", {"valid_from": D(2027, 3, 2)}, None, {}, "certificate"),
    ("cert suspended", {"status": "suspended"}, None, {}, "certificate"),
    ("cert revoked", {"status": "revoked"}, None, {}, "certificate"),
    ("on leave the whole window", {}, _leave_window, {}, "leave"),
    ("free one day of the window", {}, _leave_window_but_one, {}, None),
    ("not competent", {"competences": "企业信息公示"}, None, {}, "competence"),
    ("competent", {"competences": "企业信息公示;登记事项"}, None, {}, None),
    (
        "own town, cross-jurisdiction",
        {"unit": "SC-TJ"},
        None,
        {"cross_jurisdiction": True},
        "jurisdiction",
    ),
    ("other town, cross-jurisdiction", {"unit": "SC-CH"}, None, {"cross_jurisdiction": True}, None),
    ("own town, no cross-jurisdiction", {"unit": "SC-TJ"}, None, {}, None),
    ("declared conflict", {}, _conflict, {}, "conflict"),
    ("conflict with another entity", {}, _conflict_elsewhere, {}, None),
    ("inspected it last time", {}, _last_inspector, {}, "rotation"),
    ("inspected it before last time", {}, _older_inspector, {}, None),
    ("officer of another body", {"body": "ZF"}, None, {}, "body"),
]


@pytest.mark.parametrize(
    ("x_kw", "setup", "overrides", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_replacement_before_scheduling_checks_each_rule(db_session, x_kw, setup, overrides, reason):
    d = District(db_session)
    entity = d.entity(town="TJ")
    a, b = d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(**overrides), until="matched")
    x = d.officer(**x_kw)
    if setup:
        setup(d, x, entity, None)
    d.commit()

    new = _recuse(db_session, entity.uscc, a.cert_no)

    ctx = oracles.context(db_session, CODE)
    x_row = next(o for o in ctx["officers"] if o.id == x.id)
    e_row = oracles.EntityRow(entity.id, entity.uscc, "E", "F", entity.town_id)
    assert oracles.why_not_eligible(db_session, CODE, e_row, x_row, "SC", ctx=ctx) == reason
    team = {c for c, _, _ in oracles.active_teams(db_session, CODE)[f"{CODE}/{entity.uscc}", "SC"]}
    if reason is None:
        assert new is not None and new.officer_id == x.id
        assert team == {b.cert_no, x.cert_no}
        assert _short_reason(db_session, entity.uscc) is None
        assert oracles.team_problems(db_session, CODE, SEED) == []
    else:
        assert new is None
        assert team == {b.cert_no}
        short = _short_reason(db_session, entity.uscc)
        assert short and a.cert_no in short


SCHEDULED_CASES = [
    ("cert ends on the visit day", lambda v: {"valid_to": v}, None, None),
    (
        "cert ends the day before the visit",
        lambda v: {"valid_to": v - oracles.dt.timedelta(days=1)},
        None,
        "certificate",
    ),
    (
        "cert starts the day after the visit",
        lambda v: {"valid_from": v + oracles.dt.timedelta(days=1)},
        None,
        "certificate",
    ),
    ("on leave on the visit day", lambda v: {}, _leave_visit_day, "leave"),
    ("on leave every other day", lambda v: {}, _leave_all_but_visit_day, None),
]


@pytest.mark.parametrize(
    ("x_kw", "setup", "reason"),
    [c[1:] for c in SCHEDULED_CASES],
    ids=[c[0] for c in SCHEDULED_CASES],
)
def test_replacement_after_scheduling_checks_the_visit_day(db_session, x_kw, setup, reason):
    d = District(db_session)
    entity = d.entity(town="TJ")
    a, _b = d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="scheduled")
    visit = _visit(db_session, entity.uscc)
    x = d.officer(**x_kw(visit))
    if setup:
        setup(d, x, entity, visit)
    d.commit()

    new = _recuse(db_session, entity.uscc, a.cert_no)

    ctx = oracles.context(db_session, CODE)
    x_row = next(o for o in ctx["officers"] if o.id == x.id)
    e_row = oracles.EntityRow(entity.id, entity.uscc, "E", "F", entity.town_id)
    got = oracles.why_not_eligible(db_session, CODE, e_row, x_row, "SC", on_day=visit, ctx=ctx)
    assert got == reason
    if reason is None:
        assert new is not None and new.officer_id == x.id
    else:
        assert new is None and _short_reason(db_session, entity.uscc)


def test_nobody_who_left_the_team_comes_back(db_session):
    d = District(db_session)
    entity = d.entity()
    a, b = d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="matched")
    x = d.officer()
    d.commit()
    assert _recuse(db_session, entity.uscc, a.cert_no).officer_id == x.id
    assert _recuse(db_session, entity.uscc, x.cert_no) is None  # A left before: not back
    team = oracles.active_teams(db_session, CODE)[f"{CODE}/{entity.uscc}", "SC"]
    assert [c for c, _, _ in team] == [b.cert_no]
    assert team[0][1] is True  # the one member left leads


@pytest.mark.parametrize(("cap", "replaced"), [(1, False), (2, True)])
def test_replacement_respects_the_plan_cap(db_session, cap, replaced):
    """Two inspections, four officers, teams of two: with a cap of 1 everybody is at the
    cap, so nobody may replace; with 2, an officer of the other team may."""
    d = District(db_session)
    e1, _e2 = d.entity(), d.entity()
    for _ in range(4):
        d.officer()
    d.commit()
    plan = run_plan(db_session, plan_data(cap_per_officer=cap), until="matched")
    teams = oracles.active_teams(db_session, CODE)
    leaving = teams[f"{CODE}/{e1.uscc}", "SC"][0][0]
    new = _recuse(db_session, e1.uscc, leaving)
    assert (new is not None) == replaced
    assert plan.match_summary["cap"] == cap
    if replaced:
        assert oracles.team_problems(db_session, CODE, SEED, cap) == []


@pytest.mark.parametrize(("per_day", "replaced"), [(1, False), (2, True)])
def test_replacement_respects_the_daily_cap(db_session, per_day, replaced):
    """A one-day window: every visit is that day; with one visit a day per officer the
    other team's officers are full that day."""
    d = District(db_session)
    e1, _e2 = d.entity(), d.entity()
    for _ in range(4):
        d.officer()
    d.commit()
    window = {"start": "2027-03-02", "end": "2027-03-02"}
    run_plan(db_session, plan_data(window=window, cap_per_day=per_day), until="scheduled")
    assert _visit(db_session, e1.uscc) == D(2027, 3, 2)
    teams = oracles.active_teams(db_session, CODE)
    leaving = teams[f"{CODE}/{e1.uscc}", "SC"][0][0]
    new = _recuse(db_session, e1.uscc, leaving)
    assert (new is not None) == replaced


def test_the_replacement_is_the_smallest_cost_eligible_officer(db_session):
    d = District(db_session)
    entity = d.entity()
    a, _b = d.officer(), d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="matched")
    extra = [d.officer() for _ in range(5)]
    d.officer(status="suspended")
    d.commit()
    key = f"{CODE}/{entity.uscc}"
    best = min(extra, key=lambda o: (oracles.cost(SEED, CODE, key, o.cert_no), o.cert_no))
    new = _recuse(db_session, entity.uscc, a.cert_no)
    assert new.officer_id == best.id
    assert oracles.team_problems(db_session, CODE, SEED) == []


def test_recusal_records_the_conflict_so_a_later_match_excludes_the_officer(db_session):
    d = District(db_session)
    entity = d.entity()
    for _ in range(3):
        d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="matched")
    leaving = oracles.active_teams(db_session, CODE)[f"{CODE}/{entity.uscc}", "SC"][0][0]
    _recuse(db_session, entity.uscc, leaving, AssignmentEnd.RECUSAL_ENTITY)
    later = run_plan(db_session, plan_data(code="SC-2027-102"), until="matched")
    pairs = {tuple(p) for p in matching.audit_export(db_session, later)["eligible"]}
    assert (f"SC-2027-102/{entity.uscc}", leaving) not in pairs
    assert len(pairs) == 2
    assert pairs == oracles.eligible_pairs(db_session, "SC-2027-102")
