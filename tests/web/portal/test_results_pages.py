"""The results search, the inspection check page and the home figures, from the results
domain (scheduler/results)."""

import datetime as dt

from scheduler import portal_queries as pq
from scheduler.models import Entity

from .conftest import RESULT_TODAY


def test_results_search_filters_and_csv(client, db_session, disclosed):
    plan, insps = disclosed
    first, second, third = (db_session.get(Entity, i.entity_id) for i in insps[:3])
    page = client.get("/results").get_data(as_text=True)
    assert "共 2 条" in page and first.uscc in page and second.uscc in page
    assert third.uscc not in page  # returned, never disclosed
    assert "已责令改正" in page and "SC-2026-009" in page
    assert "内部记录" not in page and "照片不清晰" not in page  # findings, review note
    by_name = client.get(f"/results?q={first.name}").get_data(as_text=True)
    assert first.uscc in by_name and second.uscc not in by_name
    by_code = client.get(f"/results?q={second.uscc}").get_data(as_text=True)
    assert second.uscc in by_code and first.uscc not in by_code
    problem = client.get("/results?category=NOT_DISCLOSED").get_data(as_text=True)
    assert first.uscc in problem and second.uscc not in problem
    dated = client.get("/results?date_from=2026-10-01&date_to=2026-10-31").get_data(as_text=True)
    assert second.uscc in dated and first.uscc not in dated
    town = client.get(f"/results?town={second.town.code}").get_data(as_text=True)
    assert second.uscc in town
    assert "共 0 条" in client.get("/results?body=ZF").get_data(as_text=True)
    assert first.uscc in client.get("/results?item_category=食品安全").get_data(as_text=True)
    bad = client.get("/results?date_from=2026-13-45")
    assert bad.status_code == 200 and "请按 YYYY-MM-DD 格式填写日期" in bad.get_data(as_text=True)
    csv = client.get("/results?format=csv").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert len(lines) == 3 and "检查完成日期" in lines[0] and "2026-09-16" in csv
    assert "内部记录" not in csv


def test_results_paginate(client, db_session, disclosed):
    one = client.get("/results?per_page=20").get_data(as_text=True)
    assert "共 2 条" in one
    clamped = client.get("/results?page=99").get_data(as_text=True)
    assert "共 2 条" in clamped and "913702" in clamped


def test_plan_and_entity_pages_show_disclosed_results(client, db_session, disclosed):
    plan, insps = disclosed
    page = client.get("/plans/SC-2026-009").get_data(as_text=True)
    from scheduler.models import ResultCategory

    corrected = db_session.get(ResultCategory, "CORRECTED").name_zh
    assert corrected in page and "结果尚未公示" in page  # disclosed; visited, not disclosed
    entity = db_session.get(Entity, insps[0].entity_id)
    record = client.get(f"/entities/{entity.uscc}").get_data(as_text=True)
    assert "已责令改正" in record and "2026-09-16" in record and "内部记录" not in record


def test_check_page_confirms_the_inspection_and_certificates_only(
    client, db_session, disclosed, small_district
):
    plan, insps = disclosed
    insp = insps[3]
    page = client.get(f"/check/{insp.check_token}").get_data(as_text=True)
    assert "真实的检查任务" in page and "SC-2026-009" in page
    entity = db_session.get(Entity, insp.entity_id)
    assert entity.name in page
    from scheduler.plans.queries import team_of

    team = team_of(db_session, insp.id)
    for member in team:
        assert member.officer.cert_no in page and member.officer.name in page
    assert page.count("执法证有效") == len(team)
    # a suspended certificate shows as not valid
    team[0].officer.cert_status = "suspended"
    db_session.commit()
    page = client.get(f"/check/{insp.check_token}").get_data(as_text=True)
    assert "执法证无效" in page
    assert entity.uscc not in page  # nothing else: no credit code, no other inspection
    assert client.get("/check/not-a-token").status_code == 404
    assert client.get("/check/" + "x" * 300).status_code == 404


def test_home_figures_from_results(client, db_session, disclosed):
    figures = pq.result_figures(db_session, 2026, RESULT_TODAY)
    assert figures["disclosed"] == 2 and figures["problem_share"] == 0.5
    assert figures["done"] == 3  # the returned result was carried out too
    months = {m: (n, p) for m, n, p in figures["months"]}
    assert months[9] == (1, 1) and months[10] == (1, 0)
    later = pq.result_figures(db_session, 2026, dt.date(2026, 12, 31))
    assert later["overdue"] >= 1
    page = client.get("/").get_data(as_text=True)
    assert "已公示结果发现问题" in page and "每月检查及发现问题情况" in page
