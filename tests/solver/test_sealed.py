"""Sealed strata (spec draw-v1 section 7) in solver.draw, against an oracle written from the spec.

The oracle below uses only ``hmac`` and ``hashlib`` and the spec's words; it never calls the
code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import draw as D

SEED = "12345678901234567890"
WORKED_KEY = "91370282MA3C5T4R2M"
SPEC_KEY = bytes(range(32))  # "the 32 bytes 00 01 02 ... 1f"
SPEC_COMMITMENT = "8c6ab4c0b0f0c5de79e38d444d5347cbb50732839f2418f9faca92542fc4690d"
SPEC_KEYED_TICKET = "7cc3dab3c848551a40e5e327d29f52e7a4741c357a1f8755476af65b5e5a6dee"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LABELS = ["A", "B", "C", "D:MS-11"]
FROZEN = "2026-03-01T02:00:00Z"

# deadline=None throughout: the tests hash for real, and the shared 2-core machine must
# not turn load into failures.
keys_st = st.text(alphabet=ALPHABET, min_size=18, max_size=18)
seeds_st = st.from_regex(r"[0-9]{20,32}", fullmatch=True)
plan_codes_st = st.from_regex(r"[A-Z][A-Z0-9-]{0,11}", fullmatch=True)
strata_keys_st = st.binary(min_size=32, max_size=32)


@st.composite
def populations(draw, max_size=60):
    """(keys, strata, sizes) with unique keys and a valid k for every stratum present."""
    keys = draw(st.lists(keys_st, max_size=max_size, unique=True))
    strata = draw(st.lists(st.sampled_from(LABELS), min_size=len(keys), max_size=len(keys)))
    sizes = {s: draw(st.integers(0, strata.count(s))) for s in sorted(set(strata))}
    return keys, strata, sizes


# --- oracle, from the spec text -----------------------------------------------------------


def spec_ticket(strata_key: bytes, seed: str, plan_code: str, key: str) -> bytes:
    """ticket(key) = HMAC-SHA256(strata_key, seed + "|" + plan_code + "|" + key)."""
    message = (seed + "|" + plan_code + "|" + key).encode("utf-8")
    return hmac.new(strata_key, message, hashlib.sha256).digest()


def oracle_draw(strata_key, seed, plan_code, keys, strata, sizes):
    """Section 3 with the keyed ticket: per stratum (label order) sort (ticket, key), take k."""
    out = []
    for label in sorted(sizes):
        ranked = sorted(
            (spec_ticket(strata_key, seed, plan_code, key), key)
            for key, s in zip(keys, strata, strict=True)
            if s == label
        )
        out += [
            (key, label, rank, t.hex()) for rank, (t, key) in enumerate(ranked[: sizes[label]], 1)
        ]
    return out


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the worked example of section 7 ------------------------------------------------------


def test_worked_example_commitment_and_ticket():
    assert D.strata_key_commitment("DEMO-1", SPEC_KEY) == SPEC_COMMITMENT
    assert sha256_hex("fairdraw-strata-key|DEMO-1|" + SPEC_KEY.hex()) == SPEC_COMMITMENT
    assert D.keyed_ticket(SPEC_KEY, SEED, "DEMO-1", WORKED_KEY).hex() == SPEC_KEYED_TICKET
    rows = D.keyed_tickets(SPEC_KEY, SEED, "DEMO-1", [WORKED_KEY])
    assert rows.shape == (1, 32) and rows[0].tobytes().hex() == SPEC_KEYED_TICKET


def multi_entity_population():
    """The worked key among 14 other entities of its stratum, and a second stratum of 9."""
    rng = random.Random(2026)
    others = sorted({"".join(rng.choices(ALPHABET, k=18)) for _ in range(23)} - {WORKED_KEY})
    keys = [WORKED_KEY, *others[:23]]
    strata = ["C"] * 15 + ["D"] * (len(keys) - 15)
    return keys, strata


def test_worked_example_in_a_multi_entity_stratum():
    """The worked key is drawn for exactly those k that reach its pinned ticket's rank."""
    keys, strata = multi_entity_population()
    peers = [k for k, s in zip(keys, strata, strict=True) if s == "C" and k != WORKED_KEY]
    assert len(peers) == 14
    # its rank among its stratum follows from the pinned hex, not from the code under test
    below = sum(spec_ticket(SPEC_KEY, SEED, "DEMO-1", k).hex() < SPEC_KEYED_TICKET for k in peers)
    assert 0 < below < 14  # neither first nor last: some k draw it and some do not
    for k in range(16):
        result = D.draw(SEED, "DEMO-1", keys, strata, {"C": k, "D": 2}, strata_key=SPEC_KEY)
        assert result.algorithm == "hmac-sha256-bottom-k/1"
        assert (WORKED_KEY in result.selected) == (k > below)
        if WORKED_KEY in result.selected:
            row = result.drawn[result.selected.index(WORKED_KEY)]
            assert row == D.Drawn(WORKED_KEY, "C", below + 1, SPEC_KEYED_TICKET)


# --- keyed tickets ------------------------------------------------------------------------


@settings(deadline=None)
@given(strata_keys_st, seeds_st, plan_codes_st, st.lists(keys_st, max_size=40))
def test_keyed_tickets_equal_hmac(strata_key, seed, plan_code, keys):
    rows = D.keyed_tickets(strata_key, seed, plan_code, keys)
    assert rows.shape == (len(keys), 32) and rows.dtype == np.uint8
    for row, key in zip(rows, keys, strict=True):
        assert row.tobytes() == spec_ticket(strata_key, seed, plan_code, key)
        assert D.keyed_ticket(strata_key, seed, plan_code, key) == row.tobytes()


def test_keyed_tickets_equal_hmac_for_many_random_keys():
    rng = random.Random(11)
    for _ in range(20):
        strata_key = rng.randbytes(32)
        keys = ["".join(rng.choices(ALPHABET, k=18)) for _ in range(500)]
        plan = "P-" + str(rng.randrange(10**6))
        rows = D.keyed_tickets(strata_key, SEED, plan, keys)
        expected = b"".join(spec_ticket(strata_key, SEED, plan, k) for k in keys)
        assert rows.tobytes() == expected


def test_keyed_tickets_across_chunks_and_key_bytes(monkeypatch):
    """Chunk edges, and key bytes above 0x7f or equal to the pads (XOR must not be skipped)."""
    monkeypatch.setattr(D, "_CHUNK", 3)
    keys = [f"{i:018d}" for i in range(10)]
    for strata_key in [bytes(32), b"\xff" * 32, b"\x36" * 32, b"\x5c" * 16 + b"\x80" * 16]:
        rows = D.keyed_tickets(strata_key, SEED, "X", keys)
        assert [r.tobytes() for r in rows] == [spec_ticket(strata_key, SEED, "X", k) for k in keys]


def test_keyed_tickets_differ_from_open_tickets():
    keys = [f"{i:018d}" for i in range(5)]
    keyed = D.keyed_tickets(SPEC_KEY, SEED, "X", keys)
    assert not np.any(np.all(keyed == D.tickets(SEED, "X", keys), axis=1))
    assert not np.array_equal(keyed, D.keyed_tickets(bytes(32), SEED, "X", keys))


# --- digests, commitment, key -------------------------------------------------------------


def test_population_keys_digest_pinned_and_order_free():
    keys = ["91370282MA3C5T4R2M", "12110000MB0D12345X", "92370200L12345678A"]
    lines = b"12110000MB0D12345X\n91370282MA3C5T4R2M\n92370200L12345678A\n"
    expected = hashlib.sha256(lines).hexdigest()
    assert D.population_keys_digest(keys) == expected
    assert D.population_keys_digest(list(reversed(keys))) == expected
    assert D.population_keys_digest([]) == hashlib.sha256(b"").hexdigest()
    # it does not depend on the strata, and differs from the section 1 digest
    assert expected != D.population_lines_digest(keys, ["A"] * 3)


@pytest.mark.parametrize(
    "keys",
    [
        ["91370282MA3C5T4R2M", "91370282MA3C5T4R2M"],
        ["91370282ma3c5t4r2m"],
        ["91370282MA3C5T4R2"],
        [None],
    ],
)
def test_population_keys_digest_rejects(keys):
    with pytest.raises(ValueError):
        D.population_keys_digest(keys)


@settings(deadline=None)
@given(plan_codes_st, strata_keys_st)
def test_commitment_follows_the_spec(plan_code, strata_key):
    expected = sha256_hex("fairdraw-strata-key|" + plan_code + "|" + strata_key.hex())
    assert D.strata_key_commitment(plan_code, strata_key) == expected


@pytest.mark.parametrize(
    "bad",
    [bytes(31), bytes(33), b"", SPEC_KEY.hex(), bytearray(32), None, list(range(32))],
)
def test_strata_key_must_be_32_bytes(bad):
    for call in [
        lambda: D.validate_strata_key(bad),
        lambda: D.strata_key_commitment("DEMO-1", bad),
        lambda: D.keyed_tickets(bad, SEED, "DEMO-1", [WORKED_KEY]),
        lambda: D.keyed_ticket(bad, SEED, "DEMO-1", WORKED_KEY),
        lambda: D.build_sealed_bundles(
            "DEMO-1", SEED, FROZEN, [WORKED_KEY], ["A"], {"A": {"count": 1}}, bad
        ),
    ]:
        with pytest.raises(ValueError) as exc:
            call()
        assert "32" in str(exc.value) and "分层密钥" in str(exc.value)
    if bad is not None:  # None asks draw() for the open algorithm
        with pytest.raises(ValueError):
            D.draw(SEED, "DEMO-1", [WORKED_KEY], ["A"], {"A": 1}, strata_key=bad)


def test_commitment_rejects_empty_plan_code():
    with pytest.raises(ValueError):
        D.strata_key_commitment("", SPEC_KEY)


def test_new_strata_key():
    keys = {D.new_strata_key() for _ in range(50)}
    assert len(keys) == 50  # 256 random bits: a repeat would mean a broken source
    assert all(isinstance(k, bytes) and len(k) == D.STRATA_KEY_BYTES == 32 for k in keys)
    assert len(D.strata_key_commitment("P", next(iter(keys)))) == 64


# --- sealed draw --------------------------------------------------------------------------


@settings(deadline=None)
@given(populations(), seeds_st, plan_codes_st, strata_keys_st)
def test_sealed_draw_equals_oracle(pop, seed, plan_code, strata_key):
    keys, strata, sizes = pop
    result = D.draw(seed, plan_code, keys, strata, sizes, strata_key=strata_key)
    expected = oracle_draw(strata_key, seed, plan_code, keys, strata, sizes)
    assert [tuple(d) for d in result.drawn] == expected
    assert result.algorithm == D.SEALED_ALGORITHM == "hmac-sha256-bottom-k/1"
    assert result.strata_sizes == {s: strata.count(s) for s in sorted(set(strata))}
    open_result = D.draw(seed, plan_code, keys, strata, sizes)
    assert open_result.algorithm == D.ALGORITHM == "sha256-bottom-k/1"
    assert D.draw(seed, plan_code, keys, strata, sizes, strata_key=None) == open_result


def test_sealed_draw_large_population_matches_oracle():
    """Above one hashing chunk, with realistic ratios (exercises the partition path)."""
    rng = random.Random(7)
    keys = list({"".join(rng.choices(ALPHABET, k=18)) for _ in range(70_000)})
    strata = rng.choices(["A", "B", "C", "D"], weights=[50, 30, 15, 5], k=len(keys))
    bp = {"A": 300, "B": 500, "C": 1000, "D": 2000}
    sizes = {s: D.sample_size(strata.count(s), ratio_bp=bp[s]) for s in bp}
    strata_key = rng.randbytes(32)
    result = D.draw(SEED, "DEMO-1", keys, strata, sizes, strata_key=strata_key)
    assert [tuple(d) for d in result.drawn] == oracle_draw(
        strata_key, SEED, "DEMO-1", keys, strata, sizes
    )


def test_sealed_draw_rejects_duplicates_and_bad_input():
    with pytest.raises(ValueError):
        D.draw(SEED, "P", [WORKED_KEY] * 2, ["A", "B"], {"A": 1, "B": 1}, strata_key=SPEC_KEY)
    with pytest.raises(ValueError):
        D.draw("123", "P", [WORKED_KEY], ["A"], {"A": 1}, strata_key=SPEC_KEY)
    with pytest.raises(ValueError):
        D.draw(SEED, "P", [WORKED_KEY], ["A"], {"A": 2}, strata_key=SPEC_KEY)


# --- sealed bundles -----------------------------------------------------------------------


def sealed_example(strata_key=SPEC_KEY):
    keys = [f"91{i:016d}" for i in range(60, 0, -1)]  # descending on purpose
    strata = [LABELS[i % 4] for i in range(60)]
    spec = {
        "A": {"ratio_bp": 2000},
        "B": {"ratio_bp": 3000},
        "C": {"count": 4},
        "D:MS-11": {"count": 15},
        "E": {"ratio_bp": 500},  # a class without entities
    }
    return (
        keys,
        strata,
        spec,
        D.build_sealed_bundles("DEMO-1", SEED, FROZEN, keys, strata, spec, strata_key),
    )


def test_sealed_bundles_structure():
    keys, strata, spec, (public, auditor) = sealed_example()
    head = [
        "algorithm",
        "plan_code",
        "seed",
        "frozen_at",
        "population_digest",
        "population_keys_digest",
        "strata_key_commitment",
    ]
    assert list(public) == [*head, "strata", "population", "selected"]
    assert list(auditor) == [*head, "strata_key", "strata", "population", "selected"]
    for name in head:
        assert public[name] == auditor[name]
    assert public["algorithm"] == "hmac-sha256-bottom-k/1"
    assert public["frozen_at"] == FROZEN
    pairs = sorted(zip(keys, strata, strict=True))
    assert (
        public["population_digest"]
        == hashlib.sha256("".join(f"{k},{s}\n" for k, s in pairs).encode()).hexdigest()
    )
    assert (
        public["population_keys_digest"]
        == hashlib.sha256("".join(f"{k}\n" for k in sorted(keys)).encode()).hexdigest()
    )
    assert public["strata_key_commitment"] == SPEC_COMMITMENT  # same plan code and key
    assert auditor["strata_key"] == SPEC_KEY.hex()
    assert (
        public["strata"]
        == auditor["strata"]
        == [
            {"stratum": "A", "size": 15, "ratio_bp": 2000, "k": 3},
            {"stratum": "B", "size": 15, "ratio_bp": 3000, "k": 5},
            {"stratum": "C", "size": 15, "ratio_bp": None, "k": 4},
            {"stratum": "D:MS-11", "size": 15, "ratio_bp": None, "k": 15},
            {"stratum": "E", "size": 0, "ratio_bp": 500, "k": 0},
        ]
    )
    assert public["strata"] is not auditor["strata"]  # editing one must not change the other
    assert public["population"] == sorted(keys)
    assert auditor["population"] == [list(p) for p in pairs]
    sizes = {"A": 3, "B": 5, "C": 4, "D:MS-11": 15, "E": 0}
    expected = [key for key, *_ in oracle_draw(SPEC_KEY, SEED, "DEMO-1", keys, strata, sizes)]
    assert auditor["selected"] == expected
    assert public["selected"] == sorted(expected)
    assert json.loads(json.dumps(public)) == public
    assert json.loads(json.dumps(auditor)) == auditor


def public_view(keys, table, selected, digests):
    """A public bundle built from what may be public: sorted keys, the aggregate strata table,
    the SET of selected keys and three hashes. Nothing in it pairs a key with a stratum."""
    return {
        "algorithm": "hmac-sha256-bottom-k/1",
        "plan_code": "DEMO-1",
        "seed": SEED,
        "frozen_at": FROZEN,
        **digests,
        "strata": table,
        "population": sorted(keys),
        "selected": sorted(set(selected)),
    }


@settings(deadline=None, max_examples=50)
@given(populations(max_size=40), strata_keys_st)
def test_public_bundle_pairs_no_key_with_a_stratum(pop, strata_key):
    keys, strata, _ = pop
    spec = {label: {"ratio_bp": 3000 + 1000 * i} for i, label in enumerate(LABELS)}
    public, auditor = D.build_sealed_bundles("DEMO-1", SEED, FROZEN, keys, strata, spec, strata_key)
    assert all(isinstance(key, str) for key in public["population"])
    assert "strata_key" not in public
    digests = {
        name: public[name]
        for name in ("population_digest", "population_keys_digest", "strata_key_commitment")
    }
    # the public bundle is exactly the view built without any per-key stratum
    assert public == public_view(keys, public["strata"], auditor["selected"], digests)
    # and its selection is in key order, not in the stratum-by-stratum order of the auditor
    assert public["selected"] == sorted(public["selected"])


def test_public_bundle_is_the_same_for_another_assignment_of_the_same_sizes():
    """Swap the classes of an unselected A and an unselected B entity: only the two hashes
    that cover the strata change, never a field that lists keys."""
    keys, strata, spec, (public, auditor) = sealed_example()
    chosen = set(auditor["selected"])
    i = next(j for j, k in enumerate(keys) if strata[j] == "A" and k not in chosen)
    j = next(j for j, k in enumerate(keys) if strata[j] == "B" and k not in chosen)
    swapped = list(strata)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    other, _ = D.build_sealed_bundles("DEMO-1", SEED, FROZEN, keys, swapped, spec, SPEC_KEY)
    differ = {name for name in public if public[name] != other[name]}
    # the selection can differ only if the swap changed a cut-off; the lists of keys never
    # carry strata, so at most the digest of the key,stratum lines and the selection move
    assert "population_digest" in differ
    assert differ <= {"population_digest", "selected"}
    assert other["population"] == public["population"]


def test_sealed_bundle_rejects_bad_input():
    keys = [WORKED_KEY, "1" * 18]
    for strata, spec in [
        (["A", "B"], {"A": {"ratio_bp": 300}}),  # no rule for B
        (["A", "B"], {"A": {"ratio_bp": 300}, "B": {"ratio_bp": 1, "count": 1}}),
        (["A", ""], {"A": {"count": 1}, "": {"count": 1}}),
        (["A", "A"], {"A": {"count": 1}, 7: {"count": 1}}),
    ]:
        with pytest.raises(ValueError):
            D.build_sealed_bundles("DEMO-1", SEED, FROZEN, keys, strata, spec, SPEC_KEY)
    with pytest.raises(ValueError):
        D.build_sealed_bundles(
            "DEMO-1", SEED, FROZEN, [WORKED_KEY] * 2, ["A", "A"], {"A": {"count": 1}}, SPEC_KEY
        )
