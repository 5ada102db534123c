"""`flask plan export`'s service: one workbook (or one CSV per sheet) an office can print,
cells safe from formula injection, no entity's credit-risk class."""

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import Invalid, PlanNotFound
from scheduler.models import Assignment, Entity, Inspection, Role
from scheduler.plans.export import export_plan
from tests.scheduler.plans.test_report import CODE, SEED, _scheduled
from tests.scheduler.plans.test_sealed import class_pairs

ACTOR = Actor.system("test")
TITLES = ["检查清单 inspections", "检查组 teams", "工作量 workload", "日程 schedule", "规则 rules"]


def _rows(tab):
    return [list(r) for r in tab.iter_rows(values_only=True)]


def test_workbook_has_every_sheet_and_adds_up(db_session, small_district, plan_file, tmp_path):
    victim = small_district["entities"][300]
    victim.name = '=HYPERLINK("http://evil.example","点我")'
    victim.address = "+86-1 Main Street"
    db_session.commit()
    listed = [{"uscc": victim.uscc, "reason": "投诉较多"}]
    plan = _scheduled(db_session, plan_file, key_supervision={"flagged": True, "entities": listed})
    (path,) = export_plan(db_session, CODE, ACTOR, tmp_path / "plan.xlsx", "xlsx")
    book = load_workbook(path)
    assert book.sheetnames == TITLES
    inspections = db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()
    active = db_session.scalars(select(Assignment).where(Assignment.active)).all()

    rows = _rows(book[TITLES[0]])
    assert rows[0][1] == "统一社会信用代码 USCC" and len(rows) - 1 == len(inspections)
    by_uscc = {r[1]: r for r in rows[1:]}
    for insp in inspections:
        row = by_uscc[insp.uscc]
        assert row[7].date() == insp.visit_date and row[8].date() == insp.disclosure_due
        assert row[6] == ("随机 random" if insp.origin == "random" else "重点监管 key")
        assert row[9] == "已排期 scheduled"
    assert any(r[6] == "重点监管 key" for r in rows[1:])
    teams = _rows(book[TITLES[1]])
    assert len(teams) - 1 == len(active)
    leaders = [r for r in teams[1:] if r[6] == "是 yes"]
    assert len(leaders) == len(inspections)
    certs = {a.officer.cert_no for a in active}
    assert {r[4] for r in teams[1:]} == certs
    workload = _rows(book[TITLES[2]])
    assert sum(r[4] for r in workload[1:]) == len(active)
    assert sum(r[5] for r in workload[1:]) == len(inspections)
    schedule = _rows(book[TITLES[3]])
    assert sum(r[2] for r in schedule[1:]) == len(inspections)
    rules = _rows(book[TITLES[4]])
    assert ["种子 seed", SEED, SEED] in rules
    assert any(r[0] == "strata_key_commitment" for r in rules)

    # Formula injection: the hostile name and address are text, never formulas.
    assert by_uscc[victim.uscc][2].startswith("'=HYPERLINK")
    assert by_uscc[victim.uscc][4] == "'+86-1 Main Street"
    for tab in book.worksheets:
        for row in tab.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (tab.title, cell.coordinate, cell.value)

    # No entity's class, no strata key.
    classes = dict(db_session.execute(select(Entity.uscc, Entity.credit_class)).all())
    every = [r for tab in book.worksheets for r in _rows(tab)]
    assert class_pairs(every, classes) == []
    assert not any(plan.strata_key in str(v) for r in every for v in r)
    assert not any("信用风险" in str(h) or "stratum" in str(h) for h in rows[0])


def test_csv_folder_one_file_per_sheet(db_session, small_district, plan_file, tmp_path):
    victim = small_district["entities"][8]
    victim.name = "@SUM(A1)"
    db_session.commit()
    listed = [{"uscc": victim.uscc, "reason": "投诉较多"}]
    _scheduled(db_session, plan_file, key_supervision={"flagged": False, "entities": listed})
    paths = export_plan(db_session, CODE, ACTOR, tmp_path / "out", "csv")
    names = [p.name for p in paths]
    assert names == [
        f"{CODE}-inspections.csv",
        f"{CODE}-teams.csv",
        f"{CODE}-workload.csv",
        f"{CODE}-schedule.csv",
        f"{CODE}-rules.csv",
    ]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese
    with paths[0].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) - 1 == len(db_session.scalars(select(Inspection)).all())
    assert [r[2] for r in rows if r[1] == victim.uscc] == ["'@SUM(A1)"]
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        assert not any(line.startswith(("=", "+", "@")) for line in text.splitlines())


def test_export_refusals(db_session, small_district, plan_file, tmp_path):
    _scheduled(db_session, plan_file)
    with pytest.raises(Invalid, match=r"\.xlsx"):
        export_plan(db_session, CODE, ACTOR, tmp_path / "plan.xls", "xlsx")
    with pytest.raises(Invalid, match="xlsx or csv"):
        export_plan(db_session, CODE, ACTOR, tmp_path / "plan.ods", "ods")
    (tmp_path / "file").write_text("x")
    with pytest.raises(Invalid, match="not a folder"):
        export_plan(db_session, CODE, ACTOR, tmp_path / "file", "csv")
    stranger = Actor("wang", Role.PLANNER.value, body="JT")
    with pytest.raises(PlanNotFound):
        export_plan(db_session, CODE, stranger, tmp_path / "x.xlsx", "xlsx")
    assert not (tmp_path / "x.xlsx").exists()
