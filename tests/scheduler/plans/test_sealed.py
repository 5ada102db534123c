"""Sealed strata (spec section 7) in the domain: the strata key at the freeze, keyed tickets,
the public and auditor bundles, and no path by which an entity's credit-risk class reaches
the public. Open strata kinds (item, town, entity type) stay open and verify."""

import copy
import json

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import Forbidden, PlanError, PlanNotFound
from scheduler.models import AuditEvent, Entity, Inspection, Role
from scheduler.plans import create, draw, matching, public, scheduling
from scheduler.plans.core import get_plan
from solver import draw as solver_draw
from solver.verify import verify_bundle

ACTOR = Actor.system("test")
SEED = "14142135623730950488016887"
CODE = "SC-2027-001"
CREDIT = {"by": "credit_class", "ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 2000}}


def _create(db_session, plan_file, **overrides):
    overrides.setdefault("exclusions", {"months_since_last": None, "max_per_year": None})
    create.create_plan(db_session, plan_file(**overrides), ACTOR)
    return get_plan(db_session, CODE)


def _drawn(db_session, plan_file, **overrides):
    _create(db_session, plan_file, **overrides)
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    db_session.commit()
    return get_plan(db_session, CODE)


def class_pairs(value, classes: dict[str, str]) -> list[tuple[str, str]]:
    """Every (uscc, class) that `value` (parsed JSON) puts side by side: a list or object
    holding an entity's code and its class letter, or an object keyed by the code."""
    found = []
    if isinstance(value, dict):
        scalars = [v for v in value.values() if isinstance(v, str)]
        for key, v in value.items():
            if key in classes and v == classes[key]:
                found.append((key, v))
        children = list(value.values())
    elif isinstance(value, list):
        scalars = [v for v in value if isinstance(v, str)]
        children = value
    else:
        return found
    for s in scalars:
        if s in classes and classes[s] in scalars:
            found.append((s, classes[s]))
        if len(s) > 19 and s[:18] in classes and s[18] in ",:|" and s[19:] == classes[s[:18]]:
            found.append((s[:18], s[19:]))
    for child in children:
        found += class_pairs(child, classes)
    return found


def test_freeze_of_a_sealed_plan_commits_to_a_strata_key_before_the_seed(
    db_session, small_district, plan_file
):
    plan = _create(db_session, plan_file, strata=CREDIT)
    assert draw.is_sealed(plan) and plan.strata_key is None
    draw.freeze(db_session, CODE, ACTOR)
    db_session.commit()
    plan = get_plan(db_session, CODE)
    key = bytes.fromhex(plan.strata_key)
    assert len(key) == 32
    keys, _ = draw.frozen_population(db_session, plan)
    made = public.public_commitment(db_session, CODE)
    assert made["algorithm"] == "hmac-sha256-bottom-k/1" and made["seed"] is None
    assert made["strata_key_commitment"] == solver_draw.strata_key_commitment(CODE, key)
    assert made["population_keys_digest"] == solver_draw.population_keys_digest(keys)
    assert plan.strata_key not in json.dumps(made)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "plan_frozen"))
    assert event.payload["strata_key_commitment"] == made["strata_key_commitment"]
    assert plan.strata_key not in json.dumps(event.payload)


def test_two_freezes_draw_different_keys(db_session, small_district, plan_file):
    _create(db_session, plan_file, strata=CREDIT)
    draw.freeze(db_session, CODE, ACTOR)
    other = plan_file(code="SC-2027-002", exclusions={"months_since_last": None})
    create.create_plan(db_session, other, ACTOR)
    draw.freeze(db_session, "SC-2027-002", ACTOR)
    keys = {get_plan(db_session, c).strata_key for c in (CODE, "SC-2027-002")}
    assert len(keys) == 2 and None not in keys


def test_sealed_bundles_verify_and_tampering_fails(db_session, small_district, plan_file):
    plan = _drawn(db_session, plan_file, strata=CREDIT)
    commitment = public.public_commitment(db_session, CODE)
    pub = draw.bundle(db_session, plan)
    aud = draw.auditor_bundle(db_session, CODE, ACTOR)
    assert pub["algorithm"] == aud["algorithm"] == "hmac-sha256-bottom-k/1"
    assert verify_bundle(pub) == [] and verify_bundle(pub, commitment) == []
    assert verify_bundle(aud) == [] and verify_bundle(aud, commitment) == []
    # Public: keys only, the selection in key order; auditor: stratum by stratum.
    assert all(isinstance(k, str) for k in pub["population"]) and "strata_key" not in pub
    assert pub["selected"] == sorted(pub["selected"]) == sorted(aud["selected"])
    assert aud["strata_key"] == plan.strata_key
    stored = db_session.execute(
        select(Inspection.stratum, Inspection.rank, Inspection.uscc).where(
            Inspection.origin == "random"
        )
    ).all()
    assert aud["selected"] == [u for _, _, u in sorted(stored)]

    moved = copy.deepcopy(aud)  # an entity moved to another class
    moved["population"][0][1] = "D" if moved["population"][0][1] != "D" else "A"
    assert verify_bundle(moved)
    wrong_key = copy.deepcopy(aud)
    wrong_key["strata_key"] = "00" * 32
    assert verify_bundle(wrong_key)
    # One selected entity swapped for an unselected one: the public checks cannot see it
    # (spec section 7 says so), the auditor bundle does.
    outsider = next(k for k in pub["population"] if k not in set(pub["selected"]))
    swapped = dict(pub, selected=sorted([*pub["selected"][1:], outsider]))
    assert verify_bundle(swapped) == []
    assert verify_bundle(dict(aud, selected=[*aud["selected"][1:], outsider]))
    dropped = dict(pub, population=pub["population"][1:])  # the keys digest breaks
    assert verify_bundle(dropped)
    stranger = dict(pub, selected=sorted([*pub["selected"][1:], "91370282MA3C5T4R2M"]))
    assert verify_bundle(stranger)
    other_commitment = dict(commitment, strata_key_commitment="0" * 64)
    assert verify_bundle(pub, other_commitment)


def test_open_plan_by_each_public_attribute_verifies(db_session, small_district, plan_file):
    by_kind = {
        "none": ({"ALL": 1000}, lambda e: "ALL"),
        "item": ({"SC-01": 800, "SC-05": 1500, "SC-10": 5000}, None),
        "town": ({"TJ": 500, "HX": 1000, "CH": 1500, "LK": 2000}, lambda e: e.town.code),
        "entity_type": ({"E": 700, "I": 1500, "C": 3000}, lambda e: e.type),
    }
    entities = {e.uscc: e for e in db_session.scalars(select(Entity))}
    for n, (by, (ratios, label_of)) in enumerate(by_kind.items()):
        code = f"OPEN-{n}"
        data = plan_file(
            code=code,
            strata={"by": by, "ratios_bp": ratios},
            exclusions={"months_since_last": None, "max_per_year": None},
        )
        assert create.validate_plan(db_session, data) == {}
        create.create_plan(db_session, data, ACTOR)
        draw.freeze(db_session, code, ACTOR)
        draw.set_seed(db_session, code, SEED, ACTOR)
        plan = draw.draw(db_session, code, ACTOR)
        assert plan.strata_key is None and not draw.is_sealed(plan)
        keys, strata = draw.frozen_population(db_session, plan)
        if label_of is not None:
            assert all(label_of(entities[k]) == s for k, s in zip(keys, strata, strict=True))
        else:  # the first of the plan's items the entity fits
            assert set(strata) <= set(ratios) and len(set(strata)) >= 2
        data = draw.bundle(db_session, plan)
        assert data["algorithm"] == "sha256-bottom-k/1"
        assert verify_bundle(data, draw.commitment(plan)) == []
        assert "strata_key_commitment" not in draw.commitment(plan)
        assert draw.auditor_bundle(db_session, code, ACTOR) == data


@pytest.mark.parametrize(
    ("strata", "field_text"),
    [
        ({"by": "entity_type", "ratios_bp": {"E": 100, "X": 100}}, "E, I or C"),
        ({"by": "item", "ratios_bp": {"SC-01": 100}}, "each of the plan's items"),
        ({"by": "town", "ratios_bp": {"TJ": 100, "ZZ": 100}}, "unknown town codes"),
        ({"by": "county", "ratios_bp": {"TJ": 100}}, "Must be one of"),
    ],
)
def test_open_strata_labels_are_checked(db_session, small_district, plan_file, strata, field_text):
    errors = create.validate_plan(db_session, plan_file(strata=strata))
    assert any(field_text in m.en for m in errors.get("strata", []) + errors.get("strata.by", []))
    with pytest.raises(PlanError):
        create.create_plan(db_session, plan_file(strata=strata), ACTOR)


def test_auditor_bundle_is_for_auditors_and_the_lead_planners_only(
    db_session, small_district, plan_file
):
    _drawn(db_session, plan_file, strata=CREDIT)
    auditor = Actor("shen", Role.AUDITOR.value)
    planner = Actor("li", Role.PLANNER.value, body="SC")
    assert draw.auditor_bundle(db_session, CODE, auditor)["strata_key"]
    assert draw.auditor_bundle(db_session, CODE, planner)["strata_key"]
    with pytest.raises(Forbidden):
        draw.auditor_bundle(db_session, CODE, Actor("root", Role.ADMIN.value))
    with pytest.raises(PlanNotFound):  # another body's planner: the plan does not exist
        draw.auditor_bundle(db_session, CODE, Actor("wang", Role.PLANNER.value, body="JT"))
    with pytest.raises(PlanNotFound):
        draw.auditor_bundle(db_session, CODE, Actor("o", Role.OFFICER.value, cert_no="1"))
    takers = db_session.scalars(
        select(AuditEvent.actor).where(AuditEvent.kind == "plan_auditor_bundle")
    ).all()
    assert takers == ["shen", "li"]


def test_no_public_path_carries_an_entity_class(client, db_session, small_district, plan_file):
    _drawn(db_session, plan_file, strata=CREDIT, key_supervision={"flagged": True})
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    public.publish(db_session, CODE, ACTOR)
    db_session.commit()
    plan = get_plan(db_session, CODE)
    classes = dict(db_session.execute(select(Entity.uscc, Entity.credit_class)).all())
    aud = draw.auditor_bundle(db_session, CODE, ACTOR)
    assert class_pairs(aud, classes)  # the detector finds the auditor bundle's pairs
    for path in ("bundle.json", "commitment.json"):
        resp = client.get(f"/plans/{CODE}/{path}")
        assert resp.status_code == 200
        text = resp.get_data(as_text=True)
        assert class_pairs(json.loads(text), classes) == []
        assert plan.strata_key not in text
    for event in db_session.scalars(select(AuditEvent)):
        assert class_pairs(event.payload, classes) == [], event.kind
        assert plan.strata_key not in json.dumps(event.payload), event.kind
