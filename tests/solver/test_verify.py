"""The standalone verifier agrees with the solver and catches tampered bundles."""

from __future__ import annotations

import ast
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver import draw as D
from solver import verify as V

REPO = Path(__file__).resolve().parents[2]
SEED = "12345678901234567890"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LABELS = ["A", "B", "C", "D:MS-11"]
FROZEN = "2026-03-01T02:00:00Z"

keys_st = st.text(alphabet=ALPHABET, min_size=18, max_size=18)
seeds_st = st.from_regex(r"[0-9]{20,32}", fullmatch=True)
rule_st = st.one_of(
    st.builds(lambda bp: {"ratio_bp": bp}, st.integers(0, 10000)),
    st.builds(lambda c: {"count": c}, st.integers(0, 12)),
)


@st.composite
def bundles(draw, min_size=0, max_size=50):
    keys = draw(st.lists(keys_st, min_size=min_size, max_size=max_size, unique=True))
    strata = draw(st.lists(st.sampled_from(LABELS), min_size=len(keys), max_size=len(keys)))
    spec = {label: draw(rule_st) for label in LABELS}
    seed = draw(seeds_st)
    plan = draw(st.from_regex(r"[A-Z][A-Z0-9-]{0,11}", fullmatch=True))
    return D.build_bundle(plan, seed, FROZEN, keys, strata, spec)


def selected_bundles():
    """Bundles where at least one entity is drawn and at least one is not."""
    return bundles(min_size=2).filter(lambda b: 0 < len(b["selected"]) < len(b["population"]))


def example_bundle():
    keys = [f"91{i:016d}" for i in range(1, 61)]
    strata = [LABELS[i % 4] for i in range(60)]
    spec = {
        "A": {"ratio_bp": 2000},
        "B": {"ratio_bp": 3000},
        "C": {"count": 4},
        "D:MS-11": {"count": 15},
    }
    return D.build_bundle("DEMO-1", SEED, FROZEN, keys, strata, spec)


# --- agreement ----------------------------------------------------------------------------


@settings(deadline=None)
@given(bundles())
def test_verifier_accepts_every_solver_bundle(bundle):
    assert V.verify_bundle(bundle) == []
    assert V.verify_bundle(json.loads(json.dumps(bundle))) == []


def test_verifier_recomputes_worked_example():
    key = "91370282MA3C5T4R2M"
    assert V.recompute_selection(SEED, "DEMO-1", [[key, "A"]], {"A": 1}) == [(key, "A")]
    assert (
        V.sample_size(1, 300) == 1 and V.sample_size(0, 300) == 0 and V.sample_size(9, 10000) == 9
    )


def test_verifier_imports_only_the_standard_library():
    tree = ast.parse((REPO / "solver" / "verify.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --- tampering ----------------------------------------------------------------------------


@settings(deadline=None)
@given(bundles(min_size=1), st.data())
def test_changed_key_breaks_the_digest(bundle, data):
    i = data.draw(st.integers(0, len(bundle["population"]) - 1))
    new_key = data.draw(keys_st)
    assume(new_key not in {k for k, _ in bundle["population"]})
    bundle["population"][i][0] = new_key
    problems = V.verify_bundle(bundle)
    assert problems and problems[0].startswith("MISMATCH: population_digest is")


@settings(deadline=None)
@given(bundles(min_size=1), st.data())
def test_changed_stratum_is_caught_even_with_a_fresh_digest(bundle, data):
    i = data.draw(st.integers(0, len(bundle["population"]) - 1))
    old = bundle["population"][i][1]
    new = data.draw(st.sampled_from([*LABELS, "E"]).filter(lambda s: s != old))
    bundle["population"][i][1] = new
    assert V.verify_bundle(bundle)[0].startswith("MISMATCH: population_digest is")
    bundle["population_digest"] = V.population_digest(bundle["population"])
    problems = V.verify_bundle(bundle)
    assert any(f"stratum {old!r} has size" in p for p in problems)
    assert any(f"{new!r}" in p for p in problems)


@settings(deadline=None)
@given(selected_bundles(), st.data())
def test_replaced_selection_is_caught(bundle, data):
    i = data.draw(st.integers(0, len(bundle["selected"]) - 1))
    unselected = sorted({k for k, _ in bundle["population"]} - set(bundle["selected"]))
    original = bundle["selected"][i]
    bundle["selected"][i] = data.draw(st.sampled_from(unselected))
    problems = V.verify_bundle(bundle)
    assert problems[0] == (
        f"MISMATCH: selected[{i}] is {bundle['selected'][i]} but recomputation gives "
        f"{original} (stratum {dict(bundle['population'])[original]!r})"
    )


@settings(deadline=None)
@given(bundles(min_size=2).filter(lambda b: len(b["selected"]) >= 2), st.data())
def test_swapped_selection_is_caught(bundle, data):
    i, j = sorted(
        data.draw(
            st.lists(
                st.integers(0, len(bundle["selected"]) - 1), min_size=2, max_size=2, unique=True
            )
        )
    )
    sel = bundle["selected"]
    sel[i], sel[j] = sel[j], sel[i]
    assert V.verify_bundle(bundle)[0].startswith(f"MISMATCH: selected[{i}] is {sel[i]}")


@settings(deadline=None)
@given(bundles(), seeds_st)
def test_changed_seed_is_caught_whenever_it_changes_the_draw(bundle, seed):
    assume(seed != bundle["seed"])
    population = bundle["population"]
    ks = {row["stratum"]: row["k"] for row in bundle["strata"]}
    redraw = D.draw(
        seed, bundle["plan_code"], [k for k, _ in population], [s for _, s in population], ks
    )
    tampered = {**bundle, "seed": seed}
    problems = V.verify_bundle(tampered)
    assert bool(problems) == (redraw.selected != bundle["selected"])


def test_changed_seed_is_caught_on_a_realistic_bundle():
    bundle = example_bundle()
    bundle["seed"] = SEED[:-1] + "1"
    assert V.verify_bundle(bundle)[0].startswith("MISMATCH: selected[")


@settings(deadline=None)
@given(bundles(min_size=1), st.data())
def test_wrong_k_is_caught(bundle, data):
    rows = [r for r in bundle["strata"] if r["size"] > 0]
    row = data.draw(st.sampled_from(rows))
    row["k"] += data.draw(st.sampled_from([-1, 1]) if row["k"] > 0 else st.just(1))
    problems = V.verify_bundle(bundle)
    assert problems
    if row["ratio_bp"] is not None:
        assert problems[0].startswith(f"MISMATCH: stratum {row['stratum']!r} has k {row['k']} but")
    elif row["k"] > row["size"]:
        assert problems[0] == (
            f"MISMATCH: stratum {row['stratum']!r} has k {row['k']}, outside 0..N={row['size']}"
        )
    else:  # a plausible absolute count, but the published selection has the wrong length
        assert "selected" in problems[0]


def test_other_tampering_and_malformed_input():
    good = example_bundle()
    assert V.verify_bundle(good) == []

    def problems_after(change):
        bundle = copy.deepcopy(good)
        change(bundle)
        return V.verify_bundle(bundle)

    # the order of the strata list is free; selected goes stratum by stratum in label order
    assert problems_after(lambda b: b["strata"].reverse()) == []
    by_stratum = dict(good["population"])
    blocks = [[k for k in good["selected"] if by_stratum[k] == s] for s in sorted(LABELS)]
    assert problems_after(lambda b: b.update(selected=sum(reversed(blocks), [])))[0].startswith(
        "MISMATCH: selected[0] is"
    )

    first = good["population"][0][0]
    assert "repeats" in " ".join(
        problems_after(lambda b: b["population"].insert(1, b["population"][0]))
    )
    assert "comes before" in " ".join(problems_after(lambda b: b["population"].reverse()))
    assert "missing from strata" in " ".join(problems_after(lambda b: b["strata"].pop()))
    assert "repeats stratum" in " ".join(
        problems_after(lambda b: b["strata"].append(b["strata"][0]))
    )
    assert "selected has" in problems_after(lambda b: b["selected"].pop())[0]
    assert "selected has" in problems_after(lambda b: b["selected"].append(first))[0]
    assert "seed" in problems_after(lambda b: b.update(seed="1234"))[0]
    assert "18 upper-case" in " ".join(
        problems_after(lambda b: b["population"].append(["zz", "A"]))
    )
    for change in [
        lambda b: b.update(algorithm="sha256-bottom-k/2"),
        lambda b: b.pop("selected"),
        lambda b: b.update(strata=[{"stratum": "A", "size": 1, "ratio_bp": "3%", "k": 1}]),
        lambda b: b["strata"][0].update(k=True),
        lambda b: b["population"].append(["91370282MA3C5T4R2M"]),
        lambda b: b["selected"].append(7),
    ]:
        assert problems_after(change)[0].startswith("INVALID: ")
    assert V.verify_bundle([]) == ["INVALID: the bundle must be a JSON object"]


# --- command line -------------------------------------------------------------------------


def run(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def bundle_files(tmp_path):
    good = example_bundle()
    bad = copy.deepcopy(good)
    bad["selected"][3], bad["selected"][4] = bad["selected"][4], bad["selected"][3]
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    return tmp_path, good


def check_cli(command, cwd, folder, good):
    ok = run([*command, str(folder / "good.json")], cwd)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[0] == "OK"
    assert "DEMO-1" in ok.stdout and good["population_digest"] in ok.stdout
    assert f"{len(good['population'])} entities" in ok.stdout
    assert f"{len(good['selected'])} selected" in ok.stdout

    bad = run([*command, str(folder / "bad.json")], cwd)
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"MISMATCH: selected[3] is {good['selected'][4]} but ")

    for name in ["broken.json", "list.json", "missing.json"]:
        result = run([*command, str(folder / name)], cwd)
        assert result.returncode == 2 and "ERROR" in result.stderr


def test_cli_as_module(bundle_files):
    folder, good = bundle_files
    # -S: no site-packages, so numpy and the rest of the project's dependencies are absent
    check_cli([sys.executable, "-S", "-m", "solver.verify"], REPO, folder, good)
    assert run([sys.executable, "-S", "-m", "solver.verify"], REPO).returncode == 2  # usage


def test_cli_as_lone_file(bundle_files, tmp_path_factory):
    folder, good = bundle_files
    lone = tmp_path_factory.mktemp("lone")
    shutil.copy(REPO / "solver" / "verify.py", lone / "verify.py")
    for name in ["good.json", "bad.json", "broken.json", "list.json"]:
        shutil.copy(folder / name, lone / name)
    check_cli([sys.executable, "-S", "-I", "verify.py"], lone, lone, good)
