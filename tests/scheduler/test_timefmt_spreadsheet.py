"""China Standard Time display and formula-safe spreadsheet cells."""

import datetime as dt

import pytest

from scheduler.spreadsheet import neutralise
from scheduler.timefmt import cst_text, to_cst


def test_stored_utc_is_shown_in_china_standard_time():
    new_year = dt.datetime(2026, 12, 31, 16, 30, 5)  # naive: stored UTC
    assert cst_text(new_year) == "2027-01-01 00:30:05 +08:00"
    assert cst_text(new_year, seconds=False) == "2027-01-01 00:30 +08:00"
    assert to_cst(new_year).utcoffset() == dt.timedelta(hours=8)
    aware = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    assert to_cst(aware) == to_cst(new_year.replace(second=0))
    assert cst_text(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 123", "'+86 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("市场主体 = 1", "市场主体 = 1"),
        ("91370282MA3C5T4R2M", "91370282MA3C5T4R2M"),
        (-2, -2),
        (None, None),
    ],
)
def test_formula_starts_are_neutralised(value, expected):
    assert neutralise(value) == expected
