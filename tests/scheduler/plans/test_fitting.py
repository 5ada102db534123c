"""Every accepted match can be scheduled (issue: the per-officer ceiling does not make a
team share a free day). A tight plan: 8 officers, 3 working days, one visit per officer
per day, teams of 2, so the raw optimal match often leaves an inspection whose team has
no common free day; the match must repair it (or refuse, storing nothing) and the
schedule step must then succeed and keep every rule."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.audit import EventKind
from scheduler.errors import MatchInfeasible
from scheduler.models import Assignment, AuditEvent, Inspection, LeavePeriod, Plan, PlanMatchInput
from scheduler.plans import create, draw, fitting, matching, scheduling
from scheduler.plans.core import get_plan
from solver import schedule as solver_schedule

ACTOR = Actor.system("test")
WINDOW = {"start": "2027-03-01", "end": "2027-03-03"}  # Monday to Wednesday
SEEDS = [f"{31415926535897932384 + 7919 * k}" for k in range(12)]


def tight_plan(plan_file, code: str) -> dict:
    return plan_file(
        code=code,
        window=WINDOW,
        strata={"by": "none", "counts": {"ALL": 10}},
        cap_per_officer=3,
        cap_per_day=1,
        mode="random",
        key_supervision={"flagged": False, "entities": []},
        exclusions={"months_since_last": None, "max_per_year": None},
    )


def run_to_match(session, plan_file, code: str, seed: str):
    create.create_plan(session, tight_plan(plan_file, code), ACTOR)
    draw.freeze(session, code, ACTOR)
    draw.set_seed(session, code, seed, ACTOR)
    draw.draw(session, code, ACTOR)
    session.commit()
    return matching.match(session, code, ACTOR)


def check_rules(session, plan: Plan) -> list[str]:
    """Independent check of the stored schedule: each active member is certified and not
    on leave on the visit date, the date is a working day of the window (here Mon-Wed of
    2027-03, no holidays), at most cap_per_day visits per officer per day, at most the
    match cap per officer in all."""
    problems = []
    cap_day = plan.rules["cap_per_day"]
    per_day: Counter = Counter()
    total: Counter = Counter()
    leave = defaultdict(list)
    for lp in session.scalars(select(LeavePeriod)):
        leave[lp.officer_id].append((lp.starts_on, lp.ends_on))
    rows = session.execute(
        select(Inspection, Assignment)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
    ).all()
    members = Counter(insp.id for insp, _a in rows)
    for insp, a in rows:
        day = insp.visit_date
        if day is None or not (dt.date(2027, 3, 1) <= day <= dt.date(2027, 3, 3)):
            problems.append(f"{insp.uscc}: visit {day} outside the working days")
            continue
        o = a.officer
        if not (o.cert_status == "valid" and o.cert_valid_from <= day <= o.cert_valid_to):
            problems.append(f"{insp.uscc}: {o.cert_no} not certified on {day}")
        if any(s <= day <= e for s, e in leave[o.id]):
            problems.append(f"{insp.uscc}: {o.cert_no} on leave on {day}")
        per_day[o.id, day] += 1
        total[o.id] += 1
    for (oid, day), n in per_day.items():
        if n > cap_day:
            problems.append(f"officer {oid}: {n} visits on {day}")
    for oid, n in total.items():
        if n > plan.match_summary["cap"]:
            problems.append(f"officer {oid}: {n} visits over the cap")
    n_insp = session.scalar(select(func.count()).where(Inspection.plan_id == plan.id))
    if len(members) != n_insp or any(n != 2 for n in members.values()):
        problems.append("a team is not complete")
    return problems


def raw_match_unschedulable(session, plan: Plan) -> bool:
    """Whether the optimal match as solved (before any repair) leaves an inspection
    without a day: the situation of the issue."""
    export = matching.audit_export(session, plan)
    inputs = fitting.fit_inputs(session, plan)
    index = {o.cert_no: k for k, o in enumerate(inputs.officers)}
    teams = defaultdict(list)
    for key, cert, _leader in export["assignment"]:
        teams[key].append(index[cert])
    ordered = [sorted(teams[k]) for k in sorted(teams)]
    raw = solver_schedule.schedule_visits(
        ordered,
        inputs.towns,
        inputs.days,
        inputs.available,
        cap_per_day=inputs.cap_per_day,
        seed=inputs.seed,
    )
    return bool(raw.unscheduled)


def test_every_accepted_match_schedules(db_session, small_district, plan_file):
    repaired = refused = 0
    for n, seed in enumerate(SEEDS):
        code = f"SC-2027-{100 + n}"
        try:
            plan = run_to_match(db_session, plan_file, code, seed)
        except MatchInfeasible as exc:
            db_session.rollback()
            refused += 1
            assert exc.diagnosis.get("unschedulable") or exc.diagnosis.get("bodies")
            plan = get_plan(db_session, code)
            assert plan.state == "drawn"  # nothing stored
            assert db_session.get(PlanMatchInput, plan.id) is None
            continue
        swaps = plan.match_summary["schedule_repairs"]
        if swaps:
            repaired += 1
            assert raw_match_unschedulable(db_session, plan)
            events = db_session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject == code,
                    AuditEvent.kind == EventKind.TEAM_SCHEDULE_REPAIRED.value,
                )
            ).all()
            assert len(events) == swaps
            ended = db_session.scalars(
                select(Assignment)
                .join(Inspection)
                .where(Inspection.plan_id == plan.id, Assignment.end_reason == "schedule_repair")
            ).all()
            assert len(ended) == swaps and all(not a.active for a in ended)
        scheduling.schedule(db_session, code, ACTOR)
        db_session.commit()
        assert plan.state == "scheduled"
        assert check_rules(db_session, plan) == []
    # The tight plan reproduces the issue for some seeds, and the repair saves them.
    assert repaired >= 1, "no seed needed a repair: the test no longer exercises the issue"
    assert repaired + refused <= len(SEEDS)


def test_schedule_step_reuses_the_fitted_schedule(db_session, small_district, plan_file):
    plan = run_to_match(db_session, plan_file, "SC-2027-201", SEEDS[0])
    stored = fitting.unpack_schedule(db_session.get(PlanMatchInput, plan.id).schedule_npz)
    scheduling.schedule(db_session, plan.code, ACTOR)
    days = fitting.fit_inputs(db_session, plan).days
    visits = [
        d
        for _u, d in sorted(
            db_session.execute(
                select(Inspection.uscc, Inspection.visit_date).where(Inspection.plan_id == plan.id)
            ).all()
        )
    ]
    assert visits == [days[d] for d in stored[0].tolist()]


def test_leave_after_the_match_is_fitted_again(db_session, small_district, plan_file):
    """Leave entered after the match changes the fingerprint: the schedule step fits the
    teams to the new availability instead of taking the stored schedule."""
    plan = run_to_match(db_session, plan_file, "SC-2027-202", SEEDS[1])
    busy = db_session.scalars(
        select(Assignment)
        .join(Inspection)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .order_by(Assignment.id)
    ).first()
    db_session.add(
        LeavePeriod(
            officer_id=busy.officer_id,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2027, 3, 1),
            reason="年休假",
        )
    )
    db_session.flush()
    scheduling.schedule(db_session, plan.code, ACTOR)
    assert check_rules(db_session, plan) == []


@pytest.mark.parametrize("seed", SEEDS[:1])
def test_auditor_export_names_the_swaps(db_session, small_district, plan_file, seed):
    for n, s in enumerate(SEEDS):
        code = f"SC-2027-{300 + n}"
        try:
            plan = run_to_match(db_session, plan_file, code, s)
        except MatchInfeasible:
            db_session.rollback()
            continue
        if plan.match_summary["schedule_repairs"]:
            break
    else:
        pytest.fail("no seed needed a repair")
    export = matching.audit_export(db_session, plan)
    assert len(export["schedule_repairs"]) == plan.match_summary["schedule_repairs"]
    for swap in export["schedule_repairs"]:
        assert swap["reason"] == "no_shared_free_day"
        assert swap["removed"] != swap["replacement"]
    # The assignment as matched is still the optimum the auditor re-solves to.
    assert all(len(row) == 3 for row in export["assignment"])
