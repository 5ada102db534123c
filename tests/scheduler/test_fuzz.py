"""Fuzzing (hypothesis) of every file a user hands the system: the plan file, the four
directory importers (CSV and XLSX) and the holiday calendar. Whatever the bytes, the
answer is a result or a `FairdrawError` with a bilingual message; never another exception,
and a refused file writes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.directory_rows import SCHEMAS
from scheduler.errors import FairdrawError, Msg
from scheduler.importers import import_directory
from scheduler.models import AuditEvent, Plan
from scheduler.plans import create
from scheduler.plans.plan_file import read_plan_file
from scheduler.workdays import parse_official

ACTOR = Actor.system("fuzz")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _bilingual(error: FairdrawError) -> None:
    assert isinstance(error.message, Msg) and error.message.zh and error.message.en
    str(error)  # renders, details included
    error.entries("zh")


# ---------------------------------------------------------------------------- plan file

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
PLAN_KEYS = [
    "code", "name", "lead_body", "bodies", "items", "window", "filters", "strata",
    "team_size", "cap_per_officer", "cap_per_day", "mode", "cross_jurisdiction",
    "exclusions", "key_supervision", "window.start", "window.end", "strata.by",
    "strata.counts", "strata.ratios_bp", "exclusions.entities", "key_supervision.flagged",
]  # fmt: skip


@given(data=st.binary(max_size=400))
@FUZZ
def test_plan_file_bytes(data):
    try:
        content = read_plan_file(data)
    except FairdrawError as exc:
        _bilingual(exc)
        return
    assert isinstance(content, dict)


@given(
    text=st.text(
        alphabet=st.sampled_from(list('{}[]":,0123456789.-eE tnrufalsSC\\u00\x00中')), max_size=200
    )
)
@FUZZ
def test_plan_file_json_like_text(text):
    for encoding in ("utf-8", "gb18030"):
        try:
            read_plan_file(text.encode(encoding))
        except FairdrawError as exc:
            _bilingual(exc)


@given(changes=st.dictionaries(st.sampled_from(PLAN_KEYS), json_values, min_size=1, max_size=4))
@FUZZ
def test_plan_file_values(db_session, small_district_once, plan_file, changes):
    data = plan_file()
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for p in parents:
            if not isinstance(target.get(p), dict):
                target[p] = {}
            target = target[p]
        target[last] = value
    # through the file reader too: what a user can write, the reader must take back
    try:
        data = read_plan_file(json.dumps(data, ensure_ascii=False).encode())
    except FairdrawError as exc:
        _bilingual(exc)
        return
    problems = create.validate_plan(db_session, data)
    assert all(isinstance(m, Msg) for msgs in problems.values() for m in msgs)
    try:
        create.create_plan(db_session, data, ACTOR)
        assert not problems
    except FairdrawError as exc:
        _bilingual(exc)
        assert db_session.scalar(select(func.count()).select_from(Plan)) == 0
    finally:
        db_session.rollback()


@pytest.fixture
def small_district_once(small_district):
    return small_district


# ---------------------------------------------------------------------------- importers

VALID = {
    "uscc": ["91370282MA3C5T4R2M", "91370282000000001X", ""],
    "cert_no": ["3702820100" + "0001", "37020001", ""],
    "town": ["TJ", "通济街道", "XX"],
    "body": ["SC", "区市场监督管理局"],
    "unit": ["SC-TJ"],
    "type": ["E", "企业"],
    "industry": ["F"],
    "kind": ["relative", "亲属"],
    "status": ["active"],
    "credit_class": ["A"],
    "cert_status": ["valid"],
    "competences": ["食品安全"],
}
DATES = ["2016-05-03", "2016/5/3", "2016年5月3日", "42493", "2016-02-30", "0", "99999"]
hostile_text = st.text(max_size=30) | st.sampled_from(
    ["'=1+1", "=cmd", "+1", "-", "@", "'", "\t", "\r\n", '"', "\u202e", "𠀀", "1e400"]
)


def cell(column: str):
    if "date" in column or column in ("start", "end", "cert_valid_from", "cert_valid_to",
                                      "registered_on", "declared_on"):  # fmt: skip
        return st.sampled_from(DATES) | hostile_text
    return st.sampled_from(VALID.get(column, ["x"])) | hostile_text


def table(kind: str):
    columns = [c.name for c in SCHEMAS[kind].COLUMNS]
    header = st.permutations(columns).map(list) | st.lists(
        st.sampled_from(columns + ["备注", ""]), max_size=len(columns) + 2
    )
    return header.flatmap(
        lambda cols: st.lists(st.tuples(*(cell(c) for c in cols)).map(list), max_size=6).map(
            lambda rows: [cols, *rows]
        )
    )


def to_csv(rows, encoding) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def to_xlsx(rows) -> bytes | None:
    wb = Workbook()
    try:
        for r in rows:
            wb.active.append(r)
        buf = io.BytesIO()
        wb.save(buf)
    except Exception:  # openpyxl refuses some characters itself: no such file can exist
        return None
    return buf.getvalue()


def _import(session, kind, filename, data):
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    try:
        report = import_directory(session, kind, filename, data, ACTOR)
    except FairdrawError as exc:
        _bilingual(exc)
        report = None
    try:
        if report is None or not report.ok:
            assert not session.new and not session.dirty
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
        if report is not None:
            report.summary()
            if not report.ok:
                _bilingual(report.as_error())
    finally:
        session.rollback()


@pytest.mark.parametrize("kind", list(SCHEMAS))
@given(data=st.data())
@FUZZ
def test_importers_on_structured_files(db_session, kind, data):
    rows = data.draw(table(kind))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    _import(db_session, kind, "f.csv", to_csv(rows, encoding))
    if data.draw(st.booleans()):
        xlsx = to_xlsx(rows)
        if xlsx is not None:
            _import(db_session, kind, "f.xlsx", xlsx)


@pytest.mark.parametrize("kind", list(SCHEMAS))
@given(data=st.binary(max_size=600), name=st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
@FUZZ
def test_importers_on_arbitrary_bytes(db_session, kind, data, name):
    _import(db_session, kind, name, data)


@given(data=st.data())
@FUZZ
def test_importers_on_damaged_xlsx(db_session, data):
    rows = data.draw(table("entities"))
    xlsx = to_xlsx(rows)
    if xlsx is None:
        return
    position = data.draw(st.integers(0, len(xlsx) - 1))
    damaged = xlsx[:position] + data.draw(st.binary(min_size=1, max_size=8)) + xlsx[position + 8 :]
    _import(db_session, "entities", "f.xlsx", damaged)


# ---------------------------------------------------------------------------- calendar


@given(
    data=st.binary(max_size=300)
    | st.lists(
        st.tuples(st.sampled_from(DATES + ["2027-01-01", "2027/10/1"]) | hostile_text,
                  st.sampled_from(["holiday", "workday", "放假", "x", ""]), hostile_text),
        max_size=6,
    ).map(lambda rows: to_csv([["date", "kind", "name"], *rows], "utf-8")),
    year=st.sampled_from([None, 2016, 2027]),
)  # fmt: skip
@FUZZ
def test_calendar_file(data, year):
    try:
        rows = parse_official(data, year)
    except FairdrawError as exc:
        _bilingual(exc)
        return
    assert all(year is None or day.year == year for day, _, _ in rows)
