"""The Chinese working-day calendar (工作日历), as data the system owns.

A year comes from, in order: an admin-imported official list (holidays and adjusted
working weekends, 调休); the `chinesecalendar` package, which knows 2004-2026; else a
provisional rule, weekdays minus the fixed-date statutory holidays (1 January, 1-3 May,
1-3 October). Schedules never fail because a year is missing; plans show whether their
window is on a provisional calendar.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import chinese_calendar
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import CalendarError, Msg
from scheduler.models import CalendarDay, CalendarSource, CalendarYear, Role

FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3)}


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkCalendar:
    """Working days of a date range, with the source of each year."""

    start: dt.date
    end: dt.date
    days: tuple[dt.date, ...]
    sources: dict[int, str]

    @property
    def provisional(self) -> bool:
        return CalendarSource.PROVISIONAL.value in self.sources.values()

    def is_workday(self, day: dt.date) -> bool:
        return day in set(self.days)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n >= 1); must lie within the calendar's range."""
        later = [d for d in self.days if d > day]
        if len(later) < n:
            raise CalendarError(
                Msg(
                    f"日历在 {day} 之后不足 {n} 个工作日",
                    f"calendar ends before {n} working days after {day}",
                )
            )
        return later[n - 1]


def year_source(session: Session, year: int) -> CalendarSource:
    if session.get(CalendarYear, year) is not None:
        return CalendarSource.OFFICIAL
    if _package_knows(year):
        return CalendarSource.PACKAGE
    return CalendarSource.PROVISIONAL


def working_days(session: Session, start: dt.date, end: dt.date) -> WorkCalendar:
    """Every working day from `start` to `end` inclusive."""
    if end < start:
        raise CalendarError(
            Msg(
                f"结束日期 {end} 早于开始日期 {start}",
                f"range ends ({end}) before it starts ({start})",
            )
        )
    sources = {y: year_source(session, y) for y in range(start.year, end.year + 1)}
    official = {
        d.day: d.is_workday
        for d in session.scalars(
            select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end)
        )
    }
    days = []
    day = start
    while day <= end:
        source = sources[day.year]
        if source == CalendarSource.OFFICIAL:
            work = official.get(day, day.weekday() < 5)
        elif source == CalendarSource.PACKAGE:
            work = chinese_calendar.is_workday(day)
        else:
            work = day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
        if work:
            days.append(day)
        day += dt.timedelta(days=1)
    return WorkCalendar(start, end, tuple(days), {y: s.value for y, s in sources.items()})


def parse_official_csv(text: str) -> list[tuple[dt.date, bool, str]]:
    """Rows `date,kind,name` with kind `holiday` or `workday` (a weekend working day)."""
    rows, errors = [], []
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"date", "kind"} <= set(reader.fieldnames):
        raise CalendarError(Msg("表头须为 date,kind,name", "the header must be date,kind,name"))
    for n, row in enumerate(reader, start=2):
        try:
            day = dt.date.fromisoformat(row["date"].strip())
        except ValueError:
            errors.append(
                {
                    "row": n,
                    "column": "date",
                    "value": row["date"],
                    "message": Msg("日期无效，应为 YYYY-MM-DD", "not a date YYYY-MM-DD"),
                }
            )
            continue
        kind = row["kind"].strip()
        if kind not in ("holiday", "workday"):
            errors.append(
                {
                    "row": n,
                    "column": "kind",
                    "value": kind,
                    "message": Msg("须为 holiday 或 workday", "must be holiday or workday"),
                }
            )
            continue
        rows.append((day, kind == "workday", (row.get("name") or "").strip()))
    if errors:
        raise CalendarError(Msg("日历文件有误", "the calendar file is invalid"), errors)
    return rows


def import_official(
    session: Session,
    year: int,
    rows: list[tuple[dt.date, bool, str]],
    actor: Actor,
    note: str = "",
) -> int:
    """Replace the year's official list (all-or-nothing); returns the number of days stored.

    Days not listed follow the weekday rule, so the list holds the holidays that fall on
    weekdays and the adjusted working weekends; listing all holidays is fine too.
    Only an administrator imports the calendar.
    """
    access.require_role(actor, Role.ADMIN, action=Msg("导入工作日历", "import the calendar"))
    seen = set()
    for day, _, _ in rows:
        if day.year != year:
            raise CalendarError(Msg(f"{day} 不在 {year} 年", f"{day} is not in {year}"))
        if day in seen:
            raise CalendarError(Msg(f"{day} 重复", f"{day} is listed twice"))
        seen.add(day)
    previous = session.get(CalendarYear, year)
    # The replaced list goes into the audit log, so no version of the calendar is lost.
    replaced = [
        [d.day.isoformat(), "workday" if d.is_workday else "holiday", d.name]
        for d in session.scalars(select(CalendarDay).where(CalendarDay.year == year))
    ]
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    if previous is None:
        session.add(
            CalendarYear(year=year, imported_at=now_utc(), imported_by=actor.name, note=note)
        )
    else:
        previous.imported_at, previous.imported_by, previous.note = now_utc(), actor.name, note
    session.flush()
    session.add_all(CalendarDay(day=d, year=year, is_workday=w, name=name) for d, w, name in rows)
    record(
        session,
        EventKind.CALENDAR_IMPORTED,
        actor,
        subject=str(year),
        days=len(rows),
        replaced=replaced if previous is not None else None,
    )
    session.flush()
    return len(rows)
