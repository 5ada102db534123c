"""Jinja filters for numbers, dates and identifiers, the same way on every page.

Dates are stored in UTC (naive datetimes are UTC) and shown in China Standard Time
(北京时间, UTC+8) with the zone named. Chinese is the default locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

CST = dt.timezone(dt.timedelta(hours=8), "CST")
EMPTY = "—"
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def current_lang() -> str:
    """'en' in the English locale, else 'zh' (also outside a request)."""
    try:
        locale = get_locale()
    except RuntimeError:  # no app or request context
        locale = None
    return "en" if locale is not None and locale.language == "en" else "zh"


def to_cst(value: dt.datetime | str) -> dt.datetime:
    """A UTC datetime (naive means UTC; ISO strings accepted) as an aware CST datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CST)


def _as_date(value) -> dt.date | None:
    """A date, or a datetime taken as its calendar day in CST."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return to_cst(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return to_cst(value).date()
    raise TypeError(f"not a date: {value!r}")


def cst(value, seconds: bool = False) -> str:
    """`2027-03-01 10:00 北京时间` / `2027-03-01 10:00 China Standard Time (UTC+8)`.

    A plain date is shown as `2027-03-01` (it has no time of day); None as a dash.
    """
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    local = to_cst(value)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    zone = _("China Standard Time (UTC+8)")
    return f"{text} {zone}"


def cst_iso(value) -> str:
    """Machine-readable ISO 8601 with the +08:00 offset, for `<time datetime=...>`."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return to_cst(value).isoformat(timespec="seconds")


def date_iso(value) -> str:
    """`2027-03-01`, the form used in tables (datetimes as their CST day)."""
    day = _as_date(value)
    return day.isoformat() if day else EMPTY


def date_long(value) -> str:
    """`2027年3月1日` / `1 March 2027`, the form used in prose."""
    day = _as_date(value)
    if day is None:
        return EMPTY
    if current_lang() == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def thousands(value, decimals: int = 0) -> str:
    """Counts with thousands separators: 217000 -> `217,000`; None -> a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) and not decimals:
        return f"{value:,}"
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return f"{number:,.{decimals}f}"


def percent(value, decimals: int = 1) -> str:
    """A share 0..1 as `12.5%`; None -> a dash."""
    if value is None or value == "":
        return EMPTY
    return f"{float(value) * 100:,.{decimals}f}%"


def short_digest(value, head: int = 8, tail: int = 4) -> str:
    """A hex digest shortened for tables: `3d3fea6c…3462` (short values unchanged)."""
    if not value:
        return EMPTY
    text = str(value)
    if len(text) <= head + tail + 1:
        return text
    return f"{text[:head]}…{text[-tail:]}"


def mono(value) -> Markup:
    """Credit codes, certificate numbers: monospace, never wrapped."""
    if value is None or value == "":
        return Markup(EMPTY)
    return Markup('<span class="mono">{}</span>').format(escape(value))


FILTERS = {
    "cst": cst,
    "cst_iso": cst_iso,
    "date_iso": date_iso,
    "date_long": date_long,
    "thousands": thousands,
    "percent": percent,
    "short_digest": short_digest,
    "mono": mono,
}


def url_with(changes: Mapping[str, Any] | None = None, **kwargs) -> str:
    """The current path and query with some arguments replaced (None removes one).

    Keeps every other argument (filters, other tables' arguments), in order."""
    changes = {**(changes or {}), **kwargs}
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(pairs)
    path = request.script_root + request.path
    return path + ("?" + query if query else "")
