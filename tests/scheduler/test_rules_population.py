"""Who is in a plan's population (抽查对象范围), each rule alone: status, items' types and
industries, the town filter, months since the last inspection (general items only), the
yearly maximum, the planner's exclusions, key supervision, the strata and their sizes.

Judged from outside: the public commitment (spec section 1: population size, strata sizes
and k) and the inspections the draw stored (every population entity is drawn where the
plan asks for more than there are).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scheduler.errors import PlanError
from scheduler.plans import public
from tests import oracles
from tests.districts import SEED, D, District, plan_data, run_plan

CODE = "SC-2027-101"


def _inspected(session, code: str = CODE) -> dict[str, str]:
    """uscc -> origin (random / key) of the plan's inspections."""
    return dict(
        session.execute(
            text(
                "SELECT i.uscc, i.origin FROM inspection i JOIN plan p ON p.id = i.plan_id "
                "WHERE p.code = :c"
            ),
            {"c": code},
        ).all()
    )


def _drawn(session, **overrides):
    run_plan(session, plan_data(**overrides), until="drawn")
    return _inspected(session), public.public_commitment(session, CODE)


def test_only_active_entities_are_ever_in_the_population(db_session):
    d = District(db_session)
    active = d.entity()
    gone = [d.entity(status="deregistered"), d.entity(status="revoked")]
    flagged_gone = d.entity(status="revoked", key=True)
    d.commit()
    got, commitment = _drawn(db_session, key_supervision={"flagged": True})
    assert got == {active.uscc: "random"}
    assert commitment["population_size"] == 1
    assert flagged_gone.uscc not in got
    # A planner cannot list a deregistered entity for key supervision either.
    listed = {"flagged": True, "entities": [{"uscc": gone[0].uscc, "reason": "投诉"}]}
    with pytest.raises(PlanError, match="deregistered"):
        run_plan(db_session, plan_data(code="SC-2027-102", key_supervision=listed), until="draft")
    db_session.rollback()


def test_an_entity_is_in_only_when_an_item_fits_its_type_and_industry(db_session):
    d = District(db_session)
    fits = [d.entity(type="E", industry="F"), d.entity(type="I", industry="F")]
    d.entity(type="C", industry="F")  # SC-10 covers enterprises and individuals
    d.entity(type="E", industry="H")  # ... selling food (section F), not catering
    d.commit()
    got, commitment = _drawn(db_session, items=["SC-10"])
    assert set(got) == {e.uscc for e in fits}
    assert commitment["population_size"] == 2


def test_the_town_filter(db_session):
    d = District(db_session)
    inside = [d.entity(town="TJ"), d.entity(town="LK")]
    d.entity(town="HX")
    d.commit()
    got, _ = _drawn(db_session, filters={"towns": ["TJ", "LK"]})
    assert set(got) == {e.uscc for e in inside}


def test_months_since_last_excludes_recent_general_inspections_only(db_session):
    """Six months before a window starting 1 March 2027 is 1 September 2026."""
    d = District(db_session)
    at_cutoff = d.entity()
    d.history(at_cutoff, D(2026, 9, 1))
    before_cutoff = d.entity()
    d.history(before_cutoff, D(2026, 8, 31))
    recent_other_body = d.entity()
    d.history(recent_other_body, D(2027, 1, 5), body="ZF")
    on_window_start = d.entity()
    d.history(on_window_start, D(2027, 3, 1))
    key_item_too = d.entity(industry="C")  # SC-09 (key item) covers manufacturers too
    d.history(key_item_too, D(2027, 2, 1))
    d.commit()
    got, commitment = _drawn(
        db_session,
        items=["SC-01", "SC-09"],
        exclusions={"months_since_last": 6, "max_per_year": None},
    )
    kept = {before_cutoff, recent_other_body, on_window_start, key_item_too}
    assert set(got) == {e.uscc for e in kept}
    assert commitment["population_size"] == 4


def test_months_since_last_off(db_session):
    d = District(db_session)
    recent = d.entity()
    d.history(recent, D(2027, 2, 1))
    d.commit()
    for n, months in enumerate((None, 0)):
        code = f"SC-2027-10{n + 1}"
        run_plan(
            db_session,
            plan_data(code=code, exclusions={"months_since_last": months, "max_per_year": None}),
        )
        assert set(_inspected(db_session, code)) == {recent.uscc}


def test_months_since_last_counts_this_systems_own_scheduled_plans(db_session):
    d = District(db_session)
    e = d.entity()
    for _ in range(2):
        d.officer()
    d.commit()
    earlier = plan_data(code="SC-2026-050", window={"start": "2026-12-01", "end": "2026-12-31"})
    run_plan(db_session, earlier, until="scheduled")
    got, _ = _drawn(db_session, exclusions={"months_since_last": 6, "max_per_year": None})
    assert got == {}
    # ... and a plan's own inspections only once scheduled: a merely drawn one does not count.
    assert set(_inspected(db_session, "SC-2026-050")) == {e.uscc}


def test_max_per_year(db_session):
    d = District(db_session)
    twice = d.entity()
    d.history(twice, D(2027, 1, 10))
    d.history(twice, D(2027, 2, 10))
    once = d.entity()
    d.history(once, D(2027, 1, 10))
    last_year = d.entity()
    d.history(last_year, D(2026, 5, 1))
    d.history(last_year, D(2026, 6, 1))
    other_body = d.entity()
    d.history(other_body, D(2027, 1, 10), body="ZF")
    d.history(other_body, D(2027, 2, 10), body="ZF")
    d.commit()
    got, _ = _drawn(db_session, exclusions={"months_since_last": None, "max_per_year": 2})
    assert set(got) == {once.uscc, last_year.uscc, other_body.uscc}


def test_max_per_year_counts_draws_of_the_bodys_other_plans(db_session):
    d = District(db_session)
    once = d.entity()
    d.history(once, D(2027, 1, 10))
    never = d.entity()
    d.commit()
    run_plan(db_session, plan_data(code="SC-2027-050"), until="drawn")
    got, _ = _drawn(db_session, exclusions={"months_since_last": None, "max_per_year": 2})
    assert set(got) == {never.uscc}  # drawn once + inspected once = 2


def test_planner_exclusions_and_key_supervision(db_session):
    d = District(db_session)
    plain = d.entity()
    excluded = d.entity()
    flagged = d.entity(key=True)
    listed_key = d.entity()
    listed_elsewhere = d.entity(town="HX")  # outside the town filter: still inspected
    d.commit()
    got, commitment = _drawn(
        db_session,
        filters={"towns": ["TJ"]},
        exclusions={
            "months_since_last": None,
            "max_per_year": None,
            "entities": [{"uscc": excluded.uscc, "reason": "已立案调查"}],
        },
        key_supervision={
            "flagged": True,
            "entities": [
                {"uscc": listed_key.uscc, "reason": "投诉举报"},
                {"uscc": listed_elsewhere.uscc, "reason": "投诉举报"},
            ],
        },
    )
    assert got == {
        plain.uscc: "random",
        flagged.uscc: "key",
        listed_key.uscc: "key",
        listed_elsewhere.uscc: "key",
    }
    assert commitment["population_size"] == 1  # key entities are not in the random population


def test_flagged_entities_join_the_random_population_when_key_supervision_is_off(db_session):
    d = District(db_session)
    flagged = d.entity(key=True)
    d.commit()
    got, commitment = _drawn(db_session, key_supervision={"flagged": False})
    assert got == {flagged.uscc: "random"} and commitment["population_size"] == 1


@pytest.mark.parametrize(
    ("items", "label"),
    [
        (["SC-10", "SC-01"], "A:SC-10"),
        (["SC-01", "SC-10"], "A:SC-01"),
        (["SC-05", "SC-10"], "A:SC-05"),
    ],
)
def test_credit_class_item_uses_the_first_fitting_item(db_session, items, label):
    d = District(db_session)
    d.entity(type="E", industry="F")  # fits SC-01, SC-05 and SC-10
    d.entity(type="E", industry="H", credit="B")  # fits SC-01 and SC-05, not SC-10
    d.commit()
    run_plan(
        db_session,
        plan_data(items=items, strata={"by": "credit_class_item", "counts": {"A": 5, "B": 5}}),
        until="frozen",
    )
    strata = {s["stratum"]: s["size"] for s in public.public_commitment(db_session, CODE)["strata"]}
    assert strata[label] == 1
    b_label = "B:" + next(i for i in items if i != "SC-10")
    assert strata[b_label] == 1
    assert sum(strata.values()) == 2


@pytest.mark.parametrize(
    ("n", "rule", "k"),
    [
        (7, {"ratios_bp": {"A": 1500}}, 2),  # 1.05 rounds up
        (7, {"ratios_bp": {"A": 1428}}, 1),  # 0.9996 rounds up to 1
        (7, {"ratios_bp": {"A": 10000}}, 7),
        (7, {"ratios_bp": {"A": 0}}, 0),
        (7, {"counts": {"A": 10}}, 7),  # capped at N
        (7, {"counts": {"A": 3}}, 3),
        (0, {"ratios_bp": {"A": 300}}, 0),
    ],
)
def test_sample_size_per_stratum(db_session, n, rule, k):
    d = District(db_session)
    for _ in range(n):
        d.entity(credit="A")
    d.entity(credit="B")
    d.commit()
    given = dict(rule)
    key = next(iter(given))
    given[key] = {**given[key], "B": given[key]["A"], "C": 0, "D": 0}
    run_plan(db_session, plan_data(strata={"by": "credit_class", **given}), until="drawn")
    strata = {s["stratum"]: s for s in public.public_commitment(db_session, CODE)["strata"]}
    assert strata["A"]["size"] == n and strata["A"]["k"] == k
    spec = given[key]["A"]
    expected = oracles.k_of(n, ratio_bp=spec) if key == "ratios_bp" else oracles.k_of(n, count=spec)
    assert expected == k
    random = [u for u, origin in _inspected(db_session).items() if origin == "random"]
    assert len(random) == k + strata["B"]["k"]


def test_the_draw_is_the_bottom_k_of_the_spec_tickets(db_session):
    d = District(db_session)
    entities = [d.entity() for _ in range(12)]
    d.commit()
    got, _ = _drawn(db_session, strata={"by": "none", "counts": {"ALL": 5}})
    keys = sorted(e.uscc for e in entities)
    assert set(got) == set(oracles.bottom_k(SEED, CODE, keys, 5))
