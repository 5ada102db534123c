"""The demo-district generator (`data.demo_district`): determinism, formats and distributions.

Pure generation, no database: these tests run in the SQLite pass only.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum.cn import uscc

from data import demo_district as demo

ROOT = Path(__file__).resolve().parents[2]
TODAY = demo.DEMO_TODAY
SCALE = 0.08


@pytest.fixture(scope="module")
def ref():
    return demo.read_reference()


@pytest.fixture(scope="module")
def district():
    return demo.generate(seed=11, scale=SCALE)


@pytest.fixture(scope="module")
def full():
    """The full-scale district (about 6 s to generate)."""
    return demo.generate(seed=1, scale=1.0)


def share(values, predicate) -> float:
    values = list(values)
    return sum(1 for v in values if predicate(v)) / len(values)


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_district_byte_for_byte():
    a = demo.generate(seed=5, scale=0.01)
    b = demo.generate(seed=5, scale=0.01)
    assert demo.district_digest(a) == demo.district_digest(b)
    for name in demo.COLUMNS:
        assert a.table(name) == b.table(name)


def test_different_seed_gives_a_different_district():
    a = demo.generate(seed=5, scale=0.01)
    b = demo.generate(seed=6, scale=0.01)
    assert demo.district_digest(a) != demo.district_digest(b)
    assert set(a.entities["uscc"]) != set(b.entities["uscc"])
    assert a.officers["name"] != b.officers["name"]


def test_digest_covers_every_table():
    base = demo.generate(seed=5, scale=0.01)
    digest = demo.district_digest(base)
    for name, cols in demo.COLUMNS.items():
        changed = demo.generate(seed=5, scale=0.01)
        column = changed.table(name)[cols[-1]]
        column[0] = ("x", "y") if isinstance(column[0], tuple) else "changed"
        assert demo.district_digest(changed) != digest, name


def test_stages_are_independent_officers_alone_equal_officers_in_district(district):
    assert demo.generate_officers(seed=11, scale=SCALE) == district.officers


def test_same_digest_in_other_processes_whatever_the_hash_seed():
    """Nothing may depend on set or str-hash order (PYTHONHASHSEED differs per process)."""
    code = (
        "from data import demo_district as demo; "
        "print(demo.district_digest(demo.generate(4, 0.01)))"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert digests == {demo.district_digest(demo.generate(4, 0.01))}


def test_generation_does_not_read_the_clock(monkeypatch):
    """Dates are relative to DEMO_TODAY, so a different wall clock changes nothing."""
    before = demo.district_digest(demo.generate(seed=2, scale=0.01))

    class FrozenDate(dt.date):
        @classmethod
        def today(cls):
            return cls(2031, 5, 5)

    class FrozenDateTime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2031, 5, 5, 12, 0, tzinfo=tz)

        @classmethod
        def today(cls):
            return cls(2031, 5, 5, 12, 0)

    monkeypatch.setattr(dt, "date", FrozenDate)
    monkeypatch.setattr(dt, "datetime", FrozenDateTime)
    after = demo.district_digest(demo.generate(seed=2, scale=0.01))
    assert before == after


# --------------------------------------------------------------------------- full scale


def test_planned_counts_at_full_scale_match_the_reference(ref):
    counts = demo.planned_counts(1.0, ref)
    assert counts["officers"] == {b["code"]: int(b["officers"]) for b in ref.bodies}
    assert sum(counts["officers"].values()) == 2304
    assert counts["entities"] == {"E": 54_000, "I": 160_000, "C": 3_000}
    assert sum(counts["entities"].values()) == 217_000


def test_full_scale_district_counts(full, ref):
    counts = full.counts()
    assert counts["officers"] == 2304
    per_body = collections.Counter(full.officers["body"])
    assert per_body == {b["code"]: int(b["officers"]) for b in ref.bodies}
    assert counts["entities"] == 217_000
    assert collections.Counter(full.entities["type"]) == {"E": 54_000, "I": 160_000, "C": 3_000}
    assert 21_500 <= counts["conflicts"] <= 24_500  # about ten per officer
    assert 7_900 <= counts["history"] <= 8_000
    assert 150 <= counts["leave_periods"] <= 400


def test_full_scale_credit_codes_valid_and_unique(full):
    codes = full.entities["uscc"]
    assert len(set(codes)) == len(codes)
    bad = [c for c in codes if not uscc.is_valid(c)]
    assert bad == []


def test_full_scale_every_unit_has_officers(full, ref):
    staffed = set(full.officers["unit"])
    assert staffed == {u["code"] for u in ref.units}


def test_full_scale_certificate_mix(full):
    o = full.officers
    status = collections.Counter(o["cert_status"])
    n = len(o["cert_status"])
    assert 0.04 <= status["expired"] / n <= 0.06
    assert 0.005 <= status["suspended"] / n <= 0.016
    assert 3 <= status["revoked"] <= 30
    valid = [i for i in range(n) if o["cert_status"][i] == "valid"]
    soon = [i for i in valid if o["cert_valid_to"][i] <= TODAY + dt.timedelta(days=92)]
    assert 0.02 <= len(soon) / len(valid) <= 0.09  # expiring within the next quarter
    four_years = TODAY.replace(year=TODAY.year - demo.REEXAMINATION_YEARS)
    old = [i for i in valid if o["cert_valid_from"][i] < four_years]
    assert 0.10 <= len(old) / len(valid) <= 0.30  # due for re-examination


# --------------------------------------------------------------------------- officers


def test_small_scale_keeps_two_officers_per_body(ref):
    officers = demo.generate_officers(seed=3, scale=0.01)
    per_body = collections.Counter(officers["body"])
    assert set(per_body) == {b["code"] for b in ref.bodies}
    assert min(per_body.values()) >= 2
    assert per_body == demo.planned_counts(0.01, ref)["officers"]


def test_officer_counts_per_body_proportional_to_reference(district, ref):
    per_body = collections.Counter(district.officers["body"])
    for b in ref.bodies:
        expected = int(b["officers"]) * SCALE
        assert abs(per_body[b["code"]] - max(2, expected)) <= 1, b["code"]


def test_officers_in_units_of_their_body(district, ref):
    unit_body = {u["code"]: u["body"] for u in ref.units}
    o = district.officers
    assert all(unit_body[u] == b for u, b in zip(o["unit"], o["body"], strict=True))
    sc_units = {u for u, b in zip(o["unit"], o["body"], strict=True) if b == "SC"}
    town_offices = {u["code"] for u in ref.units if u["body"] == "SC" and u["town"]}
    assert len(sc_units & town_offices) >= 15  # SC officers spread over the town offices


def test_certificate_numbers(district, ref):
    o = district.officers
    assert len(set(o["cert_no"])) == len(o["cert_no"])
    order = {b["code"]: i + 1 for i, b in enumerate(ref.bodies)}
    for no, body, since in zip(o["cert_no"], o["body"], o["cert_valid_from"], strict=True):
        assert re.fullmatch(r"370282\d{9}", no), no
        assert int(no[6:8]) == order[body]
        assert int(no[8:10]) == since.year % 100


def test_certificate_dates_consistent_with_status(district):
    o = district.officers
    for since, until, status in zip(
        o["cert_valid_from"], o["cert_valid_to"], o["cert_status"], strict=True
    ):
        assert since < until
        assert since <= TODAY
        if status == "expired":
            assert until < TODAY
        else:
            assert until >= TODAY


def test_competences_are_sorted_subsets_of_the_body_categories(district, ref):
    categories = collections.defaultdict(set)
    for it in ref.items:
        categories[it["body"]].add(it["category_zh"])
    o = district.officers
    empty = 0
    for body, comp in zip(o["body"], o["competences"], strict=True):
        if comp == "":
            empty += 1
            continue
        parts = comp.split(";")
        assert parts == sorted(parts) and len(set(parts)) == len(parts)
        assert set(parts) <= categories[body]
    assert 0.08 <= empty / len(o["competences"]) <= 0.40  # some empty (= all), most not
    sc = [c for b, c in zip(o["body"], o["competences"], strict=True) if b == "SC" and c]
    assert any(len(c.split(";")) < len(categories["SC"]) for c in sc)


def test_officer_names_and_phones(district):
    o = district.officers
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in o["name"])
    assert all(re.fullmatch(r"1\d{10}", p) for p in o["phone"])


# --------------------------------------------------------------------------- entities


def test_entity_type_counts_at_scale(district, ref):
    assert (
        collections.Counter(district.entities["type"])
        == demo.planned_counts(SCALE, ref)["entities"]
    )


def test_credit_classes_within_tolerance(district):
    credit = collections.Counter(district.entities["credit_class"])
    n = sum(credit.values())
    for cls, expected in demo.CREDIT_SHARES.items():
        assert abs(credit[cls] / n - expected) < 0.02, cls


def test_statuses_and_flags(district):
    e = district.entities
    status = collections.Counter(e["status"])
    n = len(e["status"])
    assert 0.93 <= status["active"] / n <= 0.97
    assert status["deregistered"] > status["revoked"] > 0
    assert 0.005 <= share(e["key_supervision"], bool) <= 0.025
    assert 0.015 <= share(e["abnormal"], bool) <= 0.04
    d_class = [a for a, c in zip(e["abnormal"], e["credit_class"], strict=True) if c == "D"]
    a_class = [a for a, c in zip(e["abnormal"], e["credit_class"], strict=True) if c == "A"]
    assert share(d_class, bool) > share(a_class, bool)  # riskier entities, more abnormal


def test_industries_weighted_like_a_district(district):
    e = district.entities
    by_type = collections.defaultdict(collections.Counter)
    for t, ind in zip(e["type"], e["industry"], strict=True):
        by_type[t][ind] += 1
    assert by_type["E"].most_common(1)[0][0] == "F"
    assert {s for s, _ in by_type["E"].most_common(3)} == {"F", "C", "L"}
    assert {s for s, _ in by_type["I"].most_common(3)} == {"F", "H", "O"}
    assert by_type["C"]["A"] / sum(by_type["C"].values()) > 0.8
    assert set(e["industry"]) <= set("ABCDEFGHIJKLMNOPQRST")


def test_subdistricts_are_larger_than_towns(district, ref):
    per_town = collections.Counter(district.entities["town"])
    assert set(per_town) == {t["code"] for t in ref.towns}
    sub = [per_town[t["code"]] for t in ref.towns if t["name_zh"].endswith("街道")]
    towns = [per_town[t["code"]] for t in ref.towns if t["name_zh"].endswith("镇")]
    assert sum(sub) / len(sub) > 1.5 * sum(towns) / len(towns)


def test_credit_codes_valid_unique_and_structured(district):
    e = district.entities
    assert len(set(e["uscc"])) == len(e["uscc"])
    type_digit = {"E": "1", "I": "2", "C": "3"}
    for code, t, reg in zip(e["uscc"], e["type"], e["registered_on"], strict=True):
        assert uscc.validate(code) == code
        assert code[0] == "9" and code[1] == type_digit[t]
        division = "370215" if reg >= demo.DISTRICT_SINCE else "370282"
        assert code[2:8] == division
        org = code[8:17]
        assert org[8] == demo.org_code_check_digit(org[:8]), code
        if reg >= demo.CODE_REFORM:
            assert org.startswith("MA3")


def test_org_code_check_digit_known_values():
    # 91110000600037341L (the stdnum example) embeds organisation code 60003734-1.
    assert demo.org_code_check_digit("60003734") == "1"
    assert uscc.validate("91110000600037341L")
    # D2143569-X is the worked example of GB 11714 (remainder 10 gives X).
    assert demo.org_code_check_digit("D2143569") == "X"


def test_names_mostly_unique_and_shaped_by_type(district):
    e = district.entities
    names = e["name"]
    assert len(set(names)) / len(names) > 0.97
    for name, t in zip(names, e["type"], strict=True):
        if t == "E":
            assert name.endswith("公司") and name.startswith(("青岛", "山东")), name
        elif t == "I":
            assert name.startswith(("即墨区", "即墨市")), name
        else:
            assert name.endswith("专业合作社"), name
        assert len(name) <= 128


def test_addresses_and_registration_dates(district, ref):
    e = district.entities
    town_name = {t["code"]: t["name_zh"] for t in ref.towns}
    for addr, town in zip(e["address"], e["town"], strict=True):
        assert addr.startswith("青岛市即墨区" + town_name[town]) and addr.endswith("号")
    regs = e["registered_on"]
    assert max(regs) < TODAY and min(regs) >= dt.date(1990, 1, 1)
    coop = [r for r, t in zip(regs, e["type"], strict=True) if t == "C"]
    assert min(coop) >= demo.COOPERATIVE_LAW
    recent = share(regs, lambda r: r >= dt.date(2016, 1, 1))
    assert 0.6 < recent < 0.95  # most entities are young


# --------------------------------------------------------------------------- conflicts


def test_about_ten_conflicts_per_officer(district):
    per_officer = len(district.conflicts["officer"]) / len(district.officers["cert_no"])
    assert 9.0 <= per_officer <= 11.0


def test_conflicts_unique_and_well_formed(district):
    c = district.conflicts
    pairs = list(zip(c["officer"], c["entity"], strict=True))
    assert len(set(pairs)) == len(pairs)
    assert set(c["officer"]) <= set(district.officers["cert_no"])
    assert set(c["entity"]) <= set(district.entities["uscc"])
    kinds = collections.Counter(c["kind"])
    assert set(kinds) == {"relative", "former_employer", "shareholding", "other"}
    assert kinds.most_common(1)[0][0] == "relative"
    assert all(d < TODAY for d in c["declared_on"])
    assert all(c["note"])


def test_conflicts_mostly_in_the_officers_own_town(district, ref):
    unit_town = {u["code"]: u["town"] for u in ref.units}
    officer_town = {
        no: unit_town[u]
        for no, u in zip(district.officers["cert_no"], district.officers["unit"], strict=True)
    }
    entity_town = dict(zip(district.entities["uscc"], district.entities["town"], strict=True))
    own = [
        entity_town[e] == officer_town[o]
        for o, e in zip(district.conflicts["officer"], district.conflicts["entity"], strict=True)
        if officer_town[o]
    ]
    assert len(own) > 100
    assert share(own, bool) > 0.75
    # Desk officers cluster too: most of an officer's conflicts share one town.
    by_officer = collections.defaultdict(collections.Counter)
    for o, e in zip(district.conflicts["officer"], district.conflicts["entity"], strict=True):
        if not officer_town[o]:
            by_officer[o][entity_town[e]] += 1
    top = [c.most_common(1)[0][1] / sum(c.values()) for c in by_officer.values() if c.total() >= 5]
    assert top and sum(top) / len(top) > 0.6


# --------------------------------------------------------------------------- leave


def test_leave_periods(district):
    lp = district.leave_periods
    officers = set(district.officers["cert_no"])
    on_leave = set(lp["officer"])
    assert on_leave <= officers
    assert 0.05 <= len(on_leave) / len(officers) <= 0.16
    starts = list(zip(lp["officer"], lp["starts_on"], strict=True))
    assert len(set(starts)) == len(starts)
    for s, e in zip(lp["starts_on"], lp["ends_on"], strict=True):
        assert s <= e
        assert TODAY - dt.timedelta(days=130) <= s <= demo.LEAVE_UNTIL
    in_2027_h1 = [
        s <= dt.date(2027, 6, 30) and e >= dt.date(2027, 1, 1)
        for s, e in zip(lp["starts_on"], lp["ends_on"], strict=True)
    ]
    assert any(in_2027_h1)


# --------------------------------------------------------------------------- history


def test_history_inspections_fit_the_rules(district, ref):
    h = district.history
    assert len(h["entity"]) >= 0.97 * demo.planned_counts(SCALE, ref)["history"]
    off = district.officers
    officer_body = dict(zip(off["cert_no"], off["body"], strict=True))
    valid = {
        no: (a, b)
        for no, a, b in zip(
            off["cert_no"], off["cert_valid_from"], off["cert_valid_to"], strict=True
        )
    }
    e = district.entities
    ent = {
        c: (t, ind, st, reg)
        for c, t, ind, st, reg in zip(
            e["uscc"], e["type"], e["industry"], e["status"], e["registered_on"], strict=True
        )
    }
    items = collections.defaultdict(list)
    for it in ref.items:
        items[it["body"]].append(it)
    conflicted = set(zip(district.conflicts["officer"], district.conflicts["entity"], strict=True))
    per_entity_body = collections.Counter()
    cert_ok = 0
    for code, body, day, plan, team in zip(*(h[c] for c in demo.COLUMNS["history"]), strict=True):
        assert TODAY - dt.timedelta(days=366) <= day < TODAY and day.weekday() < 5
        t, ind, status, reg = ent[code]
        assert status == "active" and reg < day
        assert any(
            t in it["entity_types"] and (it["industries"] == "*" or ind in it["industries"])
            for it in items[body]
        ), (code, body)
        assert len(team) == 2 and team[0] != team[1]
        assert all(officer_body[o] == body for o in team)
        assert not any((o, code) in conflicted for o in team)
        cert_ok += all(valid[o][0] <= day <= valid[o][1] for o in team)
        assert plan.startswith(f"H-{body}-")
        per_entity_body[(code, body)] += 1
    assert max(per_entity_body.values()) <= 2
    assert cert_ok / len(h["entity"]) > 0.95
    bodies = collections.Counter(h["body"])
    assert bodies.most_common(1)[0][0] == "SC" and len(bodies) >= 10


# --------------------------------------------------------------------------- users


def test_demo_users_one_per_role(district):
    roles = [u["role"] for u in district.users]
    assert sorted(roles) == ["admin", "auditor", "officer", "planner"]
    assert all(len(u["password"]) >= 8 for u in district.users)
    officer = next(u for u in district.users if u["role"] == "officer")
    i = district.officers["cert_no"].index(officer["cert_no"])
    assert district.officers["body"][i] == "SC"
    assert district.officers["cert_status"][i] == "valid"
    assert district.officers["cert_valid_to"][i] > TODAY + dt.timedelta(days=365)
    assert officer["cert_no"] not in district.leave_periods["officer"]
    planner = next(u for u in district.users if u["role"] == "planner")
    assert planner["body"] == "SC"
