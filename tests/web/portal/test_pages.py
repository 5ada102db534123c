"""The portal's plan, officer and entity pages: what they show, filter and never show."""

import datetime as dt
import re

from sqlalchemy import select

from scheduler import portal_queries as pq
from scheduler.models import Entity, Inspection, Officer
from solver.verify import verify_bundle


def _inspections(db_session, plan):
    return db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()


def test_plan_list_shows_published_plans_only_and_filters(client, portal_plans):
    page = client.get("/plans/").get_data(as_text=True)
    assert "SC-2027-001" in page and "SC-2027-002" in page
    assert "SC-2027-003" not in page and "未公示计划" not in page
    assert "SC-2027-001" not in client.get("/plans/?q=第二批").get_data(as_text=True)
    assert "SC-2027-002" in client.get("/plans/?q=第二批").get_data(as_text=True)
    assert "SC-2027-001" in client.get("/plans/?body=SC&year=2027").get_data(as_text=True)
    none = client.get("/plans/?body=GA").get_data(as_text=True)
    assert "SC-2027-001" not in none and "没有符合条件的已公示计划" in none
    assert "SC-2027-001" not in client.get("/plans/?year=2026").get_data(as_text=True)
    assert "SC-2027-001" not in client.get("/plans/?state=closed").get_data(as_text=True)
    # nonsense filter values are ignored, never an error
    assert client.get("/plans/?year=abc&state=<x>&body=ZZ").status_code == 200
    assert client.get("/plans/?body=%00").status_code == 400  # bad bytes: the input guard
    csv = client.get("/plans/?format=csv").get_data(as_text=True)
    assert csv.count("SC-2027-00") == 2 and "SC-2027-003" not in csv


def test_home_lists_published_plans_newest_first(client, portal_plans):
    page = client.get("/").get_data(as_text=True)
    assert page.index("SC-2027-002") < page.index("SC-2027-001")  # published later
    assert "SC-2027-003" not in page
    assert 'action="/results"' in page and 'for="f-q"' in page


def test_plan_page_scope_rules_timeline_entities_and_verify_panel(
    client, csrf_app, db_session, portal_plans
):
    plan = portal_plans["open"]
    page = client.get("/plans/SC-2027-002").get_data(as_text=True)
    assert "2027年第二批随机抽查" in page and "区市场监督管理局" in page
    assert "2027年5月6日" in page and "2027年6月30日" in page
    assert "SC-10" in page and "食品销售者经营活动的检查" in page
    assert "4%" in page and "万分之 400" in page  # the ratio in words
    assert plan.population_digest in page and plan.seed in page
    # every drawn entity is listed (fewer than a page), with why it was drawn
    inspections = _inspections(db_session, plan)
    assert len(inspections) < 50
    for inspection in inspections:
        assert inspection.uscc in page
    assert page.count("重点监管</td>") == sum(i.origin == "key" for i in inspections)
    panel = re.search(r'<section class="verify-panel"[^>]*>', page).group(0)
    assert 'data-bundle-url="/plans/SC-2027-002/bundle.json"' in panel
    assert 'data-commitment-url="/plans/SC-2027-002/commitment.json"' in panel
    assert 'data-verify-py-url="/verify.py"' in panel and 'data-plan-code="SC-2027-002"' in panel
    assert "python3 verify.py SC-2027-002-bundle.json" in page
    assert "js/verify.js" in page and "js/sha256.js" in page
    english = csrf_app.test_client().get("/plans/SC-2027-002?lang=en").get_data(as_text=True)
    assert "The rules, in plain words" in english and "Random draw" in english


def test_plan_page_search_and_csv_of_drawn_entities(client, db_session, portal_plans):
    plan = portal_plans["open"]
    one = _inspections(db_session, plan)[0]
    name = db_session.get(Entity, one.entity_id).name
    page = client.get(f"/plans/SC-2027-002?q={name}").get_data(as_text=True)
    assert one.uscc in page and "共 1 条" in page
    csv = client.get("/plans/SC-2027-002?format=csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(_inspections(db_session, plan)) + 1


def test_plan_page_of_a_class_stratified_plan_never_shows_an_entity_class(
    client, db_session, portal_plans
):
    plan = portal_plans["sealed"]
    page = client.get("/plans/SC-2027-001").get_data(as_text=True)
    # the strata table (aggregates) is public ...
    assert "信用风险 A 类" in page and "信用风险 D 类" in page
    # ... but no row of the drawn entities carries a class or a ticket
    table = page[page.index('id="entities"') :]
    for inspection in _inspections(db_session, plan):
        assert inspection.uscc in table
        if inspection.ticket:
            assert inspection.ticket not in page
    rows = re.findall(r"<tr>.*?</tr>", table, flags=re.S)
    for row in rows[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        assert not any(c.strip() in {"A", "B", "C", "D"} for c in cells)


def test_unpublished_and_unknown_plans_are_not_found(client, portal_plans):
    assert client.get("/plans/SC-2027-003").status_code == 404
    assert client.get("/plans/NOPE").status_code == 404
    assert client.get("/plans/SC-2027-003/bundle.json").status_code == 404


def test_bundle_answers_304_to_its_validators(client, portal_plans):
    first = client.get("/plans/SC-2027-002/bundle.json")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert verify_bundle(first.get_json()) == []
    again = client.get(
        "/plans/SC-2027-002/bundle.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        "/plans/SC-2027-002/bundle.json",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    other = client.get("/plans/SC-2027-001/bundle.json", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.headers["ETag"] != first.headers["ETag"]


def test_verify_py_is_served_as_a_download(client):
    from scheduler.config import ROOT

    resp = client.get("/verify.py")
    assert resp.status_code == 200
    assert resp.data == (ROOT / "solver" / "verify.py").read_bytes()
    assert "attachment" in resp.headers["Content-Disposition"]


def test_officer_registry_search_and_certificate_check(client, db_session, small_district):
    officers = small_district["officers"]
    officers[0].phone = "13912345678"
    officers[1].cert_status = "suspended"
    db_session.commit()
    page = client.get("/officers").get_data(as_text=True)
    assert all(o.cert_no in page for o in officers)
    assert "13912345678" not in page and "SC-TJ" not in page  # no phone, no unit
    found = client.get("/officers?q=执法员3").get_data(as_text=True)
    assert officers[3].cert_no in found and officers[4].cert_no not in found
    by_cert = client.get(f"/officers?q={officers[5].cert_no}").get_data(as_text=True)
    assert officers[5].cert_no in by_cert and officers[6].cert_no not in by_cert
    suspended = client.get("/officers?status=suspended").get_data(as_text=True)
    assert officers[1].cert_no in suspended and officers[2].cert_no not in suspended
    ok = client.get(f"/officers/{officers[0].cert_no}").get_data(as_text=True)
    assert "今日有效" in ok and "13912345678" not in ok and "2028年12月31日" in ok
    bad = client.get(f"/officers/{officers[1].cert_no}").get_data(as_text=True)
    assert "今日无效" in bad and "暂扣" in bad
    assert client.get("/officers/NOPE").status_code == 404


def test_entity_page_ticket_for_open_plans_only_and_never_the_class(
    client, db_session, portal_plans
):
    sealed, open_plan = portal_plans["sealed"], portal_plans["open"]
    in_sealed = {i.entity_id: i for i in _inspections(db_session, sealed) if i.origin == "random"}
    in_open = {i.entity_id: i for i in _inspections(db_session, open_plan) if i.origin == "random"}
    both = sorted(set(in_sealed) & set(in_open))
    entity_id = both[0] if both else next(iter(in_open))
    entity = db_session.get(Entity, entity_id)
    page = client.get(f"/entities/{entity.uscc}").get_data(as_text=True)
    opened = in_open[entity_id]
    assert opened.ticket in page and f"排第 {opened.rank} 位" in page
    if entity_id in in_sealed:
        assert in_sealed[entity_id].ticket not in page
        assert "密封分组" in page
    assert "信用风险" not in page.split("何时可能再次被抽取")[0].split("抽中该市场主体")[0]
    assert client.get("/entities/913702820000000000").status_code == 404
    # a code typed in the lookup box goes straight to the entity
    resp = client.get(f"/entities/?q={entity.uscc.lower()}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(entity.uscc)
    listing = client.get("/entities/?q=测试主体000").get_data(as_text=True)
    assert "测试主体0001" in listing and "已注销主体" not in listing


def test_next_eligible_is_stated_as_the_yearly_rule(db_session, portal_plans):
    both = {i.entity_id for i in _inspections(db_session, portal_plans["sealed"])} & {
        i.entity_id for i in _inspections(db_session, portal_plans["open"])
    }
    uscc = db_session.get(Entity, sorted(both)[0]).uscc
    record = pq.entity_record(db_session, uscc, dt.date(2027, 7, 1))
    (rule,) = record.next_eligible
    assert rule.body.code == "SC" and rule.drawn_this_year == 2
    assert rule.next_year_from == dt.date(2028, 1, 1)
    later = pq.entity_record(db_session, uscc, dt.date(2028, 2, 1))
    assert later.next_eligible == []


def test_officer_phone_never_in_officer_queries(db_session, small_district):
    officer = db_session.scalar(select(Officer))
    row = db_session.execute(pq.officers_select(pq.OfficerFilters())).first()
    assert "phone" not in row._fields and officer.cert_no
