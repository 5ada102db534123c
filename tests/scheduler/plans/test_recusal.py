"""Recusal and replacement: the smallest-cost eligible officer, short teams, removal."""

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import PlanStateError
from scheduler.models import Assignment, AssignmentEnd, AuditEvent, Conflict, Inspection, Officer
from scheduler.plans import matching, public, queries, recusal, scheduling
from scheduler.plans.core import get_plan
from solver import match as matcher

ACTOR = Actor.system("test")

SEED = "57721566490153286060651209"
CODE = "SC-2027-001"


def test_recusal_replaces_with_smallest_cost_and_records_the_conflict(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    plan = get_plan(db_session, CODE)
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    team = queries.team_of(db_session, insp.id)
    leaving = team[0].officer
    key = f"{CODE}/{insp.uscc}"
    candidates, _ = recusal.replacement_candidates(
        db_session, plan, insp, team[0].body_id, {leaving.id}
    )
    expected = min(candidates, key=lambda o: (matcher.cost(SEED, CODE, key, o.cert_no), o.cert_no))
    new = recusal.replace_member(
        db_session,
        CODE,
        insp.uscc,
        leaving.cert_no,
        AssignmentEnd.RECUSAL_OFFICER,
        "亲属关系",
        ACTOR,
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
    assert assignment_problems(db_session, plan) == []
    kinds = db_session.scalars(select(AuditEvent.kind)).all()
    assert "team_member_replaced" in kinds


def test_recusal_chain_until_nobody_is_left_flags_the_inspection(
    db_session, small_district, plan_file, drawn
):
    drawn(
        db_session,
        plan_file,
        strata={"by": "credit_class", "counts": {"A": 1, "B": 0, "C": 0, "D": 0}},
    )
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    insp = db_session.scalars(select(Inspection)).one()
    seen = set()
    for _ in range(10):
        team = queries.team_of(db_session, insp.id)
        member = next(a for a in team if a.officer_id not in seen)
        seen.add(member.officer_id)
        new = recusal.replace_member(
            db_session,
            CODE,
            insp.uscc,
            member.officer.cert_no,
            AssignmentEnd.RECUSAL_ENTITY,
            "企业申请回避",
            ACTOR,
        )
        db_session.commit()
        if new is None:
            break
    db_session.refresh(insp)
    assert new is None
    assert "no eligible replacement" in insp.short_reason
    assert "left this team before (recused or removed)" in insp.short_reason
    # A short team is listed by plan show and blocks publication.

    assert [
        t["inspection"]
        for t in queries.summary(db_session, get_plan(db_session, CODE))["short_teams"]
    ] == [f"{CODE}/{insp.uscc}"]
    scheduling.schedule(db_session, CODE, ACTOR)
    with pytest.raises(PlanStateError, match="incomplete team"):
        public.publish(db_session, CODE, ACTOR)
    # Eight SC officers: two on the team at the end minus the last one ended... every
    # replacement came from those never seen before.
    ended = db_session.scalars(select(Assignment).where(~Assignment.active)).all()
    assert len(ended) == len(seen)


def test_remove_unavailable_officer_from_all_teams(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    busiest = (
        db_session.execute(select(Assignment.officer_id).where(Assignment.active)).scalars().all()
    )
    oid = max(set(busiest), key=busiest.count)
    officer = db_session.get(Officer, oid)
    results = recusal.remove_unavailable(db_session, CODE, officer.cert_no, "借调", ACTOR)
    db_session.commit()
    assert len(results) == busiest.count(oid)
    assert not db_session.scalars(
        select(Assignment).where(Assignment.officer_id == oid, Assignment.active)
    ).all()
    # Unavailability is not a conflict of interest.
    assert db_session.scalars(select(Conflict).where(Conflict.officer_id == oid)).all() == []
    plan = get_plan(db_session, CODE)
    assert assignment_problems(db_session, plan) == []
