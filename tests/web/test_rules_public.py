"""What the public may see of a plan, in every state (公示规则), and the app's start-up,
language and health rules, through HTTP as a visitor meets them.

- the verification bundle (spec section 5) only once the plan is published (and closed);
- the commitment (spec section 1) from the freeze on, naming no entity;
- `create_app` refuses to start with a route that declares no access rule;
- Chinese is the default language;
- `/healthz` answers from the database: 503 when the database is down.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from scheduler.errors import NotFound
from scheduler.plans import public
from tests import oracles
from tests.districts import SEED, District, plan_data, run_plan

CODE = "SC-2027-101"
STATES = ["draft", "frozen", "drawn", "matched", "scheduled", "published", "closed"]


def _plan_in(db_session, state: str, n_entities: int = 8, count: int = 3):
    d = District(db_session)
    entities = [d.entity(town="TJ" if i % 2 else "HX") for i in range(n_entities)]
    d.entity(status="deregistered")
    for _ in range(4):
        d.officer()
    d.commit()
    data = plan_data(strata={"by": "none", "counts": {"ALL": count}})
    run_plan(db_session, data, until="published" if state == "closed" else state)
    if state == "closed":  # no service closes a plan yet: the state as the results will set it
        db_session.execute(text("UPDATE plan SET state = 'closed' WHERE code = :c"), {"c": CODE})
        db_session.commit()
    return entities


@pytest.mark.parametrize("state", STATES)
def test_bundle_is_public_only_after_publication(db_session, client, state):
    entities = _plan_in(db_session, state)
    response = client.get(f"/plans/{CODE}/bundle.json")
    if state not in ("published", "closed"):
        assert response.status_code == 404
        assert response.get_json()["errors"][0]["code"] == "plan_not_found"
        assert all(e.uscc not in response.get_data(as_text=True) for e in entities)
        with pytest.raises(NotFound):
            public.public_bundle(db_session, CODE)
        with pytest.raises(NotFound):
            public.public_plan(db_session, CODE)
        return
    assert response.status_code == 200
    bundle = response.get_json()
    keys = sorted(e.uscc for e in entities)
    assert sorted(bundle["selected"]) == sorted(oracles.bottom_k(SEED, CODE, keys, 3))
    assert bundle["seed"] == SEED and bundle["plan_code"] == CODE
    lines = "".join(f"{k},ALL\n" for k in keys).encode()
    assert bundle["population_digest"] == hashlib.sha256(lines).hexdigest()


@pytest.mark.parametrize("state", STATES)
def test_commitment_is_public_from_the_freeze_and_names_no_entity(db_session, client, state):
    entities = _plan_in(db_session, state)
    response = client.get(f"/plans/{CODE}/commitment.json")
    if state == "draft":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert all(e.uscc not in body for e in entities)
    data = json.loads(body)
    keys = sorted(e.uscc for e in entities)
    lines = "".join(f"{k},ALL\n" for k in keys).encode()
    assert data["population_digest"] == hashlib.sha256(lines).hexdigest()
    assert data["population_size"] == len(entities)  # the deregistered one never counts
    assert [(s["stratum"], s["size"], s["k"]) for s in data["strata"]] == [("ALL", 8, 3)]
    assert data["seed"] == (None if state == "frozen" else SEED)


def test_unknown_plan_and_unpublished_plan_look_the_same(db_session, client):
    _plan_in(db_session, "scheduled")
    hidden = client.get(f"/plans/{CODE}/bundle.json")
    missing = client.get("/plans/NOPE-1/bundle.json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["errors"][0]["code"] == missing.get_json()["errors"][0]["code"]


# ------------------------------------------------------------------ start-up, language, health


def _make_app(url: str, **extra):
    from web import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **extra,
        }
    )


def test_create_app_refuses_a_route_without_an_access_rule(tmp_path, monkeypatch):
    from web.access import MissingAccessRule
    from web.portal import views

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _make_app(url).url_map  # starts with every rule declared
    monkeypatch.delattr(views.healthz, "access_rule")
    with pytest.raises(MissingAccessRule, match="portal.healthz"):
        _make_app(url)


@pytest.mark.parametrize(
    ("headers", "query", "lang"),
    [
        ({}, "", "zh"),
        ({"Accept-Language": "fr-FR,fr;q=0.9"}, "", "zh"),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "", "zh"),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", "en"),
        ({"Accept-Language": "en-US"}, "?lang=zh", "zh"),
        ({}, "?lang=en", "en"),
    ],
)
def test_chinese_is_the_default_language(client, headers, query, lang):
    page = client.get("/" + query, headers=headers).get_data(as_text=True)
    chinese = ("工作人员登录", "双随机、一公开", "跳到正文")
    if lang == "zh":
        assert '<html lang="zh-CN">' in page
        assert all(t in page for t in chinese)
        assert "Staff login" not in page
    else:
        assert '<html lang="en">' in page
        assert "Staff login" in page and "Skip to main content" in page
        assert not any(t in page for t in chinese)


def test_the_language_chosen_is_remembered(client):
    client.get("/?lang=en")
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Staff login" in page and "工作人员登录" not in page


def test_healthz_answers_from_the_database(client, tmp_path):
    assert client.get("/healthz").status_code == 200
    down = _make_app(f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}")
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)
    unchecked = _make_app(
        f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}", FAIRDRAW_CHECK_SCHEMA=False
    )
    assert unchecked.test_client().get("/healthz").status_code == 503
