"""Directory changes reach live plans, and the diagnosis explains itself."""

import datetime as dt

from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.importers import import_directory
from scheduler.models import AuditEvent, CalendarDay, CalendarYear, Inspection
from scheduler.plans import diagnosis, matching, queries, scheduling
from scheduler.plans.core import get_plan
from solver import match as matcher

ACTOR = Actor.system("test")
ADMIN = Actor.system("cli")
CODE = "SC-2027-001"


def _conflict_csv(cert_no, uscc):
    header = "执法证号,统一社会信用代码,回避类型,申报日期,备注\n"
    return (header + f"{cert_no},{uscc},other,2027-02-01,\n").encode()


def test_an_imported_conflict_flags_the_team_and_replace_fixes_it(
    app, db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    member = queries.team_of(db_session, insp.id)[0].officer
    # The dead end: the conflict was imported and nothing told the planner; the team
    # stayed as it was and could be published.
    report = import_directory(
        db_session, "conflicts", "c.csv", _conflict_csv(member.cert_no, insp.uscc), ADMIN
    )
    assert report.ok, report.format_errors()
    db_session.commit()
    assert [(f.plan, f.uscc, f.cert_no, f.reason) for f in report.team_flags] == [
        (CODE, insp.uscc, member.cert_no, "conflict")
    ]
    db_session.refresh(insp)
    assert "declared conflict" in insp.team_flag
    assert [u for u, _ in queries.short_teams(db_session, insp.plan)] == [insp.uscc]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "team_flagged"))
    assert event.payload["flagged"] == [[insp.uscc, member.cert_no, "conflict"]]
    # `flask import conflicts FILE --replace` replaces the member at once.
    path = app.instance_path + "-c.csv"
    with open(path, "wb") as fh:
        fh.write(_conflict_csv(member.cert_no, insp.uscc))
    res = app.test_cli_runner().invoke(args=["import", "conflicts", path, "--replace"])
    assert res.exit_code == 0, res.output
    assert member.cert_no in res.output and "->" in res.output
    db_session.expire_all()
    insp = db_session.get(Inspection, insp.id)
    assert insp.team_flag is None
    assert member.id not in {a.officer_id for a in queries.team_of(db_session, insp.id)}
    assert assignment_problems(db_session, insp.plan) == []


def test_leave_on_the_visit_day_is_flagged(app, db_session, small_district, plan_file, drawn):
    drawn(db_session, plan_file)
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    insp = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).first()
    member = queries.team_of(db_session, insp.id)[0].officer
    day = insp.visit_date.isoformat()
    data = f"执法证号,开始日期,结束日期,事由\n{member.cert_no},{day},{day},病假\n".encode()
    report = import_directory(db_session, "leave", "l.csv", data, ADMIN)
    assert report.ok, report.format_errors()
    assert (insp.uscc, member.cert_no, "leave") in {
        (f.uscc, f.cert_no, f.reason) for f in report.team_flags
    }


def test_diagnosis_counts_reasons_and_suggests_a_cap_that_works(
    db_session, small_district, plan_file, drawn
):
    officers = small_district["officers"]
    officers[7].cert_status = "suspended"
    db_session.commit()
    drawn(db_session, plan_file, mode="random", cap_per_officer=1)
    found = diagnosis.diagnose(db_session, CODE, ACTOR)
    assert not found.feasible
    assert found.officers_out == {"SC": {"certificate": 1}}
    caps = [s for s in found.suggestions if s.kind == "cap_per_officer"]
    assert len(caps) == 1
    cap = caps[0].settings["cap_per_officer"]
    built = matching.build_problem(db_session, get_plan(db_session, CODE))
    assert cap == matcher.smallest_limited_cap(built.problem, built.limit)
    assert f"cap_per_officer={cap}" in caps[0].message.en
    assert any(s.kind == "team_size" for s in found.suggestions) is False  # 2 is the minimum


def test_no_cap_is_suggested_for_a_window_without_working_days(
    db_session, small_district, plan_file, drawn
):
    # Working days at creation; then the official list makes every one a holiday.
    drawn(db_session, plan_file, window={"start": "2027-10-04", "end": "2027-10-07"})
    db_session.add(CalendarYear(year=2027, imported_at=dt.datetime(2026, 12, 1), imported_by="t"))
    db_session.flush()  # the year first: PostgreSQL checks the foreign key at once
    for d in range(1, 8):
        db_session.add(CalendarDay(day=dt.date(2027, 10, d), year=2027, is_workday=False))
    db_session.commit()
    found = diagnosis.diagnose(db_session, CODE, ACTOR)
    assert not found.feasible and found.capacity.no_working_day
    kinds = [s.kind for s in found.suggestions]
    assert "cap_per_officer" not in kinds and "cap_per_day" not in kinds
    window = [s for s in found.suggestions if s.kind == "window"]
    assert window and window[0].settings["window.end"] > "2027-10-07"
