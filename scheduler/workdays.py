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


MAX_CALENDAR_BYTES = 1024 * 1024
CALENDAR_FORMAT = Msg(
    "日历文件为 CSV（UTF-8 或 GBK），表头 date,kind,name（或 日期,类型,名称），"
    "kind 为 holiday（放假）或 workday（调休上班），每年至少一个节假日",
    "a calendar file is CSV (UTF-8 or GBK) with the header date,kind,name (or 日期,类型,名称), "
    "kind holiday or workday, and at least one holiday in the year",
)
_CAL_HEADERS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
}
_KINDS = {
    "holiday": False,
    "放假": False,
    "休": False,
    "节假日": False,
    "workday": True,
    "上班": True,
    "班": True,
    "调休上班": True,
}


def _cal_error(errors: list) -> CalendarError:
    return CalendarError(
        Msg("日历文件有误", "the calendar file is invalid"), [*errors, CALENDAR_FORMAT]
    )


def _problem(row, column, value, zh, en) -> dict:
    return {"row": row, "column": column, "value": value, "message": Msg(zh, en)}


def parse_official(data: bytes, year: int | None = None) -> list[tuple[dt.date, bool, str]]:
    """A holiday calendar file (节假日安排) as rows (day, is_workday, name), validated like a
    directory file: UTF-8 (BOM optional) or GBK; title rows above the header skipped (the
    header is the first row with a `date` / 日期 column); dates as the importers read them
    (`YYYY-MM-DD`, `YYYY/M/D`, `YYYY年M月D日`, Excel serials); kind `holiday` / 放假 or
    `workday` / 调休上班. With `year`: every day in that year, none twice, and at least one
    holiday (a year without holidays is surely a wrong file). `CalendarError` naming each
    row otherwise."""
    from scheduler.directory_rows import parse_date
    from scheduler.errors import FairdrawError
    from scheduler.textfiles import decode_text

    if len(data) > MAX_CALENDAR_BYTES:
        raise _cal_error(
            [
                _problem(
                    None,
                    "",
                    "",
                    f"文件过大（上限 {MAX_CALENDAR_BYTES // 1024} KB）",
                    f"the file is too large (at most {MAX_CALENDAR_BYTES // 1024} KB)",
                )
            ]
        )
    try:
        text = decode_text(data)
    except FairdrawError as exc:
        raise _cal_error(exc.details) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: dict[str, int] | None = None
    rows, errors, seen = [], [], {}
    try:
        for n, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                found = {
                    _CAL_HEADERS.get(c.strip().lstrip("\ufeff").lower()): i
                    for i, c in enumerate(cells)
                }
                if "date" in found:
                    header = found
                    if "kind" not in header:
                        raise _cal_error(
                            [
                                _problem(
                                    n,
                                    "kind",
                                    "",
                                    "缺少 kind（类型）列",
                                    "the kind column is missing",
                                )
                            ]
                        )
                continue
            value = cells[header["date"]].strip() if header["date"] < len(cells) else ""
            kind = cells[header["kind"]].strip() if header["kind"] < len(cells) else ""
            name_at = header.get("name")
            name = cells[name_at].strip() if name_at is not None and name_at < len(cells) else ""
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                errors.append(
                    _problem(n, "date", value, "日期无效，应为 YYYY-MM-DD", "not a date YYYY-MM-DD")
                )
                continue
            if kind.lower() not in _KINDS:
                errors.append(
                    _problem(
                        n,
                        "kind",
                        kind,
                        "须为 holiday（放假）或 workday（调休上班）",
                        "must be holiday or workday",
                    )
                )
                continue
            if year is not None and day.year != year:
                errors.append(
                    _problem(n, "date", value, f"{day} 不在 {year} 年", f"{day} is not in {year}")
                )
                continue
            if day in seen:
                errors.append(
                    _problem(
                        n,
                        "date",
                        value,
                        f"与第 {seen[day]} 行日期重复",
                        f"the same day as row {seen[day]}",
                    )
                )
                continue
            if len(name) > 64:
                errors.append(
                    _problem(n, "name", name, "名称最多 64 个字符", "name: at most 64 characters")
                )
                continue
            seen[day] = n
            rows.append((day, _KINDS[kind.lower()], name))
    except csv.Error as exc:
        errors.append(_problem(None, "", "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}"))
    if header is None:
        raise _cal_error(
            [
                _problem(
                    None, "date", "", "没有表头：缺少 date（日期）列", "no header: no date column"
                )
            ]
        )
    if errors:
        raise _cal_error(errors[:200])
    if year is not None and not any(not work for _, work, _ in rows):
        raise _cal_error(
            [
                _problem(
                    None,
                    "kind",
                    "",
                    f"文件中没有 {year} 年的任何节假日（holiday）：每年都有法定节假日，请检查文件",
                    f"the file lists no holiday in {year}: every year has public holidays; "
                    "check the file",
                )
            ]
        )
    return rows


def parse_official_csv(text: str) -> list[tuple[dt.date, bool, str]]:
    """Rows `date,kind,name` of a text already decoded (see `parse_official`)."""
    return parse_official(text.encode("utf-8"))


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
