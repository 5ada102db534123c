"""Repair tools: rematch, manual assignment, reschedule, cancel (each dead end first)."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import Invalid, PlanError, PlanStateError
from scheduler.models import (
    Assignment,
    AssignmentEnd,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Conflict,
    Inspection,
    LeavePeriod,
)
from scheduler.plans import (
    cancel,
    create,
    draw,
    matching,
    public,
    queries,
    recusal,
    rematch,
    reschedule,
    scheduling,
)
from scheduler.plans.core import get_plan
from solver import match as matcher

ACTOR = Actor.system("test")
CODE = "SC-2027-001"
SEED = "57721566490153286060651209"


def _events(db_session, kind):
    return db_session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)).all()


def _short_after_recusal(db_session, small_district):
    """Recuse a member while every other officer is suspended: nobody replaces him or
    her and the team stays short (the dead end); then the others are back."""
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    team = queries.team_of(db_session, insp.id)
    leaving, staying = team[0].officer, team[1].officer
    others = [o for o in small_district["officers"] if o.id not in (leaving.id, staying.id)]
    for o in others:
        o.cert_status = "suspended"
    db_session.flush()
    new = recusal.replace_member(
        db_session, CODE, insp.uscc, leaving.cert_no, AssignmentEnd.RECUSAL_OFFICER, "亲属", ACTOR
    )
    assert new is None
    for o in others:
        o.cert_status = "valid"
    db_session.commit()
    assert get_plan(db_session, CODE) and insp.short_reason
    return insp, leaving, staying


def test_rematch_fills_a_short_team_with_the_cheapest_eligible_officer(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    insp, leaving, staying = _short_after_recusal(db_session, small_district)
    # Publishing is refused while the team is short.
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    with pytest.raises(PlanStateError):
        public.publish(db_session, CODE, ACTOR)
    db_session.rollback()
    plan = get_plan(db_session, CODE)
    candidates, _ = recusal.replacement_candidates(
        db_session, plan, insp, staying.body_id, {leaving.id}
    )
    key = f"{CODE}/{insp.uscc}"
    cheapest = min(candidates, key=lambda o: (matcher.cost(SEED, CODE, key, o.cert_no), o.cert_no))
    result = rematch.rematch(db_session, CODE, ACTOR)
    db_session.commit()
    assert result.filled == [(insp.uscc, "SC", cheapest.cert_no)] and result.short == []
    team = queries.team_of(db_session, insp.id)
    assert {a.officer_id for a in team} == {staying.id, cheapest.id}  # the member stays
    ended = db_session.scalar(
        select(Assignment).where(
            Assignment.officer_id == leaving.id, Assignment.inspection_id == insp.id
        )
    )
    added = next(a for a in team if a.officer_id == cheapest.id)
    assert added.replaces_id == ended.id
    db_session.refresh(insp)
    assert insp.short_reason is None
    assert assignment_problems(db_session, get_plan(db_session, CODE)) == []
    assert _events(db_session, "plan_rematched")[0].payload["filled"] == [
        [insp.uscc, "SC", cheapest.cert_no]
    ]
    public.publish(db_session, CODE, ACTOR)  # now it can


def test_manual_assignment_checks_every_rule(db_session, small_district, plan_file, drawn):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    insp, leaving, staying = _short_after_recusal(db_session, small_district)
    others = [o for o in small_district["officers"] if o.id not in (leaving.id, staying.id)]
    db_session.add(
        Conflict(
            officer=others[0],
            entity_id=insp.entity_id,
            kind="other",
            declared_on=dt.date(2027, 1, 1),
        )
    )
    db_session.commit()
    with pytest.raises(PlanError) as err:
        rematch.assign(db_session, CODE, insp.uscc, others[0].cert_no, "熟悉业务", ACTOR)
    assert err.value.code == "officer_ineligible" and "declared conflict" in str(err.value)
    db_session.rollback()
    with pytest.raises(PlanError) as err:
        rematch.assign(db_session, CODE, insp.uscc, leaving.cert_no, "回来", ACTOR)
    assert "left this team before" in str(err.value)
    db_session.rollback()
    with pytest.raises(Invalid):
        rematch.assign(db_session, CODE, insp.uscc, others[0].cert_no, " ", ACTOR)
    db_session.rollback()
    ok, _ = recusal.replacement_candidates(
        db_session, get_plan(db_session, CODE), insp, staying.body_id, {leaving.id}
    )
    assert others[0] not in ok and len(ok) >= 2
    new = rematch.assign(db_session, CODE, insp.uscc, ok[0].cert_no, "熟悉业务", ACTOR)
    db_session.commit()
    assert new.officer_id == ok[0].id and new.active
    db_session.refresh(insp)
    assert insp.short_reason is None
    event = _events(db_session, "team_member_assigned")[0]
    assert event.payload["reason"] == "熟悉业务" and event.payload["assigned"] == ok[0].cert_no
    with pytest.raises(PlanError) as err:  # the team is complete now
        rematch.assign(db_session, CODE, insp.uscc, ok[1].cert_no, "再加一人", ACTOR)
    assert err.value.code == "team_complete"


def _scheduled(db_session, plan_file, drawn):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    return {i.uscc: i.visit_date for i in db_session.scalars(select(Inspection))}


def test_reschedule_moves_only_the_visits_that_became_invalid(
    db_session, small_district, plan_file, drawn
):
    before = _scheduled(db_session, plan_file, drawn)
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    member = queries.team_of(db_session, insp.id)[0].officer
    day = insp.visit_date
    # The dead end: leave on the visit's day, and the official calendar makes another
    # visit's day a holiday; before, only a new plan could move them.
    db_session.add(LeavePeriod(officer=member, starts_on=day, ends_on=day, reason="病假"))
    other = next(
        i
        for i in db_session.scalars(select(Inspection).order_by(Inspection.uscc))
        if i.visit_date != day
    )
    holiday = other.visit_date
    db_session.add(
        CalendarYear(year=holiday.year, imported_at=dt.datetime(2026, 12, 1), imported_by="t")
    )
    db_session.flush()  # the year first: PostgreSQL checks the foreign key at once
    db_session.add(CalendarDay(day=holiday, year=holiday.year, is_workday=False, name="测试"))
    db_session.commit()
    moves = reschedule.reschedule(db_session, CODE, ACTOR)
    db_session.commit()
    moved = {m.uscc: m for m in moves}
    assert moved[insp.uscc].why == "leave" and moved[insp.uscc].officers == (member.cert_no,)
    after = {i.uscc: i for i in db_session.scalars(select(Inspection))}
    on_holiday = {u for u, d in before.items() if d == holiday}
    on_leave_day = {
        u
        for u, d in before.items()
        if d == day
        and member.id in {a.officer_id for a in queries.team_of(db_session, after[u].id)}
    }
    assert set(moved) == on_holiday | on_leave_day
    for uscc, old in before.items():
        if uscc not in moved:
            assert after[uscc].visit_date == old
        else:
            assert after[uscc].visit_date not in (holiday, old)
            assert after[uscc].visit_date.weekday() < 5
    assert after[insp.uscc].visit_date != day
    assert len(_events(db_session, "visit_moved")) == len(moves)
    assert reschedule.reschedule(db_session, CODE, ACTOR) == []  # nothing left to move


def test_cancelled_draws_no_longer_count_towards_max_per_year(
    db_session, small_district, plan_file
):
    everyone = {"by": "none", "ratios_bp": {"ALL": 10000}}
    quiet = {"months_since_last": None, "max_per_year": None}
    first = plan_file(code="SC-2027-A", strata=everyone, exclusions=quiet)
    create.create_plan(db_session, first, ACTOR)
    draw.freeze(db_session, "SC-2027-A", ACTOR, force=True)
    draw.set_seed(db_session, "SC-2027-A", SEED, ACTOR)
    draw.draw(db_session, "SC-2027-A", ACTOR)
    db_session.commit()

    def second_population(code):
        data = plan_file(
            code=code,
            strata=everyone,
            exclusions={"months_since_last": None, "max_per_year": 1},
        )
        create.create_plan(db_session, data, ACTOR)
        plan = draw.freeze(db_session, code, ACTOR, force=True)
        return plan.freeze_summary["excluded"].get("max_per_year", 0)

    # The dead end: the abandoned draw keeps everybody out of later plans of the year.
    assert second_population("SC-2027-B") >= 390
    db_session.rollback()
    with pytest.raises(Invalid):
        cancel.cancel(db_session, "SC-2027-A", "", ACTOR)
    plan = cancel.cancel(db_session, "SC-2027-A", "抽取范围有误 / wrong scope", ACTOR)
    db_session.commit()
    assert plan.state == "cancelled" and plan.cancel_reason == "抽取范围有误 / wrong scope"
    assert second_population("SC-2027-C") <= 20  # history only
    assert _events(db_session, "plan_cancelled")[0].payload["previous_state"] == "drawn"
    with pytest.raises(PlanStateError):
        cancel.cancel(db_session, "SC-2027-A", "again", ACTOR)


def test_a_published_plan_cancelled_before_its_visits_stays_public_with_the_reason(
    db_session, small_district, plan_file, drawn
):
    dates = _scheduled(db_session, plan_file, drawn)
    public.publish(db_session, CODE, ACTOR)
    db_session.commit()
    first = min(dates.values())
    with pytest.raises(PlanStateError):  # the visits began
        cancel.cancel(db_session, CODE, "late", ACTOR, today=first)
    db_session.rollback()
    cancel.cancel(
        db_session, CODE, "上级通知暂停 / suspended", ACTOR, today=first - dt.timedelta(days=1)
    )
    db_session.commit()
    plan = public.public_plan(db_session, CODE)
    assert plan.state == "cancelled" and plan.cancel_reason == "上级通知暂停 / suspended"
    assert public.public_bundle(db_session, CODE)["plan_code"] == CODE
    assert queries.summary(db_session, plan)["cancel_reason"] == "上级通知暂停 / suspended"
