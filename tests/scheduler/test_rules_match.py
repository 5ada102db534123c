"""Every eligibility rule of the match (匹配资格规则), each alone: a case where it is the only
thing that keeps an officer off an inspection, and a case where it must not.

The match is judged from outside: the eligible pairs of the auditor export (spec section
6) must equal the independent oracle's (`tests/oracles.py`), and the stored teams must obey
every rule by that oracle.
"""

from __future__ import annotations

import pytest

from scheduler.errors import MatchInfeasible
from scheduler.plans import matching
from scheduler.plans.core import get_plan
from tests import oracles
from tests.districts import SEED, SYSTEM, D, District, plan_data, run_plan

WINDOW = (D(2027, 3, 1), D(2027, 4, 30))


def _leave_all_window(d, o, _e):
    d.leave(o, D(2027, 2, 1), D(2027, 3, 31))
    d.leave(o, D(2027, 4, 1), D(2027, 5, 31))


def _leave_all_but_one_day(d, o, _e):
    d.leave(o, D(2027, 2, 1), D(2027, 4, 14))
    d.leave(o, D(2027, 4, 16), D(2027, 5, 31))


def _conflict(d, o, e):
    d.conflict(o, e)


def _conflict_elsewhere(d, o, _e):
    d.conflict(o, d.entity(industry="H"))


def _last_inspector(d, o, e):
    d.history(e, D(2026, 6, 1), [d.officer()])
    d.history(e, D(2026, 11, 20), [o])


def _older_inspector(d, o, e):
    d.history(e, D(2026, 6, 1), [o])
    d.history(e, D(2026, 11, 20), [d.officer()])


def _other_body_inspected(d, o, e):
    d.history(e, D(2026, 11, 20), [o], body="ZF")


def _inspected_after_window_start(d, o, e):
    d.history(e, D(2027, 3, 1), [o])


# (case id, officer keyword arguments, setup, plan overrides, excluded by)
CASES = [
    (
        "cert ends the day before the window ends",
        {"valid_to": D(2027, 4, 29)},
        None,
        {},
        "certificate",
    ),
    (
        "cert starts the day after the window starts",
        {"valid_from": D(2027, 3, 2)},
        None,
        {},
        "certificate",
    ),
    (
        "cert covers exactly the window",
        {"valid_from": D(2027, 3, 1), "valid_to": D(2027, 4, 30)},
        None,
        {},
        None,
    ),
    ("cert suspended", {"status": "suspended"}, None, {}, "certificate"),
    ("cert expired", {"status": "expired"}, None, {}, "certificate"),
    ("cert revoked", {"status": "revoked"}, None, {}, "certificate"),
    ("on leave every day of the window", {}, _leave_all_window, {}, "leave"),
    ("free on one day of the window", {}, _leave_all_but_one_day, {}, None),
    (
        "competent for one of two categories",
        {"competences": "企业信息公示"},
        None,
        {},
        "competence",
    ),
    (
        "competent for both categories",
        {"competences": "企业信息公示;特种设备;登记事项"},
        None,
        {},
        None,
    ),
    (
        "competent for unrelated categories only",
        {"competences": "食品安全"},
        None,
        {},
        "competence",
    ),
    (
        "own town under cross-jurisdiction",
        {"unit": "SC-TJ"},
        None,
        {"cross_jurisdiction": True},
        "jurisdiction",
    ),
    (
        "another town under cross-jurisdiction",
        {"unit": "SC-HX"},
        None,
        {"cross_jurisdiction": True},
        None,
    ),
    ("own town without cross-jurisdiction", {"unit": "SC-TJ"}, None, {}, None),
    ("declared conflict with the entity", {}, _conflict, {}, "conflict"),
    ("declared conflict with another entity", {}, _conflict_elsewhere, {}, None),
    ("inspected the entity last time", {}, _last_inspector, {}, "rotation"),
    ("inspected it before the last time", {}, _older_inspector, {}, None),
    ("inspected it for another body", {}, _other_body_inspected, {}, None),
    ("inspected it on the window's first day", {}, _inspected_after_window_start, {}, None),
    ("officer of another body", {"body": "ZF"}, None, {}, "body"),
]


@pytest.mark.parametrize(
    ("officer_kw", "setup", "overrides", "excluded_by"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_rule_alone_decides_eligibility(db_session, officer_kw, setup, overrides, excluded_by):
    d = District(db_session)
    entity = d.entity(town="TJ")
    d.officer()
    d.officer()
    subject = d.officer(**officer_kw)
    if setup:
        setup(d, subject, entity)
    d.commit()
    plan = run_plan(db_session, plan_data(**overrides), until="matched")

    exported = matching.audit_export(db_session, plan)
    eligible = {tuple(p) for p in exported["eligible"]}
    key = f"{plan.code}/{entity.uscc}"
    assert ((key, subject.cert_no) in eligible) == (excluded_by is None)
    assert eligible == oracles.eligible_pairs(db_session, plan.code)
    ctx = oracles.context(db_session, plan.code)
    row = next(o for o in ctx["officers"] if o.id == subject.id)
    e_row = oracles.EntityRow(entity.id, entity.uscc, "E", "F", entity.town_id)
    assert oracles.why_not_eligible(db_session, plan.code, e_row, row, "SC", ctx=ctx) == excluded_by
    assert oracles.team_problems(db_session, plan.code, SEED, plan.match_summary["cap"]) == []


def test_the_only_eligible_officer_short_of_a_team_gets_a_diagnosis_with_the_reasons(db_session):
    """One eligible officer for a team of two: nothing stored, and the planner learns how
    many officers each rule excluded."""
    d = District(db_session)
    entity = d.entity(town="TJ")
    d.officer()
    d.officer(valid_to=D(2027, 4, 29))
    cut = d.officer()
    d.conflict(cut, entity)
    d.commit()
    run_plan(db_session, plan_data(), until="drawn")
    with pytest.raises(MatchInfeasible) as info:
        matching.match(db_session, "SC-2027-101", SYSTEM)
    db_session.rollback()
    text = str(info.value)
    assert "only 1 eligible officers, 2 needed" in text
    assert "certificate not valid for the whole window 1" in text
    assert "declared conflict 1" in text
    plan = get_plan(db_session, "SC-2027-101")
    assert plan.state == "drawn" and plan.match_summary is None
    assert oracles.active_teams(db_session, plan.code) == {}
