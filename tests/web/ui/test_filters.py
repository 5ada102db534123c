"""Filters: times in China Standard Time with the zone named, dates, counts, digests."""

import datetime as dt

import pytest
from markupsafe import Markup

from web.ui import filters


@pytest.fixture
def in_lang(ui_app):
    def enter(lang):
        return ui_app.test_request_context(f"/?lang={lang}")

    return enter


def test_cst_converts_naive_utc_and_names_the_zone_in_each_locale(in_lang):
    noon_utc = dt.datetime(2027, 3, 1, 2, 0)  # stored naive = UTC
    with in_lang("zh"):
        assert filters.cst(noon_utc) == "2027-03-01 10:00 北京时间"
    with in_lang("en"):
        assert filters.cst(noon_utc) == "2027-03-01 10:00 China Standard Time (UTC+8)"


def test_cst_handles_aware_times_strings_dates_and_the_day_boundary(in_lang):
    new_york = dt.timezone(dt.timedelta(hours=-5))
    with in_lang("zh"):
        # 2027-02-28 20:30 at UTC-5 is 2027-03-01 01:30 UTC, 09:30 in Beijing
        assert filters.cst(dt.datetime(2027, 2, 28, 20, 30, tzinfo=new_york)).startswith(
            "2027-03-01 09:30"
        )
        assert filters.cst("2027-03-01T16:30:00Z") == "2027-03-02 00:30 北京时间"
        assert filters.cst(dt.datetime(2027, 3, 1, 2, 0, 5), seconds=True).startswith(
            "2027-03-01 10:00:05"
        )
        assert filters.cst(dt.date(2027, 3, 1)) == "2027-03-01"
        assert filters.cst(None) == "—"
        assert filters.cst_iso(dt.datetime(2027, 3, 1, 2, 0)) == "2027-03-01T10:00:00+08:00"


def test_date_long_in_prose_and_date_iso_in_tables(in_lang):
    day = dt.date(2027, 3, 1)
    late_utc = dt.datetime(2027, 3, 1, 17, 0)  # already 2 March in Beijing
    with in_lang("zh"):
        assert filters.date_long(day) == "2027年3月1日"
        assert filters.date_long(late_utc) == "2027年3月2日"
        assert filters.date_long("2027-12-31") == "2027年12月31日"
        assert filters.date_iso(late_utc) == "2027-03-02"
        assert filters.date_long(None) == "—"
    with in_lang("en"):
        assert filters.date_long(day) == "1 March 2027"
        assert filters.date_long(dt.date(2027, 12, 25)) == "25 December 2027"


def test_thousands_and_percent():
    assert filters.thousands(217000) == "217,000"
    assert filters.thousands(2304) == "2,304"
    assert filters.thousands(999) == "999"
    assert filters.thousands(-1234567) == "-1,234,567"
    assert filters.thousands(1234.5, 1) == "1,234.5"
    assert filters.thousands(None) == "—"
    assert filters.percent(0.125) == "12.5%"
    assert filters.percent(None) == "—"


def test_short_digest_keeps_head_and_tail():
    digest = "3d3fea6c" + "0" * 52 + "3462"
    assert filters.short_digest(digest) == "3d3fea6c…3462"
    assert filters.short_digest("abc") == "abc"
    assert filters.short_digest(None) == "—"


def test_mono_escapes_and_marks_no_wrap():
    out = filters.mono("91370282<MA3C4D5E6F")
    assert isinstance(out, Markup)
    assert out == '<span class="mono">91370282&lt;MA3C4D5E6F</span>'
    assert filters.mono(None) == "—"


def test_filters_are_registered_in_jinja(render):
    html = render(
        "{{ when|cst }}|{{ day|date_long }}|{{ n|thousands }}|{{ d|short_digest }}|{{ c|mono }}",
        when=dt.datetime(2027, 3, 1, 2, 0),
        day=dt.date(2027, 3, 1),
        n=12345,
        d="3d3fea6c" + "0" * 52 + "3462",
        c="91370282MA3C4D5E6F",
    )
    assert html == (
        "2027-03-01 10:00 北京时间|2027年3月1日|12,345|3d3fea6c…3462|"
        '<span class="mono">91370282MA3C4D5E6F</span>'
    )
