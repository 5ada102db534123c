"""The working-day calendar: chinesecalendar years, provisional years, official imports."""

import datetime as dt

import pytest

from scheduler.actors import Actor
from scheduler.workdays import CalendarError, import_official, parse_official_csv, working_days

ACTOR = Actor.system("test")

D = dt.date


def test_spring_festival_2026_and_adjusted_weekends(db_session):
    cal = working_days(db_session, D(2026, 2, 9), D(2026, 3, 1))
    assert cal.sources == {2026: "chinesecalendar"}
    assert not cal.provisional
    # Spring Festival 2026: 15-23 February off; Saturday 14 February and 28 February worked.
    assert D(2026, 2, 14) in cal.days and D(2026, 2, 28) in cal.days
    for day in range(15, 24):
        assert D(2026, 2, day) not in cal.days
    assert D(2026, 2, 13) in cal.days and D(2026, 2, 24) in cal.days
    assert D(2026, 3, 1) not in cal.days  # an ordinary Sunday


def test_unknown_year_is_provisional_weekdays_minus_fixed_holidays(db_session):
    cal = working_days(db_session, D(2027, 4, 26), D(2027, 5, 10))
    assert cal.sources == {2027: "provisional"} and cal.provisional
    assert D(2027, 4, 30) in cal.days
    for off in (D(2027, 5, 1), D(2027, 5, 3), D(2027, 5, 8), D(2027, 5, 9)):
        assert off not in cal.days  # 1-3 May and the weekend
    assert D(2027, 5, 4) in cal.days and D(2027, 5, 10) in cal.days


def test_official_import_replaces_the_provisional_rule_and_is_audited(db_session):
    from sqlalchemy import select

    from scheduler.models import AuditEvent

    text = (
        "date,kind,name\n2027-05-04,holiday,劳动节\n2027-05-05,holiday,劳动节\n"
        "2027-04-25,workday,调休\n"
    )
    import_official(db_session, 2027, parse_official_csv(text), ACTOR)
    cal = working_days(db_session, D(2027, 4, 24), D(2027, 5, 10))
    assert cal.sources == {2027: "official"} and not cal.provisional
    assert D(2027, 4, 25) in cal.days  # a Sunday made a working day
    assert D(2027, 5, 4) not in cal.days and D(2027, 5, 5) not in cal.days
    # Days not listed follow the weekday rule (1 May 2027 is a Saturday anyway).
    assert D(2027, 5, 6) in cal.days
    # A second import replaces the first; the replaced list is kept in the audit log.
    import_official(
        db_session, 2027, parse_official_csv("date,kind,name\n2027-05-06,holiday,x\n"), ACTOR
    )
    cal = working_days(db_session, D(2027, 5, 1), D(2027, 5, 10))
    assert D(2027, 5, 4) in cal.days and D(2027, 5, 6) not in cal.days
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "calendar_imported")
    ).all()
    assert len(events) == 2 and len(events[1].payload["replaced"]) == 3


def test_spans_a_known_and_an_unknown_year(db_session):
    cal = working_days(db_session, D(2026, 12, 28), D(2027, 1, 8))
    assert cal.sources == {2026: "chinesecalendar", 2027: "provisional"}
    assert D(2027, 1, 1) not in cal.days and D(2027, 1, 4) in cal.days
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("day,kind\n", "header"),
        ("date,kind,name\n2027-13-01,holiday,x\n", "row 2"),
        ("date,kind,name\n2027-05-01,party,x\n", "kind"),
    ],
)
def test_bad_official_files_are_refused(text, fragment):
    with pytest.raises(CalendarError, match=fragment):
        parse_official_csv(text)


def test_import_refuses_days_of_another_year_and_duplicates(db_session):
    with pytest.raises(CalendarError, match="2028"):
        import_official(db_session, 2027, [(D(2028, 1, 1), False, "")], ACTOR)
    twice = [(D(2027, 1, 1), False, ""), (D(2027, 1, 1), False, "")]
    with pytest.raises(CalendarError, match="twice"):
        import_official(db_session, 2027, twice, ACTOR)


def test_calendar_cli(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-02-06,workday,调休\n2027-02-08,holiday,春节\n", "utf-8")
    ok = runner.invoke(args=["calendar", "import", "2027", str(path), "--note", "国办发明电"])
    assert ok.exit_code == 0, ok.output
    shown = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027: official" in shown.output
    path.write_text("date,kind,name\n2027-02-31,holiday,x\n", "utf-8")
    bad = runner.invoke(args=["calendar", "import", "2027", str(path)])
    assert bad.exit_code == 1 and "row 2" in bad.output
