"""Results import (bad rows write nothing), export, the CLI, the public search and the
deadline lists, and results counting for rotation from the date carried out."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from scheduler.errors import FileProblem
from scheduler.models import Inspection, InspectionResult
from scheduler.results import exporter, importer, queries
from scheduler.results import lifecycle as lc
from scheduler.results.core import ResultInput

from .conftest import ACTOR, CODE, TODAY

HEADER = ["统一社会信用代码", "录入人执法证号", "检查结果", "检查日期", "检查情况", "公示说明"]


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_with_bad_rows_writes_nothing_and_names_each_problem(db_session, published):
    plan, insps, teams = published
    u0, u1, u2 = (i.uscc for i in insps[:3])
    data = xlsx(
        [
            HEADER,
            [u0, teams[u0][0], "OK", "2026-09-10", "", ""],
            [u1, teams[u1][0], "未发现问题;发现问题已责令改正", "2026-09-10", "x", ""],
            [u2, "99999", "OK", "2026-09-10", "", ""],
            ["91370282XXXXXXXXXX", "", "OK", "2026-09-10", "", ""],
            [u0, teams[u0][0], "OK", "2026/09/10", "", ""],
            [insps[3].uscc, "", "PENDING", "2026-09-10", "", ""],
        ]
    )
    with pytest.raises(FileProblem) as err:
        importer.import_results(db_session, CODE, "r.xlsx", data, ACTOR, today=TODAY)
    got = {(d["row"], d["column"]) for d in err.value.details}
    assert got == {
        (3, "categories"),  # exclusive category combined
        (4, "by"),  # not on the team
        (5, "uscc"),  # not in the plan
        (6, "inspected_on"),  # bad date
        (7, "findings"),  # a finding needs the findings text
    }
    assert err.value.details[0]["cell"].startswith("C")  # the spreadsheet cell is named
    assert db_session.scalar(select(func.count()).select_from(InspectionResult)) == 0


def test_import_then_disclose_all_then_export(db_session, published, tmp_path):
    plan, insps, teams = published
    rows = [HEADER] + [
        [i.uscc, teams[i.uscc][0], "OK", "2026-09-1" + str(n % 9), "", "未发现问题"]
        for n, i in enumerate(insps)
    ]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    report = importer.import_results(
        db_session, CODE, "r.csv", text.getvalue().encode(), ACTOR, approve=True, today=TODAY
    )
    assert report.created == len(insps) and report.rows == len(insps)
    again = ResultInput(["OK"], dt.date(2026, 9, 10))
    with pytest.raises(FileProblem):  # approved results are not imported over
        importer.import_results(
            db_session, CODE, "r.csv", text.getvalue().encode(), ACTOR, today=TODAY
        )
    done = lc.disclose(db_session, CODE, ACTOR, all_approved=True)
    assert len(done) == len(insps) and plan.state == "closed"
    assert (
        lc.save_draft(
            db_session, CODE, insps[0].uscc, again, ACTOR, by=teams[insps[0].uscc][0], today=TODAY
        ).current_no
        == 2
    )
    out = io.BytesIO()
    n = exporter.write(db_session, CODE, ACTOR, out, "csv")
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert n == len(insps) and lines[0] == exporter.HEADER
    assert {r[9] for r in lines[1:]} == {"disclosed", "draft"}


def test_cli_enter_review_disclose_overdue_show(app, published, tmp_path):
    plan, insps, teams = published
    runner = app.test_cli_runner()
    u = insps[0].uscc

    def run(*args, code=0):
        res = runner.invoke(args=list(args))
        assert res.exit_code == code, res.output
        return res.output

    out = run("result", "overdue", "--body", "SC", "--today", "2026-11-30")
    assert f"{CODE}/{u}" in out and "overdue: " in out.lower().replace("逾期 / ", "")
    run(
        "result",
        "enter",
        CODE,
        u,
        "--by",
        teams[u][0],
        "--category",
        "PENDING",
        "--date",
        "2026-09-03",
        "--findings",
        "未亮照经营",
    )
    err = run("result", "review", CODE, u, "return", code=1)
    assert "reason" in err
    run("result", "review", CODE, u, "return", "--reason", "补充照片")
    bad = run("result", "disclose", CODE, u, code=1)
    assert "returned" in bad
    run(
        "result",
        "enter",
        CODE,
        u,
        "--by",
        teams[u][0],
        "--category",
        "PENDING",
        "--date",
        "2026-09-03",
        "--findings",
        "未亮照经营，已拍照",
    )
    run("result", "review", CODE, u, "approve")
    assert "1 results disclosed" in run("result", "disclose", CODE, "--all-approved")
    shown = run("result", "show", CODE, u)
    assert "disclosed" in shown and "v1 entry" in shown
    out = run("result", "overdue", "--body", "SC", "--today", "2026-11-30")
    assert f"{CODE}/{u}" not in out
    run("result", "export", CODE, "--out", str(tmp_path / "r.xlsx"))
    assert (tmp_path / "r.xlsx").stat().st_size > 0
    run("result", "import", CODE, str(tmp_path / "nope.xlsx"), code=2)


def test_public_search_filters_and_pages(db_session, published):
    plan, insps, teams = published
    for n, i in enumerate(insps):
        cats = ["OK"] if n % 2 else ["CORRECTED"]
        data = ResultInput(cats, dt.date(2026, 9, 1 + n), "秘密情况", f"说明{n}")
        lc.enter(db_session, CODE, i.uscc, data, ACTOR, by=teams[i.uscc][0], today=TODAY)
        lc.review(db_session, CODE, i.uscc, "approve", ACTOR)
    lc.disclose(db_session, CODE, ACTOR, uscc=insps[0].uscc)
    page = queries.public_search(db_session, queries.PublicFilters())
    assert page.total == 1  # approved but not disclosed results are not public
    lc.disclose(db_session, CODE, ACTOR, all_approved=True)
    everything = queries.public_search(db_session, queries.PublicFilters(per_page=2))
    assert everything.total == len(insps) and len(everything.rows) == 2
    assert everything.pages == -(-len(insps) // 2)
    assert "秘密" not in repr(everything.rows)
    found = queries.public_search(db_session, queries.PublicFilters(category="CORRECTED"))
    assert found.total == (len(insps) + 1) // 2
    name = insps[0].entity.name
    by_name = queries.public_search(db_session, queries.PublicFilters(name=name[-4:]))
    assert [r["uscc"] for r in by_name.rows] == [insps[0].uscc]
    dated = queries.public_search(
        db_session,
        queries.PublicFilters(date_from=dt.date(2026, 9, 2), date_to=dt.date(2026, 9, 3)),
    )
    assert {r["inspected_on"] for r in dated.rows} == {dt.date(2026, 9, 2), dt.date(2026, 9, 3)}
    town = insps[0].entity.town.code
    in_town = queries.public_search(db_session, queries.PublicFilters(town=town, per_page=100))
    assert all(r["town"] == town for r in in_town.rows) and in_town.total >= 1
    assert queries.public_search(db_session, queries.PublicFilters(body="FDA")).total == 0


def test_rotation_counts_the_date_carried_out(db_session, published):
    from scheduler.plans.eligibility import last_inspectors

    plan, insps, teams = published
    i = insps[0]
    body = plan.lead_body_id
    visit = i.visit_date
    before = visit + dt.timedelta(days=1)
    assert last_inspectors(db_session, [i.entity_id], body, before)[i.entity_id]
    # carried out later than scheduled: it is not "before" that day any more
    late = ResultInput(["OK"], visit + dt.timedelta(days=5))
    lc.enter(db_session, CODE, i.uscc, late, ACTOR, by=teams[i.uscc][0], today=TODAY)
    assert db_session.get(Inspection, i.id).done_on == visit + dt.timedelta(days=5)
    assert i.entity_id not in last_inspectors(db_session, [i.entity_id], body, before)
