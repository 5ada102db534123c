"""The public portal: the home page, and the bundle served only for published plans."""

from scheduler.actors import Actor
from scheduler.plans import create, draw, matching, public, scheduling

ACTOR = Actor.system("test")

SEED = "27182818284590452353602874"


def test_home_page_is_chinese_by_default_and_counts_active_entities(csrf_app, small_district):
    # csrf_app: its own app context per request, as in production (the locale is per request)
    client = csrf_app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert "双随机、一公开" in page
    # 400 active entities; the deregistered and the revoked one are not counted.
    assert "<strong>400</strong>" in page and "<strong>402</strong>" not in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "market entities in the directory" in english and "双随机" not in english


def test_bundle_is_public_only_after_publication(client, db_session, small_district, plan_file):
    from solver.verify import verify_bundle

    code = "SC-2027-001"
    create.create_plan(db_session, plan_file(), ACTOR)
    db_session.commit()
    assert client.get(f"/plans/{code}/bundle.json").status_code == 404
    draw.freeze(db_session, code, ACTOR)
    draw.set_seed(db_session, code, SEED, ACTOR)
    draw.draw(db_session, code, ACTOR)
    db_session.commit()
    assert client.get(f"/plans/{code}/bundle.json").status_code == 404  # drawn, not published

    matching.match(db_session, code, ACTOR)
    scheduling.schedule(db_session, code, ACTOR)
    public.publish(db_session, code, ACTOR)
    db_session.commit()
    resp = client.get(f"/plans/{code}/bundle.json")
    assert resp.status_code == 200
    data = resp.get_json()
    # Strata by credit class: a sealed plan, whose public bundle lists keys only.
    assert data["algorithm"] == "hmac-sha256-bottom-k/1" and data["seed"] == SEED
    assert all(isinstance(key, str) for key in data["population"])
    assert "strata_key" not in data
    commitment = client.get(f"/plans/{code}/commitment.json").get_json()
    assert verify_bundle(data) == [] and verify_bundle(data, commitment) == []
    assert client.get("/plans/NOPE/bundle.json").status_code == 404


def test_commitment_is_public_from_the_freeze_and_names_no_entity(
    client, db_session, small_district, plan_file
):
    code = "SC-2027-001"
    create.create_plan(db_session, plan_file(), ACTOR)
    db_session.commit()
    assert client.get(f"/plans/{code}/commitment.json").status_code == 404
    plan = draw.freeze(db_session, code, ACTOR)
    db_session.commit()
    data = client.get(f"/plans/{code}/commitment.json").get_json()
    assert data["population_digest"] == plan.population_digest
    assert data["seed"] is None and data["frozen_at"].endswith("Z")
    assert sum(s["size"] for s in data["strata"]) == plan.population_size
    text = client.get(f"/plans/{code}/commitment.json").get_data(as_text=True)
    for entity in small_district["entities"]:
        assert entity.uscc not in text
