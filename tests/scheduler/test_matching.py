"""Matching wired to the directory: eligibility rules, infeasibility diagnosis, recusal."""

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from scheduler import matching, plans
from scheduler.models import (
    Assignment,
    AuditEvent,
    Conflict,
    Inspection,
    LeavePeriod,
    Officer,
    Unit,
)
from solver import match as matcher

SEED = "57721566490153286060651209"
CODE = "SC-2027-001"


def _drawn(db_session, plan_file, **overrides):
    base = dict(
        strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    base.update(overrides)
    plans.create_plan(db_session, plan_file(**base), "t")
    plans.freeze(db_session, CODE, "t")
    plans.set_seed(db_session, CODE, SEED, "t")
    plans.draw(db_session, CODE, "t")
    db_session.commit()
    return plans.get_plan(db_session, CODE)


def check_assignment(db_session, plan):
    """Every stored team obeys every rule, checked from the database, not the solver."""
    problems = []
    inspections = db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()
    load = {}
    for insp in inspections:
        team = matching.team_of(db_session, insp.id)
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
            if not matching.certificate_ok(o, plan.window_start, plan.window_end):
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


def test_match_respects_every_rule_and_is_optimal(db_session, small_district, plan_file):
    plan = _drawn(db_session, plan_file)
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
    matching.match(db_session, CODE, "t")
    db_session.commit()
    plan = plans.get_plan(db_session, CODE)
    assert plan.state == "matched"
    assert check_assignment(db_session, plan) == []
    assert not db_session.scalars(
        select(Assignment).where(Assignment.officer_id == officers[1].id)
    ).all()
    # Balanced: the cap is the smallest feasible one.
    built = matching.build_problem(db_session, plan)
    assert plan.match_summary["cap"] == matcher.smallest_feasible_cap(built.problem)
    # The auditor export agrees with the stored match and is optimal.
    export = matching.audit_export(db_session, CODE)
    assert {tuple(p) for p in export["eligible"]} >= {(a[0], a[1]) for a in export["assignment"]}
    problem = matching.unpack_problem(db_session.get(matching.PlanMatchInput, plan.id).problem_npz)
    again = matcher.solve(problem, plan.seed, plan.code)
    assert again.rows(problem) == export["assignment"]
    assert again.total_cost == plan.match_summary["total_cost"]


def test_cross_jurisdiction_keeps_officers_out_of_their_own_town(
    db_session, small_district, plan_file
):
    _drawn(db_session, plan_file, cross_jurisdiction=True)
    matching.match(db_session, CODE, "t")
    db_session.commit()
    plan = plans.get_plan(db_session, CODE)
    assert check_assignment(db_session, plan) == []
    pairs = db_session.execute(
        select(Unit.town_id, Inspection.entity_id)
        .join(Officer, Officer.unit_id == Unit.id)
        .join(Assignment, Assignment.officer_id == Officer.id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
    ).all()
    assert pairs
    for town_id, entity_id in pairs:
        assert town_id != db_session.get(type(small_district["entities"][0]), entity_id).town_id


def test_infeasible_match_explains_itself_and_stores_nothing(db_session, small_district, plan_file):
    _drawn(db_session, plan_file, mode="random", cap_per_officer=1)
    with pytest.raises(matching.MatchInfeasible) as err:
        matching.match(db_session, CODE, "t")
    db_session.rollback()
    text = str(err.value)
    assert "demand 20 places, capacity 8" in text
    assert "a cap per officer of 3 would make the match feasible" in text
    assert err.value.diagnosis["smallest_feasible_cap"] == 3
    assert db_session.scalars(select(Assignment)).all() == []
    assert plans.get_plan(db_session, CODE).state == "drawn"


def test_short_team_names_the_reasons(db_session, small_district, plan_file):
    _drawn(db_session, plan_file)
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
    with pytest.raises(matching.MatchInfeasible) as err:
        matching.match(db_session, CODE, "t")
    db_session.rollback()
    text = str(err.value)
    assert f"{CODE}/{target.uscc} (SC): 仅 1 名符合条件" in text
    assert "only 1 eligible officers, 2 needed" in text
    assert "declared conflict 4" in text and "on leave for the whole window 3" in text


def test_recusal_replaces_with_smallest_cost_and_records_the_conflict(
    db_session, small_district, plan_file
):
    _drawn(db_session, plan_file)
    matching.match(db_session, CODE, "t")
    db_session.commit()
    plan = plans.get_plan(db_session, CODE)
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    team = matching.team_of(db_session, insp.id)
    leaving = team[0].officer
    key = f"{CODE}/{insp.uscc}"
    candidates, _ = matching.replacement_candidates(
        db_session, plan, insp, team[0].body_id, {leaving.id}
    )
    expected = min(candidates, key=lambda o: (matcher.cost(SEED, CODE, key, o.cert_no), o.cert_no))
    new = matching.replace_member(
        db_session,
        CODE,
        insp.uscc,
        leaving.cert_no,
        matching.AssignmentEnd.RECUSAL_OFFICER,
        "亲属关系",
        "t",
    )
    db_session.commit()
    assert new.officer_id == expected.id
    assert (
        db_session.scalar(
            select(Conflict).where(
                Conflict.officer_id == leaving.id, Conflict.entity_id == insp.entity_id
            )
        ).note
        == "亲属关系"
    )
    old = db_session.scalar(select(Assignment).where(Assignment.id == team[0].id))
    assert not old.active and old.end_reason == "recusal_officer"  # kept, never deleted
    assert check_assignment(db_session, plan) == []
    kinds = db_session.scalars(select(AuditEvent.kind)).all()
    assert "team_member_replaced" in kinds


def test_recusal_chain_until_nobody_is_left_flags_the_inspection(
    db_session, small_district, plan_file
):
    _drawn(
        db_session,
        plan_file,
        strata={"by": "credit_class", "counts": {"A": 1, "B": 0, "C": 0, "D": 0}},
    )
    matching.match(db_session, CODE, "t")
    db_session.commit()
    insp = db_session.scalars(select(Inspection)).one()
    seen = set()
    for _ in range(10):
        team = matching.team_of(db_session, insp.id)
        member = next(a for a in team if a.officer_id not in seen)
        seen.add(member.officer_id)
        new = matching.replace_member(
            db_session,
            CODE,
            insp.uscc,
            member.officer.cert_no,
            matching.AssignmentEnd.RECUSAL_ENTITY,
            "企业申请回避",
            "t",
        )
        db_session.commit()
        if new is None:
            break
    db_session.refresh(insp)
    assert new is None
    assert "no eligible replacement" in insp.short_reason
    assert "left this team before (recused or removed)" in insp.short_reason
    # A short team is listed by plan show and blocks publication.
    from scheduler import scheduling

    assert [t["inspection"] for t in plans.summary(db_session, CODE)["short_teams"]] == [
        f"{CODE}/{insp.uscc}"
    ]
    scheduling.schedule(db_session, CODE, "t")
    with pytest.raises(plans.PlanStateError, match="incomplete team"):
        plans.publish(db_session, CODE, "t")
    # Eight SC officers: two on the team at the end minus the last one ended... every
    # replacement came from those never seen before.
    ended = db_session.scalars(select(Assignment).where(~Assignment.active)).all()
    assert len(ended) == len(seen)


def test_remove_unavailable_officer_from_all_teams(db_session, small_district, plan_file):
    _drawn(db_session, plan_file)
    matching.match(db_session, CODE, "t")
    db_session.commit()
    busiest = (
        db_session.execute(select(Assignment.officer_id).where(Assignment.active)).scalars().all()
    )
    oid = max(set(busiest), key=busiest.count)
    officer = db_session.get(Officer, oid)
    results = matching.remove_unavailable(db_session, CODE, officer.cert_no, "借调", "t")
    db_session.commit()
    assert len(results) == busiest.count(oid)
    assert not db_session.scalars(
        select(Assignment).where(Assignment.officer_id == oid, Assignment.active)
    ).all()
    # Unavailability is not a conflict of interest.
    assert db_session.scalars(select(Conflict).where(Conflict.officer_id == oid)).all() == []
    plan = plans.get_plan(db_session, CODE)
    assert check_assignment(db_session, plan) == []


def test_match_in_wrong_state(db_session, small_district, plan_file):
    plans.create_plan(db_session, plan_file(), "t")
    with pytest.raises(plans.PlanStateError):
        matching.match(db_session, CODE, "t")


def test_same_inputs_same_match(db_session, small_district, plan_file):
    _drawn(db_session, plan_file)
    plan = plans.get_plan(db_session, CODE)
    one = matching.build_problem(db_session, plan)
    two = matching.build_problem(db_session, plan)
    a = matcher.solve(one.problem, SEED, CODE)
    b = matcher.solve(two.problem, SEED, CODE)
    assert a.rows(one.problem) == b.rows(two.problem)
    assert np.array_equal(one.problem.pair_o, two.problem.pair_o)


def test_rotation_and_recent_exclusion_see_this_systems_own_plans(
    db_session, small_district, plan_file
):
    from scheduler import scheduling

    everyone = {"by": "none", "counts": {"ALL": 30}}
    first = plan_file(
        code="SC-2026-A",
        window={"start": "2026-03-02", "end": "2026-03-31"},
        strata=everyone,
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    plans.create_plan(db_session, first, "t")
    plans.freeze(db_session, "SC-2026-A", "t")
    plans.set_seed(db_session, "SC-2026-A", SEED, "t")
    plans.draw(db_session, "SC-2026-A", "t")
    matching.match(db_session, "SC-2026-A", "t")
    scheduling.schedule(db_session, "SC-2026-A", "t")
    db_session.commit()
    visited = {i.entity_id: i for i in db_session.scalars(select(Inspection))}
    teams = {
        eid: {a.officer_id for a in matching.team_of(db_session, insp.id)}
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
    plans.create_plan(db_session, later, "t")
    plan_b = plans.freeze(db_session, "SC-2026-B", "t")
    keys, _ = plans.frozen_population(db_session, plan_b)
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
    plans.create_plan(db_session, again, "t")
    plans.freeze(db_session, "SC-2026-C", "t")
    plans.set_seed(db_session, "SC-2026-C", SEED, "t")
    plan_c = plans.draw(db_session, "SC-2026-C", "t")
    built = matching.build_problem(db_session, plan_c)
    pool = built.pools["SC"]
    officer_index = {o.id: k for k, o in enumerate(pool.officers)}
    rows = {r.entity_id: n for n, r in enumerate(built.inspections)}
    for eid, team in teams.items():
        for oid in team:
            assert pool.rotation[rows[eid], officer_index[oid]]
