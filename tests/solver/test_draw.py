"""Tests of solver.draw against spec draw-v1 and a naive reference implementation."""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver import draw as D

SEED = "12345678901234567890"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LABELS = ["A", "B", "C", "D:MS-11"]

keys_st = st.text(alphabet=ALPHABET, min_size=18, max_size=18)
seeds_st = st.from_regex(r"[0-9]{20,32}", fullmatch=True)
plan_codes_st = st.from_regex(r"[A-Z][A-Z0-9-]{0,11}", fullmatch=True)


@st.composite
def populations(draw, max_size=60):
    """(keys, strata, sizes) with unique keys and a valid k for every stratum present."""
    keys = draw(st.lists(keys_st, max_size=max_size, unique=True))
    strata = draw(st.lists(st.sampled_from(LABELS), min_size=len(keys), max_size=len(keys)))
    sizes = {s: draw(st.integers(0, strata.count(s))) for s in sorted(set(strata))}
    return keys, strata, sizes


def naive_selection(seed, plan_code, keys, strata, sizes):
    """Spec section 3, literally: per stratum sort every (ticket, key), take the first k."""
    out = []
    for label in sorted(sizes):
        ranked = sorted(
            (hashlib.sha256(f"{seed}|{plan_code}|{key}".encode()).digest(), key)
            for key, s in zip(keys, strata, strict=True)
            if s == label
        )
        out += [
            (key, label, rank, t.hex()) for rank, (t, key) in enumerate(ranked[: sizes[label]], 1)
        ]
    return out


# --- spec pins ----------------------------------------------------------------------------


def test_worked_example_ticket():
    expected = "bb6fcc9a4cf964da4d8b1788a84f32c7ce164227896ad6693b154b375e2d6b4a"
    assert D.ticket(SEED, "DEMO-1", "91370282MA3C5T4R2M").hex() == expected
    rows = D.tickets(SEED, "DEMO-1", ["91370282MA3C5T4R2M"])
    assert rows.shape == (1, 32) and rows[0].tobytes().hex() == expected


def test_worked_example_in_a_multi_entity_stratum():
    """The worked key is drawn for exactly those k that reach its pinned ticket's rank (a
    one-entity stratum would draw it whatever its ticket)."""
    import random

    worked, pinned = (
        "91370282MA3C5T4R2M",
        ("bb6fcc9a4cf964da4d8b1788a84f32c7ce164227896ad6693b154b375e2d6b4a"),
    )
    rng = random.Random(2026)
    others = sorted({"".join(rng.choices(ALPHABET, k=18)) for _ in range(23)} - {worked})
    keys = [worked, *others]
    strata = ["A"] * 15 + ["B"] * (len(keys) - 15)
    peers = keys[1:15]
    below = sum(hashlib.sha256(f"{SEED}|DEMO-1|{k}".encode()).hexdigest() < pinned for k in peers)
    assert 0 < below < len(peers)  # neither first nor last: some k draw it, some do not
    for k in range(16):
        result = D.draw(SEED, "DEMO-1", keys, strata, {"A": k, "B": 3})
        assert (worked in result.selected) == (k > below)
        if worked in result.selected:
            row = result.drawn[result.selected.index(worked)]
            assert row == D.Drawn(worked, "A", below + 1, pinned)


def test_population_digest_pinned():
    keys = ["91370282MA3C5T4R2M", "12110000MB0D12345X", "91370282MA3C5T4R20", "92370200L12345678A"]
    strata = ["B", "A", "A:MS-11", "D"]
    lines = (
        b"12110000MB0D12345X,A\n"
        b"91370282MA3C5T4R20,A:MS-11\n"
        b"91370282MA3C5T4R2M,B\n"
        b"92370200L12345678A,D\n"
    )
    expected = hashlib.sha256(lines).hexdigest()
    assert D.population_lines_digest(keys, strata) == expected
    assert expected == "628f25e0f120baac2fdeb2b751bdf0aad4295f18be7f98024601989a3a211840"
    assert D.population_lines_digest([], []) == hashlib.sha256(b"").hexdigest()


@settings(deadline=None)
@given(populations(), st.randoms(use_true_random=False))
def test_digest_ignores_input_order(pop, rnd):
    keys, strata, _ = pop
    pairs = list(zip(keys, strata, strict=True))
    rnd.shuffle(pairs)
    shuffled_keys, shuffled_strata = [k for k, _ in pairs], [s for _, s in pairs]
    lines = "".join(f"{k},{s}\n" for k, s in sorted(pairs)).encode()
    assert D.population_lines_digest(shuffled_keys, shuffled_strata) == (
        hashlib.sha256(lines).hexdigest()
    )


@pytest.mark.parametrize(
    ("keys", "strata"),
    [
        (["91370282MA3C5T4R2M", "91370282MA3C5T4R2M"], ["A", "B"]),  # duplicate
        (["91370282ma3c5t4r2m"], ["A"]),  # lower case
        (["91370282MA3C5T4R2"], ["A"]),  # 17 characters
        (["91370282MA3C5T4R2M "], ["A"]),  # trailing space
        (["91370282MA3C5T4R2", "91370282MA3C5T4R2MX"], ["A", "A"]),  # lengths 17 + 19
        (["91370282MA3C5T4,2M"], ["A"]),  # separator inside a key
        (["９1370282MA3C5T4R2M"], ["A"]),  # full-width digit
        (["91370282MA3C5T4R2M"], ["A\nB"]),  # line break inside a stratum
        (["91370282MA3C5T4R2M"], [""]),
        (["91370282MA3C5T4R2M"], []),  # length mismatch
    ],
)
def test_digest_rejects_bad_population(keys, strata):
    with pytest.raises(ValueError):
        D.population_lines_digest(keys, strata)


# --- sample size --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "bp", "k"),
    [(1, 300, 1), (0, 300, 0), (0, 0, 0), (7, 0, 0), (100, 300, 3), (101, 300, 4), (33, 10000, 33)],
)
def test_sample_size_examples(n, bp, k):
    assert D.sample_size(n, ratio_bp=bp) == k


@settings(deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10000))
def test_sample_size_is_ceiling_capped(n, bp):
    k = D.sample_size(n, ratio_bp=bp)
    assert k == min(n, math.ceil(Fraction(n * bp, 10000)))
    assert D.sample_size(n, ratio_bp=10000) == n
    assert D.sample_size(n + 1, ratio_bp=bp) >= k


@settings(deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_sample_size_count_is_capped(n, count):
    assert D.sample_size(n, count=count) == min(n, count)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"ratio_bp": 300, "count": 3},
        {"ratio_bp": -1},
        {"ratio_bp": 10001},
        {"count": -1},
        {"count": 2.0},
        {"ratio_bp": True},
    ],
)
def test_sample_size_rejects(kwargs):
    with pytest.raises(ValueError):
        D.sample_size(10, **kwargs)
    with pytest.raises(ValueError):
        D.sample_size(-1, ratio_bp=300)


# --- seed ---------------------------------------------------------------------------------


def test_validate_seed():
    assert D.validate_seed("0" * 20) == "0" * 20
    assert D.validate_seed(SEED + "99") == SEED + "99"
    for bad in [
        "1" * 19,
        SEED + "\n",
        " " + SEED,
        SEED[:10] + "-" + SEED[10:],
        "１" * 20,
        "٣" * 20,
    ]:
        with pytest.raises(ValueError) as exc:
            D.validate_seed(bad)
        assert "种子" in str(exc.value) and "seed" in str(exc.value)
    with pytest.raises(ValueError):
        D.validate_seed(12345678901234567890)


# --- draw ---------------------------------------------------------------------------------


@settings(deadline=None)
@given(populations(), seeds_st, plan_codes_st)
def test_draw_equals_naive_bottom_k(pop, seed, plan_code):
    keys, strata, sizes = pop
    result = D.draw(seed, plan_code, keys, strata, sizes)
    assert [tuple(d) for d in result.drawn] == naive_selection(seed, plan_code, keys, strata, sizes)
    assert result.selected == [d.key for d in result.drawn]
    assert result.strata_sizes == {s: strata.count(s) for s in sorted(set(strata))}
    assert result.algorithm == D.ALGORITHM == "sha256-bottom-k/1"


@st.composite
def tied_tickets(draw):
    """Made-up tickets from a tiny pool so that equal tickets and equal leading words occur."""
    pool = [
        bytes(32),
        bytes(7) + b"\x01" + bytes(24),
        bytes(31) + b"\x01",  # same leading word as bytes(32)
        bytes(8) + b"\xff" * 24,  # same leading word, larger tail
        b"\xff" * 32,
        b"\x80" + bytes(31),  # would sort first if the words were compared as signed
    ]
    keys, strata, sizes = draw(populations(max_size=30))
    rows = [draw(st.sampled_from(pool)) for _ in keys]
    return keys, strata, sizes, rows


@settings(deadline=None)
@given(tied_tickets())
def test_select_breaks_ticket_ties_by_key(case):
    keys, strata, sizes, rows = case
    array = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(keys), 32)
    picked = D.select_bottom_k(array, keys, strata, sizes)
    assert list(picked) == sorted(sizes)
    for label, indices in picked.items():
        members = [i for i, s in enumerate(strata) if s == label]
        expected = sorted(members, key=lambda i: (rows[i], keys[i]))[: sizes[label]]
        assert indices.tolist() == expected


@settings(deadline=None)
@given(populations(max_size=40), keys_st, st.sampled_from(LABELS), seeds_st)
def test_adding_an_entity_evicts_at_most_one(pop, new_key, label, seed):
    keys, strata, sizes = pop
    assume(new_key not in keys)
    sizes = {**sizes, label: sizes.get(label, 0)}  # the new entity's stratum keeps its k
    before = set(D.draw(seed, "P-1", keys, strata, sizes).selected)
    after = set(D.draw(seed, "P-1", [*keys, new_key], [*strata, label], sizes).selected)
    assert len(before - after) <= 1
    assert after <= before | {new_key}
    assert len(after) == len(before)


def test_draw_large_population_matches_naive():
    """Above one hashing chunk, with realistic ratios (exercises the partition path)."""
    import random

    rng = random.Random(7)
    keys = list({"".join(rng.choices(ALPHABET, k=18)) for _ in range(70_000)})
    strata = rng.choices(["A", "B", "C", "D"], weights=[50, 30, 15, 5], k=len(keys))
    bp = {"A": 300, "B": 500, "C": 1000, "D": 2000}
    sizes = {s: D.sample_size(strata.count(s), ratio_bp=bp[s]) for s in bp}
    result = D.draw(SEED, "DEMO-1", keys, strata, sizes)
    assert [tuple(d) for d in result.drawn] == naive_selection(SEED, "DEMO-1", keys, strata, sizes)


def test_tickets_across_chunks(monkeypatch):
    monkeypatch.setattr(D, "_CHUNK", 3)
    keys = [f"{i:018d}" for i in range(10)]
    rows = D.tickets(SEED, "X", keys)
    assert [r.tobytes() for r in rows] == [D.ticket(SEED, "X", k) for k in keys]


def test_draw_orders_strata_by_label_and_ranks_within():
    keys = [f"91{i:016d}" for i in range(40)]
    strata = ["B" if i % 3 else "A:MS-11" for i in range(40)]
    result = D.draw(SEED, "P-7", keys, strata, {"B": 5, "A:MS-11": 4, "Z": 0})
    assert result.stratum == ["A:MS-11"] * 4 + ["B"] * 5
    assert result.rank == [1, 2, 3, 4, 1, 2, 3, 4, 5]
    assert [d.rank for d in result.drawn] == result.rank
    assert result.strata_sizes == {"A:MS-11": 14, "B": 26, "Z": 0}
    for a, b in zip(result.drawn, result.drawn[1:], strict=False):
        if a.stratum == b.stratum:
            assert a.ticket < b.ticket


@pytest.mark.parametrize(
    ("keys", "strata", "sizes"),
    [
        (["91370282MA3C5T4R2M"] * 2, ["A", "A"], {"A": 1}),  # duplicate key
        (
            ["91370282MA3C5T4R2M", "1" * 18, "91370282MA3C5T4R2M"],
            ["A", "B", "C"],
            {"A": 0, "B": 0, "C": 0},
        ),
        (["91370282MA3C5T4R2M"], ["A"], {}),  # stratum without a size
        (["91370282MA3C5T4R2M"], ["A"], {"A": 2}),  # k > N
        (["91370282MA3C5T4R2M"], ["A"], {"A": -1}),
        (["91370282MA3C5T4R2M"], ["A"], {"A": 1, "B": 1}),  # k > 0 for an empty stratum
        (["91370282MA3C5T4R2M"], ["A"], {"A": 1.0}),
    ],
)
def test_draw_rejects(keys, strata, sizes):
    with pytest.raises(ValueError):
        D.draw(SEED, "P-1", keys, strata, sizes)


def test_draw_rejects_bad_seed_and_plan():
    with pytest.raises(ValueError):
        D.draw("1234", "P-1", [], [], {})
    with pytest.raises(ValueError):
        D.draw(SEED, "", [], [], {})
    assert D.draw(SEED, "P-1", [], [], {}).drawn == ()


# --- bundle -------------------------------------------------------------------------------


def test_build_bundle_structure():
    keys = [f"91{i:016d}" for i in range(30, 0, -1)]  # descending on purpose
    strata = ["A" if i % 2 else "B" for i in range(30)]
    spec = {"A": {"ratio_bp": 300}, "B": {"count": 4}, "C": {"ratio_bp": 2000}}
    bundle = D.build_bundle("DEMO-1", SEED, "2026-03-01T02:00:00Z", keys, strata, spec)
    assert list(bundle) == [
        "algorithm",
        "plan_code",
        "seed",
        "population_digest",
        "frozen_at",
        "strata",
        "population",
        "selected",
    ]
    assert bundle["algorithm"] == "sha256-bottom-k/1"
    assert bundle["frozen_at"] == "2026-03-01T02:00:00Z"
    assert bundle["strata"] == [
        {"stratum": "A", "size": 15, "ratio_bp": 300, "k": 1},
        {"stratum": "B", "size": 15, "ratio_bp": None, "k": 4},
        {"stratum": "C", "size": 0, "ratio_bp": 2000, "k": 0},
    ]
    assert bundle["population"] == sorted([k, s] for k, s in zip(keys, strata, strict=True))
    assert bundle["population_digest"] == D.population_lines_digest(keys, strata)
    sizes = {"A": 1, "B": 4, "C": 0}
    assert bundle["selected"] == [
        k for k, *_ in naive_selection(SEED, "DEMO-1", keys, strata, sizes)
    ]
    assert json.loads(json.dumps(bundle)) == bundle


@pytest.mark.parametrize(
    "spec",
    [
        {"A": {"ratio_bp": 300}},  # no rule for B
        {"A": {"ratio_bp": 300}, "B": {}},
        {"A": {"ratio_bp": 300}, "B": {"ratio_bp": 300, "count": 1}},
        {"A": {"ratio_bp": 300}, "B": {"percent": 3}},
    ],
)
def test_build_bundle_rejects_bad_rules(spec):
    with pytest.raises(ValueError):
        D.build_bundle("P", SEED, "2026-03-01T02:00:00Z", ["1" * 18, "2" * 18], ["A", "B"], spec)


@settings(deadline=None, max_examples=30)
@given(populations(max_size=20))
def test_bundle_population_is_sorted_and_complete(pop):
    keys, strata, _ = pop
    spec = {s: {"ratio_bp": 5000} for s in LABELS}
    bundle = D.build_bundle("P", SEED, "2026-03-01T02:00:00Z", keys, strata, spec)
    assert [k for k, _ in bundle["population"]] == sorted(keys)
    assert sorted(map(tuple, bundle["population"])) == sorted(zip(keys, strata, strict=True))
