"""The command line refuses bad requests cleanly (命令行错误): exit status 1, the message on
stderr (Chinese first, then English), no traceback, nothing changed."""

from __future__ import annotations

import json

import openpyxl
from sqlalchemy import func, select, text

from scheduler.models import Entity
from tests.clitools import flask, ok, refused
from tests.districts import SEED, District, plan_data, uscc_of

CODE = "SC-2027-101"


def _state(db_session) -> str:
    db_session.rollback()
    return db_session.execute(
        text("SELECT state FROM plan WHERE code = :c"), {"c": CODE}
    ).scalar_one()


def _plan_file(tmp_path, **overrides):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_data(**overrides), ensure_ascii=False), encoding="utf-8")
    return path


def test_plan_steps_refused_in_the_wrong_order(app, db_session, tmp_path):
    d = District(db_session)
    d.entity()
    d.officer()
    d.commit()
    refused(app, "plan", "freeze", "NOPE-1", expect=("NOPE-1",))
    ok(app, "plan", "create", "--from", _plan_file(tmp_path))
    refused(app, "plan", "create", "--from", _plan_file(tmp_path), expect=(CODE,))
    for step in ("draw", "match", "schedule", "publish"):
        refused(app, "plan", step, CODE, expect=(CODE,))
        assert _state(db_session) == "draft"
    refused(app, "plan", "seed", CODE, SEED, expect=(CODE,))  # no seed before the freeze
    ok(app, "plan", "freeze", CODE, "--force")  # one officer: capacity is not the point
    refused(app, "plan", "freeze", CODE, expect=(CODE,))
    refused(app, "plan", "draw", CODE, expect=(f"flask plan seed {CODE}",))
    refused(app, "plan", "seed", CODE, "1234567890123456789", expect=("20",))
    refused(app, "plan", "seed", CODE, "1234567890123456789x", expect=("20",))
    ok(app, "plan", "seed", CODE, SEED)
    refused(app, "plan", "seed", CODE, "9" * 25, expect=("already has its seed",))
    ok(app, "plan", "draw", CODE)
    assert json.loads(ok(app, "plan", "show", CODE, "--json"))["seed"] == SEED
    # One officer for a team of two: the diagnosis is printed, nothing is stored.
    ran = refused(app, "plan", "match", CODE, expect=("only 1 eligible officers, 2 needed",))
    assert "no valid match" in ran.stderr
    assert _state(db_session) == "drawn"
    assert db_session.execute(text("SELECT count(*) FROM assignment")).scalar_one() == 0


def test_recusal_of_an_officer_not_on_the_team_is_refused(app, db_session, tmp_path):
    d = District(db_session)
    e = d.entity()
    d.officer(), d.officer()
    outsider = d.officer(body="ZF")
    d.commit()
    ok(app, "plan", "run", "--from", _plan_file(tmp_path), "--seed", SEED)
    refused(
        app,
        "plan",
        "recuse",
        CODE,
        e.uscc,
        outsider.cert_no,
        "--by",
        "officer",
        "--reason",
        "x",
        expect=("is not on the team",),
    )
    refused(
        app,
        "plan",
        "recuse",
        CODE,
        uscc_of(99999),
        outsider.cert_no,
        "--by",
        "officer",
        "--reason",
        "x",
        expect=(uscc_of(99999),),
    )
    refused(
        app,
        "plan",
        "remove-officer",
        CODE,
        "NO-SUCH-CERT",
        "--reason",
        "x",
        expect=("NO-SUCH-CERT",),
    )


HEADER = ["uscc", "name", "type", "industry", "town", "registered_on"]


def _xlsx(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / "entities.xlsx"
    wb.save(path)
    return path


def _count(db_session) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count()).select_from(Entity))


def test_xlsx_error_values_and_formulas_are_refused(app, db_session, tmp_path):
    good = [uscc_of(1), "甲公司", "E", "F", "TJ", "2020-01-01"]
    ok(app, "import", "entities", _xlsx(tmp_path, [good]))
    assert _count(db_session) == 1
    for bad_cell in ("#DIV/0!", "#N/A", "#REF!"):
        rows = [[uscc_of(2), "乙公司", "E", bad_cell, "TJ", "2020-01-01"], good]
        ran = refused(app, "import", "entities", _xlsx(tmp_path, rows), expect=("D2",))
        assert "error value" in ran.stderr
        assert _count(db_session) == 1  # nothing written, not even the good row
    formula = [[uscc_of(3), "丙公司", "E", "F", "TJ", "=TODAY()"]]
    refused(app, "import", "entities", _xlsx(tmp_path, formula), expect=("F2", "formula"))
    assert _count(db_session) == 1


def test_a_missing_file_is_refused_not_crashed(app, db_session, tmp_path):
    ran = flask(app, "import", "entities", tmp_path / "none.csv")
    assert ran.exit_code != 0 and not ran.crashed, ran.describe()
    assert "Traceback" not in ran.stderr + ran.stdout
    assert "none.csv" in ran.stderr
