"""Times for people (北京时间): stored in UTC (naive), shown in China Standard Time.

China Standard Time is UTC+8 all year (no daylight saving), so a fixed offset is exact.
"""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8), "CST")


def to_cst(moment: dt.datetime) -> dt.datetime:
    """A stored UTC time (naive, or aware in any zone) as an aware China Standard Time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST)


def cst_text(moment: dt.datetime | None, seconds: bool = True) -> str:
    """`2027-03-01 09:30:00 +08:00`: the moment in China Standard Time, offset shown so that
    nobody mistakes it for UTC; an empty string for None."""
    if moment is None:
        return ""
    local = to_cst(moment)
    return local.strftime("%Y-%m-%d %H:%M:%S +08:00" if seconds else "%Y-%m-%d %H:%M +08:00")
