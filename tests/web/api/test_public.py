"""Public reads: only published plans, public fields only, pages, ETags and 304."""

import json

import pytest
from sqlalchemy import select

from scheduler.models import Entity, Inspection, Officer
from solver.verify import verify_bundle

CODE = "SC-2027-001"


def test_unpublished_plans_do_not_exist_for_the_public(
    client, db_session, small_district, plan_file, plan_to
):
    plan_to(db_session, plan_file, "scheduled")
    assert client.get("/api/v1/plans").get_json() == {"items": [], "next_cursor": None}
    for path in ("", "/bundle", "/inspections"):
        resp = client.get(f"/api/v1/plans/{CODE}{path}")
        assert resp.status_code == 404
        assert resp.get_json()["errors"][0]["code"] == "plan_not_found"
    # the commitment is public from the freeze on
    assert client.get(f"/api/v1/plans/{CODE}/commitment").status_code == 200


def test_published_plan_its_bundle_verifies_and_matches_the_portal(
    client, db_session, small_district, plan_file, plan_to
):
    plan_to(db_session, plan_file, "published")
    listing = client.get("/api/v1/plans").get_json()
    assert [p["code"] for p in listing["items"]] == [CODE]
    one = client.get(f"/api/v1/plans/{CODE}").get_json()
    assert one["state"] == "published" and one["published_at"].endswith("Z")
    assert one["lead_body"] == "SC" and one["window"] == {
        "start": "2027-03-01",
        "end": "2027-04-30",
    }
    assert one["inspections"]["random"] == 10
    bundle = client.get(f"/api/v1/plans/{CODE}/bundle").get_json()
    assert verify_bundle(bundle) == []
    assert bundle == client.get(f"/plans/{CODE}/bundle.json").get_json()
    commitment = client.get(f"/api/v1/plans/{CODE}/commitment").get_json()
    assert (
        commitment["population_digest"] == one["population_digest"] == bundle["population_digest"]
    )


def test_inspections_show_public_fields_only(
    client, db_session, small_district, plan_file, plan_to
):
    plan_to(db_session, plan_file, "published")
    items = client.get(f"/api/v1/plans/{CODE}/inspections").get_json()["items"]
    stored = db_session.scalars(select(Inspection)).all()
    assert sorted(i["uscc"] for i in items) == sorted(i.uscc for i in stored)
    assert {i["origin"] for i in items} == {"random", "key"}  # key supervision is flagged
    assert all(set(i) == {"uscc", "name", "town", "origin"} for i in items)
    text = client.get(f"/api/v1/plans/{CODE}/inspections").get_data(as_text=True)
    for insp in stored:
        assert insp.ticket is None or insp.ticket not in text
    assert "credit_class" not in text and "stratum" not in text


def test_plan_pages_walk_every_plan_once_in_code_order(
    client, db_session, small_district, plan_file, plan_to
):
    codes = [f"SC-2027-{n:03d}" for n in (5, 1, 3)]
    for code in codes:
        plan_to(db_session, plan_file, "published", code=code)
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        data = client.get("/api/v1/plans" + query).get_json()
        assert len(data["items"]) <= 2
        seen += [p["code"] for p in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(codes)
    assert client.get("/api/v1/plans?body=SC").get_json()["items"]
    assert client.get("/api/v1/plans?body=FD").get_json()["items"] == []


@pytest.mark.parametrize(
    "query", ["cursor=", "limit=0", "limit=501", "limit=x", "cursor=" + "x" * 257]
)
def test_bad_page_parameters_are_422_by_field(client, query):
    resp = client.get(f"/api/v1/plans?{query}")
    assert resp.status_code == 422
    assert resp.get_json()["errors"][1]["field"] == query.split("=")[0]


def test_public_reads_answer_304_to_a_known_etag(
    client, db_session, small_district, plan_file, plan_to
):
    plan_to(db_session, plan_file, "published")
    for path in (
        "/plans",
        f"/plans/{CODE}",
        f"/plans/{CODE}/bundle",
        f"/plans/{CODE}/inspections",
        f"/plans/{CODE}/commitment",
        "/officers",
    ):
        first = client.get("/api/v1" + path)
        assert first.status_code == 200 and first.headers["ETag"]
        again = client.get("/api/v1" + path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        other = client.get("/api/v1" + path, headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200
    one = client.get(f"/api/v1/plans/{CODE}")
    assert one.headers["Last-Modified"]
    since = client.get(
        f"/api/v1/plans/{CODE}", headers={"If-Modified-Since": one.headers["Last-Modified"]}
    )
    assert since.status_code == 304


def test_officer_registry_has_no_phone_and_filters(client, db_session, small_district):
    officers = small_district["officers"]
    officers[0].phone = "13800138000"
    db_session.commit()
    text = client.get("/api/v1/officers?limit=500").get_data(as_text=True)
    assert "13800138000" not in text and "phone" not in text
    data = json.loads(text)
    assert [o["cert_no"] for o in data["items"]] == sorted(o.cert_no for o in officers)
    assert data["items"][0]["body"] == "SC"
    named = client.get("/api/v1/officers?name=执法员1").get_json()["items"]
    assert [o["name"] for o in named] == ["执法员1"]
    assert client.get("/api/v1/officers?body=FD").get_json()["items"] == []
    first = client.get("/api/v1/officers?limit=3").get_json()
    rest = client.get(f"/api/v1/officers?limit=500&cursor={first['next_cursor']}").get_json()
    assert [o["cert_no"] for o in first["items"] + rest["items"]] == sorted(
        o.cert_no for o in db_session.scalars(select(Officer))
    )


def test_messages_follow_accept_language(client):
    zh = client.get("/api/v1/plans/NOPE", headers={"Accept-Language": "zh-CN"}).get_json()
    en = client.get("/api/v1/plans/NOPE", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()
    assert zh["errors"][0]["message"] == "没有已公示的计划 NOPE"
    assert en["errors"][0]["message"] == "no published plan 'NOPE'"


def test_no_credit_class_anywhere_in_the_public_api(
    client, db_session, small_district, plan_file, plan_to
):
    """The confidentiality crawl: no public answer names an inspected entity's class."""
    plan_to(db_session, plan_file, "published")
    paths = ["/plans", f"/plans/{CODE}", f"/plans/{CODE}/inspections", "/officers"]
    texts = [client.get("/api/v1" + p).get_data(as_text=True) for p in paths]
    for text in texts:
        assert "credit_class" not in text and "phone" not in text and "conflict" not in text
    inspected = db_session.scalars(select(Entity).join(Inspection)).all()
    items = json.loads(texts[2])["items"]
    assert all(set(i) == {"uscc", "name", "town", "origin"} for i in items)
    assert len(items) == len(inspected)
