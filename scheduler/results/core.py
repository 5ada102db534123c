"""What the results services share: today's date in China, categories, the result input
and its validation, disclosure deadlines on the working-day calendar (公示期限)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import Invalid, Msg
from scheduler.models import ResultCategory
from scheduler.workdays import working_days

CST = ZoneInfo("Asia/Shanghai")
DISCLOSURE_WORKING_DAYS = 20  # 公示: within 20 working days of the inspection
DUE_SOON_WORKING_DAYS = 5  # the "due soon" list: due within 5 working days
MAX_TEXT = 4000  # findings, summary, follow-up: characters


def today_cst() -> dt.date:
    """Today's date in China Standard Time (dates are stored as calendar dates)."""
    return dt.datetime.now(CST).date()


def categories(session: Session) -> dict[str, ResultCategory]:
    """Code -> category, in the reference order."""
    return {
        c.code: c for c in session.scalars(select(ResultCategory).order_by(ResultCategory.position))
    }


def add_working_days(session: Session, day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` on the working-day calendar."""
    cal = working_days(session, day, day + dt.timedelta(days=max(60, 3 * n)))
    return cal.add_workdays(day, n)


def disclosure_due(session: Session, inspected_on: dt.date) -> dt.date:
    """The disclosure deadline of an inspection carried out on `inspected_on`: 20 working
    days later."""
    return add_working_days(session, inspected_on, DISCLOSURE_WORKING_DAYS)


@dataclass
class ResultInput:
    """What a team member enters (检查结果录入): categories (one or more; an exclusive one
    alone), the date the inspection was carried out, findings (confidential), the public
    summary (disclosed), follow-up measures and their deadline."""

    categories: list[str] = field(default_factory=list)
    inspected_on: dt.date | None = None
    findings: str = ""
    public_summary: str = ""
    follow_up: str = ""
    follow_up_due: dt.date | None = None

    @classmethod
    def from_strings(
        cls,
        categories: list[str] | str,
        inspected_on: str = "",
        findings: str = "",
        public_summary: str = "",
        follow_up: str = "",
        follow_up_due: str = "",
    ) -> ResultInput:
        """Parse form or file values; `Invalid` with one detail per bad field."""
        if isinstance(categories, str):
            categories = [c for c in categories.replace("；", ";").replace(",", ";").split(";")]
        problems = []
        dates = {}
        for name, text in (("inspected_on", inspected_on), ("follow_up_due", follow_up_due)):
            text = (text or "").strip()
            dates[name] = None
            if text:
                try:
                    dates[name] = dt.date.fromisoformat(text)
                except ValueError:
                    problems.append(
                        {
                            "field": name,
                            "value": text,
                            "message": Msg(
                                f"日期格式应为 YYYY-MM-DD：{text}",
                                f"a date is written YYYY-MM-DD: {text!r}",
                            ),
                        }
                    )
        if problems:
            raise Invalid(Msg("检查结果有误", "the result has errors"), problems)
        return cls(
            categories=[c.strip().upper() for c in categories if c and c.strip()],
            inspected_on=dates["inspected_on"],
            findings=(findings or "").strip(),
            public_summary=(public_summary or "").strip(),
            follow_up=(follow_up or "").strip(),
            follow_up_due=dates["follow_up_due"],
        )


def check_input(
    session: Session,
    data: ResultInput,
    window_start: dt.date,
    today: dt.date,
    complete: bool,
    cats: dict[str, ResultCategory] | None = None,
) -> list[dict]:
    """The problems of a result, one dict per field (`field`, `message`, maybe `value`).
    `complete` also requires what a submission needs: a category, the date, and the
    findings when a category is a finding. `cats` saves reading the categories again."""
    cats = cats if cats is not None else categories(session)
    out: list[dict] = []

    def bad(name: str, zh: str, en: str, value=None) -> None:
        item = {"field": name, "message": Msg(zh, en)}
        if value is not None:
            item["value"] = str(value)
        out.append(item)

    unknown = [c for c in data.categories if c not in cats]
    for c in unknown:
        bad("categories", f"未知的结果类别 {c}", f"unknown result category {c!r}", c)
    if len(set(data.categories)) != len(data.categories):
        bad("categories", "结果类别重复", "a result category is given twice")
    known = [cats[c] for c in data.categories if c in cats]
    exclusive = [c for c in known if c.exclusive]
    if exclusive and len(known) > 1:
        c = exclusive[0]
        bad(
            "categories",
            f"“{c.name_zh}”只能单独选择",
            f"“{c.name_en}” cannot be combined with other categories",
            c.code,
        )
    if data.inspected_on is not None:
        if data.inspected_on > today:
            bad(
                "inspected_on",
                f"检查日期 {data.inspected_on} 晚于今天 {today}",
                f"the inspection date {data.inspected_on} is after today ({today})",
                data.inspected_on,
            )
        elif data.inspected_on < window_start:
            bad(
                "inspected_on",
                f"检查日期 {data.inspected_on} 早于计划开始日期 {window_start}",
                f"the inspection date {data.inspected_on} is before the plan's window "
                f"({window_start})",
                data.inspected_on,
            )
    if data.follow_up_due is not None and data.inspected_on is not None:
        if data.follow_up_due < data.inspected_on:
            bad(
                "follow_up_due",
                "后续处理期限早于检查日期",
                "the follow-up deadline is before the inspection date",
                data.follow_up_due,
            )
    for name in ("findings", "public_summary", "follow_up"):
        if len(getattr(data, name)) > MAX_TEXT:
            bad(name, f"不能超过 {MAX_TEXT} 字", f"at most {MAX_TEXT} characters")
    if complete:
        if not data.categories:
            bad("categories", "请至少选择一个结果类别", "choose at least one result category")
        if data.inspected_on is None:
            bad(
                "inspected_on",
                "请填写实际检查日期",
                "enter the date the inspection was carried out",
            )
        if any(c.problem for c in known) and not data.findings:
            bad(
                "findings",
                "发现问题时须填写检查情况",
                "describe the findings when a problem was found",
            )
    return out
