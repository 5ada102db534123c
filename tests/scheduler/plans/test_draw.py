"""Freeze, seed, draw and bundle: the population, exclusions, key supervision, the digest."""

import hashlib
import json
import zlib
from collections import Counter

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.errors import PlanError
from scheduler.models import AuditEvent, Entity, Inspection, PlanPopulation
from scheduler.plans import create, draw
from scheduler.plans.core import get_plan
from solver.draw import keyed_ticket, sample_size, ticket

ACTOR = Actor.system("test")

SEED = "31415926535897932384626433"


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _through_draw(session, data, seed=SEED):
    create.create_plan(session, data, ACTOR)
    draw.freeze(session, data["code"], ACTOR, force=True)  # draw tests take everyone
    draw.set_seed(session, data["code"], seed, ACTOR)
    plan = draw.draw(session, data["code"], ACTOR)
    session.commit()
    return plan


def test_freeze_population_filters_and_digest(db_session, small_district, plan_file):
    create.create_plan(db_session, plan_file(), ACTOR)
    plan = draw.freeze(db_session, "SC-2027-001", ACTOR)
    db_session.commit()
    keys, strata = draw.frozen_population(db_session, plan)
    # The stored lines hash to the published digest, in ascending key order.
    lines = "".join(f"{k},{s}\n" for k, s in zip(keys, strata, strict=True)).encode()
    assert hashlib.sha256(lines).hexdigest() == plan.population_digest
    assert keys == sorted(keys)
    row = db_session.get(PlanPopulation, plan.id)
    assert zlib.decompress(row.lines_zlib) == lines
    # Never deregistered or revoked; never key-supervision entities in the random population.
    statuses = dict(db_session.execute(select(Entity.uscc, Entity.status)).all())
    assert {statuses[k] for k in keys} == {"active"}
    key_flagged = set(db_session.scalars(select(Entity.uscc).where(Entity.key_supervision)))
    assert key_flagged and not key_flagged & set(keys)
    # History: entities 0..39 were inspected in Dec 2026 / Jan 2027, within 6 months of
    # March 2027; entity 5 is under key supervision and so inspected regardless.
    assert plan.freeze_summary["excluded"]["months_since_last"] == 39
    # Every other active entity matches SC-01 (E, any) or SC-05 (EIC, any).
    active = _count(db_session, Entity, Entity.status == "active")
    assert len(keys) == active - 39 - len(key_flagged)
    classes = dict(db_session.execute(select(Entity.uscc, Entity.credit_class)).all())
    assert all(classes[k] == s for k, s in zip(keys, strata, strict=True))
    sizes = Counter(strata)
    for s in plan.freeze_summary["strata"]:
        assert s["size"] == sizes[s["stratum"]]
        assert s["k"] == sample_size(s["size"], ratio_bp=s["ratio_bp"])
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.subject == plan.code)).all()
    assert kinds == ["plan_created", "plan_frozen"]


def test_frozen_population_survives_directory_changes(db_session, small_district, plan_file):
    create.create_plan(db_session, plan_file(), ACTOR)
    plan = draw.freeze(db_session, "SC-2027-001", ACTOR)
    db_session.commit()
    before = draw.frozen_population(db_session, plan)
    for e in db_session.scalars(select(Entity).limit(50)):
        e.status = "deregistered"
    db_session.commit()
    assert draw.frozen_population(db_session, plan) == before


@pytest.mark.parametrize(
    "strata",
    [
        {"by": "credit_class", "ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 2000}},
        {"by": "entity_type", "ratios_bp": {"E": 700, "I": 1500, "C": 3000}},
    ],
    ids=["sealed", "open"],
)
def test_draw_selects_the_smallest_tickets_and_adds_key_supervision(
    db_session, small_district, plan_file, strata
):
    plan = _through_draw(db_session, plan_file(strata=strata))
    keys, strata = draw.frozen_population(db_session, plan)
    drawn = db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()
    random_rows = [i for i in drawn if i.origin == "random"]
    if plan.strata_key is None:  # open: anyone's ticket
        assert plan.rules["strata"]["by"] == "entity_type"

        def ticket_of(k):
            return ticket(SEED, plan.code, k)
    else:  # sealed: the keyed ticket of spec section 7
        assert len(bytes.fromhex(plan.strata_key)) == 32

        def ticket_of(k):
            return keyed_ticket(bytes.fromhex(plan.strata_key), SEED, plan.code, k)

    for s in plan.freeze_summary["strata"]:
        members = [k for k, st in zip(keys, strata, strict=True) if st == s["stratum"]]
        expected = sorted(members, key=lambda k: (ticket_of(k), k))[: s["k"]]
        got = [
            i.uscc for i in sorted(random_rows, key=lambda i: i.rank) if i.stratum == s["stratum"]
        ]
        assert got == expected
    key_rows = {i.uscc for i in drawn if i.origin == "key"}
    flagged = set(db_session.scalars(select(Entity.uscc).where(Entity.key_supervision)))
    assert key_rows == flagged
    assert all(i.ticket is None for i in drawn if i.origin == "key")
    assert plan.state == "drawn"


def test_counts_strata_and_towns_filter(db_session, small_district, plan_file):
    data = plan_file(
        filters={"towns": ["TJ"]},
        strata={"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 500}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
    )
    plan = _through_draw(db_session, data)
    keys, _ = draw.frozen_population(db_session, plan)
    towns = dict(db_session.execute(select(Entity.uscc, Entity.town_id)).all())
    assert len({towns[k] for k in keys}) == 1
    by_stratum = {s["stratum"]: s for s in plan.freeze_summary["strata"]}
    assert by_stratum["D"]["k"] == by_stratum["D"]["size"] < 500
    assert by_stratum["A"]["k"] == 3 and by_stratum["A"]["ratio_bp"] is None
    assert _count(db_session, Inspection, Inspection.origin == "key") == 0


def test_planner_lists_exclusions_and_key_entities(db_session, small_district, plan_file):
    ents = small_district["entities"]
    excluded, key = ents[100].uscc, ents[101].uscc
    data = plan_file(
        exclusions={
            "months_since_last": None,
            "max_per_year": None,
            "entities": [{"uscc": excluded, "reason": "正在立案调查"}],
        },
        key_supervision={"flagged": False, "entities": [{"uscc": key, "reason": "投诉举报"}]},
        strata={"by": "none", "ratios_bp": {"ALL": 10000}},
    )
    plan = _through_draw(db_session, data)
    keys, strata = draw.frozen_population(db_session, plan)
    assert excluded not in keys and key not in keys
    assert set(strata) == {"ALL"}
    rows = {i.uscc: i.origin for i in db_session.scalars(select(Inspection))}
    assert excluded not in rows
    assert rows[key] == "key"
    assert plan.freeze_summary["excluded"] == {"listed": 1}


def test_max_per_year_counts_history_and_other_plans(db_session, small_district, plan_file):
    # History has 20 entities inspected in January 2027; a first plan draws everybody.
    everyone = {"by": "none", "ratios_bp": {"ALL": 10000}}
    first = plan_file(
        code="SC-2027-A",
        strata=everyone,
        exclusions={"months_since_last": None, "max_per_year": None},
    )
    _through_draw(db_session, first)
    second = plan_file(
        code="SC-2027-B", strata=everyone, exclusions={"months_since_last": None, "max_per_year": 2}
    )
    create.create_plan(db_session, second, ACTOR)
    plan = draw.freeze(db_session, "SC-2027-B", ACTOR, force=True)
    # The 20 entities with January history were drawn again by plan A: two in 2027.
    assert plan.freeze_summary["excluded"] == {"max_per_year": 20}


def test_credit_class_crossed_with_item(db_session, small_district, plan_file):
    data = plan_file(
        items=["SC-10", "SC-11"],
        strata={
            "by": "credit_class_item",
            "ratios_bp": {"A": 1000, "B": 1000, "C": 5000, "D": 5000},
        },
        exclusions={"months_since_last": None, "max_per_year": None},
    )
    plan = _through_draw(db_session, data)
    _, strata = draw.frozen_population(db_session, plan)
    assert set(strata) <= {f"{c}:{i}" for c in "ABCD" for i in ("SC-10", "SC-11")}
    assert {s.split(":")[1] for s in strata} == {"SC-10", "SC-11"}


def test_seed_must_be_twenty_digits(db_session, small_district, plan_file):
    create.create_plan(db_session, plan_file(), ACTOR)
    draw.freeze(db_session, "SC-2027-001", ACTOR)
    for bad in (
        "1234567890123456789",
        "1234567890123456789a",
        "１２３４５６７８９０１２３４５６７８９０",
    ):
        with pytest.raises(PlanError, match="20"):
            draw.set_seed(db_session, "SC-2027-001", bad, ACTOR)
    assert get_plan(db_session, "SC-2027-001").seed is None


def test_bundle_verifies_and_detects_tampering(db_session, small_district, plan_file):
    from solver.verify import verify_bundle

    plan = _through_draw(db_session, plan_file())
    data = draw.bundle(db_session, get_plan(db_session, plan.code))
    assert verify_bundle(data) == []
    assert data["population_digest"] == plan.population_digest
    assert data["frozen_at"].endswith("Z")
    json.dumps(data)
    # Someone edits a stored inspection: the bundle refuses to paper over it.
    victim = db_session.scalars(
        select(Inspection).where(Inspection.origin == "random").order_by(Inspection.id)
    ).first()
    victim.rank = 999
    db_session.flush()
    with pytest.raises(PlanError, match="altered"):
        draw.bundle(db_session, get_plan(db_session, plan.code))
    db_session.rollback()
