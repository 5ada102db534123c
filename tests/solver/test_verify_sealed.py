"""The standalone verifier on sealed bundles (spec section 7), commitments and garbage input."""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver import draw as D
from solver import verify as V

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SEED = "12345678901234567890"
SPEC_KEY = bytes(range(32))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LABELS = ["A", "B", "C", "D:MS-11"]
FROZEN = "2026-03-01T02:00:00Z"
PARTIAL = "OK (public checks only)"

# deadline=None throughout: the tests hash for real, and the shared 2-core machine must
# not turn load into failures.
keys_st = st.text(alphabet=ALPHABET, min_size=18, max_size=18)
seeds_st = st.from_regex(r"[0-9]{20,32}", fullmatch=True)
strata_keys_st = st.binary(min_size=32, max_size=32)
rule_st = st.one_of(
    st.builds(lambda bp: {"ratio_bp": bp}, st.integers(0, 10000)),
    st.builds(lambda c: {"count": c}, st.integers(0, 12)),
)


@st.composite
def sealed(draw, min_size=0, max_size=40):
    """(public, auditor) bundles of a random sealed plan."""
    keys = draw(st.lists(keys_st, min_size=min_size, max_size=max_size, unique=True))
    strata = draw(st.lists(st.sampled_from(LABELS), min_size=len(keys), max_size=len(keys)))
    spec = {label: draw(rule_st) for label in LABELS}
    seed = draw(seeds_st)
    plan = draw(st.from_regex(r"[A-Z][A-Z0-9-]{0,11}", fullmatch=True))
    key = draw(strata_keys_st)
    return D.build_sealed_bundles(plan, seed, FROZEN, keys, strata, spec, key)


def partly_selected():
    """Sealed plans where at least one entity is drawn and at least one is not."""
    return sealed(min_size=2).filter(
        lambda b: 0 < len(b.public["selected"]) < len(b.public["population"])
    )


@functools.cache
def _example():
    keys = [f"91{i:016d}" for i in range(1, 61)]
    strata = [LABELS[i % 4] for i in range(60)]
    spec = {
        "A": {"ratio_bp": 2000},
        "B": {"ratio_bp": 3000},
        "C": {"count": 4},
        "D:MS-11": {"count": 15},
    }
    return D.build_sealed_bundles("DEMO-1", SEED, FROZEN, keys, strata, spec, SPEC_KEY)


def example():
    """(public, auditor) of a 60-entity plan in four strata; a fresh copy each call."""
    return D.SealedBundles(*copy.deepcopy(tuple(_example())))


def commitment_of(bundle: dict) -> dict:
    """commitment.json as the database layer publishes it at the freeze (seed still null)."""
    return {
        "plan_code": bundle["plan_code"],
        "lead_body": "SC",
        "algorithm": bundle["algorithm"],
        "frozen_at": bundle["frozen_at"],
        "population_digest": bundle["population_digest"],
        "population_keys_digest": bundle.get("population_keys_digest"),
        "strata_key_commitment": bundle.get("strata_key_commitment"),
        "population_size": len(bundle["population"]),
        "strata": copy.deepcopy(bundle["strata"]),
        "seed": None,
        "state": "frozen",
    }


def oracle_selected(bundle: dict, seed: str) -> list:
    """The auditor bundle's selection for another seed, from the spec text (hmac, sorted)."""
    key = bytes.fromhex(bundle["strata_key"])
    out = []
    for row in sorted(bundle["strata"], key=lambda r: r["stratum"]):
        members = [k for k, s in bundle["population"] if s == row["stratum"]]
        ranked = sorted(
            (
                hmac.new(
                    key, f"{seed}|{bundle['plan_code']}|{k}".encode(), hashlib.sha256
                ).digest(),
                k,
            )
            for k in members
        )
        out += [k for _, k in ranked[: row["k"]]]
    return out


def first(bundle, commitment=None):
    problems = V.verify_bundle(bundle, commitment)
    return problems[0] if problems else None


# --- agreement ----------------------------------------------------------------------------


@settings(deadline=None)
@given(sealed())
def test_every_sealed_bundle_verifies(pair):
    public, auditor = pair
    assert V.bundle_kind(public) == V.SEALED_PUBLIC
    assert V.bundle_kind(auditor) == V.SEALED_AUDITOR
    for bundle in (public, auditor):
        assert V.verify_bundle(bundle) == []
        assert V.verify_bundle(json.loads(json.dumps(bundle))) == []
        assert V.verify_bundle(bundle, commitment_of(bundle)) == []


def test_verifier_pins_the_section_7_worked_example():
    assert V.strata_key_commitment("DEMO-1", SPEC_KEY.hex()) == (
        "8c6ab4c0b0f0c5de79e38d444d5347cbb50732839f2418f9faca92542fc4690d"
    )
    assert V.keyed_ticket(SPEC_KEY, SEED, "DEMO-1", "91370282MA3C5T4R2M").hex() == (
        "7cc3dab3c848551a40e5e327d29f52e7a4741c357a1f8755476af65b5e5a6dee"
    )
    assert V.ticket(SEED, "DEMO-1", "91370282MA3C5T4R2M").hex() == (
        "bb6fcc9a4cf964da4d8b1788a84f32c7ce164227896ad6693b154b375e2d6b4a"
    )


def test_open_bundle_made_before_section_7_still_verifies():
    """A bundle written by the solver as it was before sealed strata, stored byte for byte."""
    bundle = json.loads((DATA / "open_bundle_before_sealed.json").read_text(encoding="utf-8"))
    assert V.bundle_kind(bundle) == V.OPEN
    assert V.verify_bundle(bundle) == []
    assert V.verify_bundle(bundle, commitment_of(bundle) | {"seed": bundle["seed"]}) == []
    # and today's builder still writes exactly that bundle from the same inputs
    keys, strata = [k for k, _ in bundle["population"]], [s for _, s in bundle["population"]]
    spec = {
        r["stratum"]: {"ratio_bp": r["ratio_bp"]}
        if r["ratio_bp"] is not None
        else {"count": r["k"]}
        for r in bundle["strata"]
    }
    again = D.build_bundle(
        bundle["plan_code"], bundle["seed"], bundle["frozen_at"], keys[::-1], strata[::-1], spec
    )
    assert again == bundle


def test_verifier_source_is_python_3_8():
    """A user may only have Python 3.8: no newer syntax, none of the newer calls we know of."""
    source = (REPO / "solver" / "verify.py").read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))  # raises SyntaxError on newer syntax
    assert "from __future__ import annotations" in source  # `bytes | None` stays unevaluated
    for newer in ("removeprefix", "removesuffix", "strict=", "randbytes", "bit_count"):
        assert newer not in source


# --- tampering: each field, each kind, seen by the checks that can see it -----------------


@settings(deadline=None)
@given(sealed(min_size=1), seeds_st)
def test_changed_seed(pair, seed):
    public, auditor = pair
    assume(seed != public["seed"])
    redraw_differs = oracle_selected(auditor, seed) != auditor["selected"]
    problem = first({**auditor, "seed": seed})
    if redraw_differs:
        assert problem.startswith("MISMATCH: selected[")
    else:
        assert problem is None
    # the public checks cannot see a seed; the commitment can once it records the seed
    assert first({**public, "seed": seed}) is None
    published = commitment_of(public) | {"seed": public["seed"]}
    assert first({**public, "seed": seed}, published) == (
        f"MISMATCH: seed is {seed} but the commitment has {public['seed']}"
    )


def test_changed_seed_is_caught_on_a_realistic_auditor_bundle():
    _, auditor = example()
    assert first({**auditor, "seed": SEED[:-1] + "1"}).startswith("MISMATCH: selected[")


@settings(deadline=None)
@given(partly_selected(), st.data())
def test_selected_key_swapped_for_an_unselected_one(pair, data):
    public, auditor = pair
    unselected = sorted(set(public["population"]) - set(public["selected"]))
    new = data.draw(st.sampled_from(unselected))
    i = data.draw(st.integers(0, len(auditor["selected"]) - 1))
    original = auditor["selected"][i]
    stratum = dict(auditor["population"])[original]
    auditor["selected"][i] = new
    assert first(auditor) == (
        f"MISMATCH: selected[{i}] is {new} but recomputation gives {original} (stratum {stratum!r})"
    )
    # the same swap in the public bundle, kept in key order, is beyond the public checks
    public["selected"] = sorted({*public["selected"], new} - {original})
    assert V.verify_bundle(public) == []


@settings(deadline=None)
@given(sealed(), keys_st, st.sampled_from(LABELS))
def test_key_added_to_the_population(pair, new_key, label):
    public, auditor = pair
    assume(new_key not in public["population"])
    committed = commitment_of(auditor)
    public["population"] = sorted([*public["population"], new_key])
    assert first(public).startswith("MISMATCH: population_keys_digest is ")
    public["population_keys_digest"] = V.population_keys_digest(public["population"])
    n = len(public["population"])
    assert first(public) == (
        f"MISMATCH: the strata sizes add up to {n - 1} but the population has {n} keys"
    )

    auditor["population"] = sorted([*auditor["population"], [new_key, label]])
    assert first(auditor).startswith("MISMATCH: population_digest is ")
    auditor["population_digest"] = V.population_digest(auditor["population"])
    assert first(auditor).startswith("MISMATCH: population_keys_digest is ")
    auditor["population_keys_digest"] = V.population_keys_digest(
        [k for k, _ in auditor["population"]]
    )
    assert first(auditor).startswith(f"MISMATCH: stratum {label!r} has size ")
    # and a published commitment catches it whatever digests the bundle carries
    assert any(
        "commitment published at the freeze" in p for p in V.verify_bundle(auditor, committed)
    )


@settings(deadline=None)
@given(sealed(min_size=1), st.data())
def test_key_removed_from_the_population(pair, data):
    public, auditor = pair
    i = data.draw(st.integers(0, len(public["population"]) - 1))
    committed = commitment_of(public)
    del public["population"][i]
    assert first(public).startswith("MISMATCH: population_keys_digest is ")
    public["population_keys_digest"] = V.population_keys_digest(public["population"])
    n = len(public["population"])
    assert first(public) == (
        f"MISMATCH: the strata sizes add up to {n + 1} but the population has {n} keys"
    )
    assert any(
        "the commitment published at the freeze has" in p
        for p in V.verify_bundle(public, committed)
    )

    del auditor["population"][i]
    assert first(auditor).startswith("MISMATCH: population_digest is ")


@settings(deadline=None)
@given(sealed(min_size=1), st.data())
def test_stratum_label_changed(pair, data):
    public, auditor = pair
    committed = commitment_of(auditor)
    i = data.draw(st.integers(0, len(auditor["population"]) - 1))
    old = auditor["population"][i][1]
    new = data.draw(st.sampled_from([*LABELS, "E"]).filter(lambda s: s != old))
    auditor["population"][i][1] = new
    assert first(auditor).startswith("MISMATCH: population_digest is ")
    auditor["population_digest"] = V.population_digest(auditor["population"])
    problem = first(auditor)
    assert problem.startswith(("MISMATCH: stratum ", "MISMATCH: population stratum "))
    assert repr(old) in problem or repr(new) in problem
    assert first(auditor, committed) is not None

    # relabelling a row of the public strata table changes no count: the commitment sees it
    row = data.draw(st.sampled_from(public["strata"]))
    old_label = row["stratum"]
    committed = commitment_of(public)
    row["stratum"] = "X:" + old_label
    assert first(public) is None
    ratio = "null" if row["ratio_bp"] is None else row["ratio_bp"]
    assert first(public, committed) == (
        f"MISMATCH: stratum {old_label!r} is absent in the bundle but size {row['size']}, "
        f"ratio_bp {ratio}, k {row['k']} in the commitment published at the freeze"
    )


@settings(deadline=None)
@given(sealed(min_size=1), st.data())
def test_k_changed(pair, data):
    public, auditor = pair
    label = data.draw(st.sampled_from([r["stratum"] for r in public["strata"] if r["size"] > 0]))
    delta = data.draw(st.sampled_from([-1, 1]))
    for bundle in (public, auditor):
        row = next(r for r in bundle["strata"] if r["stratum"] == label)
        original = row["k"]
        row["k"] = max(0, original + delta) if original else 1
        new = row["k"]
        problem = first(bundle)
        assert problem is not None
        if row["ratio_bp"] is not None:
            assert problem == (
                f"MISMATCH: stratum {label!r} has k {new} but N={row['size']} at "
                f"{row['ratio_bp']} bp gives k {original}"
            )
        elif new > row["size"]:
            assert problem == f"MISMATCH: stratum {label!r} has k {new}, outside 0..N={row['size']}"
        elif bundle is public:
            total = sum(r["k"] for r in public["strata"])
            assert problem == (
                f"MISMATCH: the strata's k add up to {total} but selected has "
                f"{len(public['selected'])} entries"
            )
        else:  # a plausible count, but the published selection has the wrong length
            assert problem.startswith("MISMATCH: selected")


@settings(deadline=None)
@given(sealed(), strata_keys_st)
def test_strata_key_changed(pair, other_key):
    _, auditor = pair
    assume(other_key.hex() != auditor["strata_key"])
    problem = first({**auditor, "strata_key": other_key.hex()})
    assert problem == (
        f"MISMATCH: strata_key_commitment is {auditor['strata_key_commitment']} but the "
        f"strata_key gives {V.strata_key_commitment(auditor['plan_code'], other_key.hex())} "
        "(not the key committed at the freeze)"
    )
    for malformed in (auditor["strata_key"].upper(), auditor["strata_key"][:-2], "", "zz" * 32):
        if malformed != auditor["strata_key"]:
            assert first({**auditor, "strata_key": malformed}) == (
                "MISMATCH: strata_key is not 64 lower-case hex digits (32 bytes)"
            )


@settings(deadline=None)
@given(sealed(), strata_keys_st)
def test_commitment_changed(pair, other_key):
    public, auditor = pair
    forged = V.strata_key_commitment(auditor["plan_code"], other_key.hex())
    assume(forged != auditor["strata_key_commitment"])
    assert first({**auditor, "strata_key_commitment": forged}).startswith(
        f"MISMATCH: strata_key_commitment is {forged} but the strata_key gives "
    )
    # the public bundle cannot open the commitment; the published one catches the change
    assert first({**public, "strata_key_commitment": forged}) is None
    assert first({**public, "strata_key_commitment": forged}, commitment_of(public)) == (
        f"MISMATCH: strata_key_commitment is {forged} but the commitment published at the "
        f"freeze has {public['strata_key_commitment']}"
    )
    assert first({**public, "strata_key_commitment": "0" * 63}) == (
        "MISMATCH: strata_key_commitment is not 64 lower-case hex digits"
    )


@settings(deadline=None)
@given(sealed(), st.sampled_from(["population_digest", "frozen_at", "plan_code"]))
def test_other_committed_fields_changed(pair, name):
    public, auditor = pair
    value = "Z" + public[name][1:] if name == "plan_code" else public[name][::-1]
    assume(value != public[name])
    for bundle in (public, auditor):
        committed = commitment_of(bundle)
        tampered = {**bundle, name: value}
        problems = V.verify_bundle(tampered, committed)
        assert (
            f"MISMATCH: {name} is {value} but the commitment published at the freeze has "
            f"{bundle[name]}"
        ) in problems
    # what the auditor bundle sees without the commitment
    problem = first({**auditor, name: value})
    if name == "population_digest":
        assert problem.startswith("MISMATCH: population_digest is ")
    elif name == "plan_code":  # the key commitment binds the plan code
        assert problem.startswith("MISMATCH: strata_key_commitment is ")
    else:
        assert problem is None  # the frozen time is only in the commitment


@settings(deadline=None)
@given(sealed(min_size=2).filter(lambda b: len(b.public["selected"]) >= 2), st.data())
def test_selection_order_changed(pair, data):
    public, auditor = pair
    n = len(public["selected"])
    i, j = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    for bundle in (public, auditor):
        sel = bundle["selected"]
        sel[i], sel[j] = sel[j], sel[i]
    assert first(auditor).startswith(f"MISMATCH: selected[{i}] is {auditor['selected'][i]} ")
    pub = public["selected"]
    assert first(public) == (
        f"MISMATCH: selected[{i + 1}] {pub[i + 1]} comes before selected[{i}] {pub[i]} "
        "(the public selection lists each key once, in ascending order)"
    )


def test_public_selection_duplicates_and_strangers():
    public, _ = example()
    twice = copy.deepcopy(public)
    twice["selected"][1] = twice["selected"][0]
    assert first(twice).startswith("MISMATCH: selected[1] ")
    assert "repeats selected[0]" in first(twice)
    stranger = copy.deepcopy(public)
    stranger["selected"][-1] = "Z" * 18
    last = len(stranger["selected"]) - 1
    assert first(stranger) == f"MISMATCH: selected[{last}] {'Z' * 18} is not in the population"


def test_public_strata_table_checks():
    public, _ = example()

    def problems_after(change):
        bundle = copy.deepcopy(public)
        change(bundle)
        return V.verify_bundle(bundle)

    assert problems_after(lambda b: b["strata"].reverse()) == []
    assert "repeats stratum 'A'" in problems_after(lambda b: b["strata"].append(b["strata"][0]))[0]
    assert problems_after(lambda b: b["strata"][0].update(size=16))[0] == (
        "MISMATCH: stratum 'A' has k 3 but N=16 at 2000 bp gives k 4"
    )
    # two sizes moved in opposite directions keep the sum; each k still has to fit
    assert problems_after(
        lambda b: (b["strata"][2].update(size=16), b["strata"][3].update(size=14))
    ) == ["MISMATCH: stratum 'D:MS-11' has k 15, outside 0..N=14"]
    assert problems_after(lambda b: b["strata"][2].update(stratum="D:MS-11")) == [
        "MISMATCH: strata[3] repeats stratum 'D:MS-11'",
        "MISMATCH: the strata sizes add up to 45 but the population has 60 keys",
        "MISMATCH: the strata's k add up to 12 but selected has 27 entries",
    ]
    assert problems_after(lambda b: b["strata"][2].update(size=-1))[0] == (
        "MISMATCH: stratum 'C' has a negative size -1"
    )
    assert problems_after(lambda b: b["strata"][0].update(ratio_bp=-5))[0] == (
        "MISMATCH: stratum 'A' has a negative ratio_bp -5"
    )


# --- commitment ---------------------------------------------------------------------------


def test_commitment_checks():
    public, auditor = example()
    committed = commitment_of(public)
    for bundle in (public, auditor):
        assert V.verify_bundle(bundle, committed) == []
        assert V.verify_bundle(bundle, committed | {"seed": SEED}) == []
        no_keys = {k: v for k, v in committed.items() if k != "population_keys_digest"}
        assert first(bundle, no_keys) == (
            "MISMATCH: the commitment has no population_keys_digest, which a sealed plan "
            "publishes at the freeze (spec section 7)"
        )
        assert first(bundle, committed | {"population_size": 59}) == (
            "MISMATCH: the population has 60 entities but the commitment published at the "
            "freeze has population_size 59"
        )
        assert first(bundle, committed | {"algorithm": "sha256-bottom-k/1"}).startswith(
            "MISMATCH: algorithm is hmac-sha256-bottom-k/1 but the commitment"
        )
    # an open bundle against a sealed plan's commitment
    keys, strata = [k for k, _ in auditor["population"]], [s for _, s in auditor["population"]]
    spec = {r["stratum"]: {"ratio_bp": 5000} for r in auditor["strata"]}
    open_bundle = D.build_bundle("DEMO-1", SEED, FROZEN, keys, strata, spec)
    # an open plan's commitment has the sealed fields null, or leaves them out
    assert V.verify_bundle(open_bundle, commitment_of(open_bundle)) == []
    open_commitment = {
        k: v
        for k, v in commitment_of(open_bundle).items()
        if k not in ("population_keys_digest", "strata_key_commitment")
    }
    assert V.verify_bundle(open_bundle, open_commitment) == []
    assert first(open_bundle, open_commitment | {"strata_key_commitment": "ab" * 32}) == (
        f"MISMATCH: the commitment has strata_key_commitment {'ab' * 32} but the bundle has none"
    )
    assert first(open_bundle, committed).startswith("MISMATCH: algorithm is sha256-bottom-k/1 ")


@pytest.mark.parametrize(
    "commitment",
    [
        [],
        {},
        {"population_digest": 5},
        {"population_digest": "ab", "strata": "A"},
        {"population_digest": "ab", "strata": [{"stratum": "A"}]},
        {"population_digest": "ab", "seed": 12345678901234567890},
        {"population_digest": "ab", "population_size": "60"},
        {"population_digest": "ab", "frozen_at": 5},
        {"population_digest": "ab", "strata_key_commitment": ["ab"]},
    ],
)
def test_malformed_commitment(commitment):
    public, _ = example()
    assert first(public, commitment).startswith("INVALID: ")


# --- garbage never raises -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, json_values)
def test_any_json_gets_a_verdict(bundle, commitment):
    for value in (
        bundle,
        {"algorithm": V.SEALED_ALGORITHM, **(bundle if isinstance(bundle, dict) else {})},
    ):
        problems = V.verify_bundle(value, commitment)
        assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@st.composite
def mutated(draw):
    """A valid bundle of any kind with one value anywhere replaced by arbitrary JSON."""
    public, auditor = example()
    keys, strata = [k for k, _ in auditor["population"]], [s for _, s in auditor["population"]]
    open_bundle = D.build_bundle(
        "DEMO-1", SEED, FROZEN, keys, strata, {s: {"count": 3} for s in LABELS}
    )
    bundle = copy.deepcopy(draw(st.sampled_from([public, auditor, open_bundle])))
    name = draw(st.sampled_from(sorted(bundle)))
    value = draw(json_values | st.sampled_from(["\ud800", "\x00" * 18, 10**4000, -(10**30)]))
    target = bundle[name]
    if isinstance(target, list) and target and draw(st.booleans()):
        i = draw(st.integers(0, len(target) - 1))
        if isinstance(target[i], dict) and draw(st.booleans()):
            target[i][draw(st.sampled_from(sorted(target[i])))] = value
        elif isinstance(target[i], list) and draw(st.booleans()):
            target[i][draw(st.integers(0, len(target[i]) - 1))] = value
        else:
            target[i] = value
    else:
        bundle[name] = value
    return bundle


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_bundles_get_a_verdict(bundle):
    problems = V.verify_bundle(bundle)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
    assert all(len(p) < 400 for p in problems)  # huge forged values are cut short


# --- command line -------------------------------------------------------------------------


def run(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundles")
    shutil.copy(REPO / "solver" / "verify.py", folder / "verify.py")
    public, auditor = example()

    def write(name, content):
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")

    write("public.json", public)
    write("auditor.json", auditor)
    write("commitment.json", commitment_of(public))
    write("commitment-other.json", commitment_of(public) | {"population_keys_digest": "0" * 64})
    bad = copy.deepcopy(auditor)
    bad["selected"][0], bad["selected"][1] = bad["selected"][1], bad["selected"][0]
    write("auditor-bad.json", bad)
    text = json.dumps(public)
    garbage = {
        "truncated.json": text[: len(text) // 2],
        "empty.json": "",
        "wrong-types.json": {**public, "population": [1, 2, 3]},
        "wrong-algorithm.json": {**public, "algorithm": 7},
        "float-overflow.json": text.replace('"size": 15', '"size": 1e999', 1),
        "long-int.json": text.replace('"size": 15', '"size": ' + "9" * 5000, 1),
        "nul-raw.json": text.encode()[:40] + b"\x00" + text.encode()[40:],
        "nul-only.json": b"\x00" * 64,
        "latin1.json": text.replace("DEMO-1", "DEMO-\u00e9").encode("latin-1"),
        "surrogate.json": text.replace(public["population"][0], "\\ud800" + "1" * 17, 1),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "binary.json": bytes(range(256)) * 4,
    }
    for name, content in garbage.items():
        write(name, content)
    (folder / "a-directory.json").mkdir()
    # well-formed JSON with absurd values: a verdict, not a crash
    write("nul-in-key.json", text.replace(public["population"][0], "\\u0000" * 18, 1))
    write("huge-k.json", text.replace('"k": 3', '"k": ' + "9" * 4000, 1))
    return folder, public, auditor, sorted(garbage) + ["a-directory.json", "missing.json"]


COMMANDS = {
    "module": ([sys.executable, "-S", "-m", "solver.verify"], True),
    "lone file": ([sys.executable, "-S", "-I", "verify.py"], False),
}


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_cli_sealed_public(files, how):
    folder, public, _, _ = files
    command, in_repo = COMMANDS[how]
    cwd = REPO if in_repo else folder
    result = run([*command, str(folder / "public.json")], cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == PARTIAL
    assert "sealed strata" in lines[1] and f"{len(public['selected'])} selected" in lines[1]
    out = result.stdout
    assert public["population_keys_digest"] in out and public["strata_key_commitment"] in out
    assert (
        "未核对" in out and "NOT checked" in out and out.index("未核对") < out.index("NOT checked")
    )
    assert "审计文件" in out and "auditor bundle" in out
    assert "--commitment" in out  # no commitment given: says how to compare with it

    with_commitment = run(
        [*command, str(folder / "public.json"), "--commitment", str(folder / "commitment.json")],
        cwd,
    )
    assert with_commitment.returncode == 0
    assert with_commitment.stdout.splitlines()[0] == PARTIAL
    assert "Matches the commitment published at the freeze" in with_commitment.stdout
    assert "NOT checked" in with_commitment.stdout

    other = run(
        [
            *command,
            str(folder / "public.json"),
            "--commitment",
            str(folder / "commitment-other.json"),
        ],
        cwd,
    )
    assert other.returncode == 1
    assert other.stdout.startswith(
        f"MISMATCH: population_keys_digest is {public['population_keys_digest']} but the "
        f"commitment published at the freeze has {'0' * 64}"
    )


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_cli_sealed_auditor(files, how):
    folder, _, auditor, _ = files
    command, in_repo = COMMANDS[how]
    cwd = REPO if in_repo else folder
    result = run(
        [*command, str(folder / "auditor.json"), "--commitment", str(folder / "commitment.json")],
        cwd,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "OK"
    assert "auditor bundle" in result.stdout and "NOT checked" not in result.stdout
    assert auditor["strata_key_commitment"] in result.stdout

    bad = run([*command, str(folder / "auditor-bad.json")], cwd)
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"MISMATCH: selected[0] is {auditor['selected'][1]} but ")
    assert "不一致" in bad.stdout and "Traceback" not in bad.stderr


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_cli_garbage_exits_2_without_a_traceback(files, how):
    folder, _, _, garbage = files
    command, in_repo = COMMANDS[how]
    cwd = REPO if in_repo else folder
    for name in garbage:
        result = run([*command, str(folder / name)], cwd)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert result.stderr.startswith("ERROR: "), name
        assert "Traceback" not in result.stderr and result.stdout == "", name
        assert len(result.stderr) < 1000, name
    for name in ["nul-in-key.json", "huge-k.json"]:
        result = run([*command, str(folder / name)], cwd)
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert result.stdout.startswith("MISMATCH: ") and "Traceback" not in result.stderr
        assert len(result.stdout) < 2000, name
    for args in (
        [],
        ["a.json", "b.json"],
        [str(folder / "public.json"), "--commitment", str(folder / "truncated.json")],
        [str(folder / "public.json"), "--commitment", str(folder / "missing.json")],
    ):
        result = run([*command, *args], cwd)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
