"""Tests of solver.match (spec draw-v1 sections 4 and 6) against brute force and statistics."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import cache
from itertools import combinations
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy import sparse, stats
from scipy.sparse.csgraph import maximum_flow

from solver import match as M

SEED = "12345678901234567890"
PLAN = "DEMO-1"
BODIES = ["MS", "ZF"]

seeds_st = st.from_regex(r"[0-9]{20,24}", fullmatch=True)


def insp_keys(n, plan=PLAN):
    return [f"{plan}/91370282MA3C5T{j:04d}" for j in range(n)]


def off_keys(n):
    return [f"370200{j:08d}" for j in range(n)]


def make_problem(demand, officer_body, cap, eligible, plan=PLAN, body_codes=None):
    """Problem from a demand matrix (inspections x bodies), officers' bodies and caps, and
    a boolean eligibility matrix (inspections x officers); pairs whose body does not take
    part in the inspection are dropped."""
    demand = np.asarray(demand, dtype=np.int64)
    officer_body = np.asarray(officer_body, dtype=np.int64)
    eligible = np.asarray(eligible, dtype=bool) & (demand[:, officer_body] > 0)
    pair_i, pair_o = np.nonzero(eligible)
    return M.MatchProblem(
        inspection_keys=insp_keys(demand.shape[0], plan),
        officer_keys=off_keys(len(officer_body)),
        body_codes=body_codes or BODIES[: demand.shape[1]],
        officer_body=officer_body,
        demand=demand,
        cap=np.asarray(cap, dtype=np.int64),
        pair_i=pair_i,
        pair_o=pair_o,
    )


@st.composite
def small_problems(draw):
    """<= 5 inspections, <= 6 officers, 1-2 bodies, team size 2, random caps and eligibility."""
    n_i = draw(st.integers(1, 5))
    n_o = draw(st.integers(1, 6))
    n_b = draw(st.integers(1, 2))
    officer_body = draw(st.lists(st.integers(0, n_b - 1), min_size=n_o, max_size=n_o))
    takes_part = draw(
        st.lists(st.lists(st.booleans(), min_size=n_b, max_size=n_b), min_size=n_i, max_size=n_i)
    )
    demand = 2 * np.array(takes_part, dtype=np.int64).reshape(n_i, n_b)
    cap = draw(st.lists(st.integers(0, 4), min_size=n_o, max_size=n_o))
    density = draw(st.sampled_from([0.5, 0.8, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    eligible = rng.random((n_i, n_o)) < density
    return make_problem(demand, officer_body, cap, eligible, body_codes=BODIES[:n_b])


@st.composite
def grouped_problems(draw):
    """One body; inspections 0..g-1 may only use officers 0..k-1, the others anyone: caps
    that suffice in total and per inspection can still fall short for that group."""
    g, rest, k = draw(st.integers(2, 4)), draw(st.integers(1, 2)), draw(st.integers(2, 3))
    n_o = draw(st.integers(k + 1, 6))
    cap = draw(st.lists(st.integers(1, 4), min_size=n_o, max_size=n_o))
    eligible = np.zeros((g + rest, n_o), dtype=bool)
    eligible[:g, :k] = True
    cross = draw(st.lists(st.booleans(), min_size=rest * n_o, max_size=rest * n_o))
    eligible[g:] = np.array(cross).reshape(rest, n_o)
    eligible[g:, k:] = True
    return make_problem(np.full((g + rest, 1), 2), np.zeros(n_o), cap, eligible)


# --- brute force ---------------------------------------------------------------------------


def slots_of(problem):
    n_i, n_b = problem.demand.shape
    return [(i, b, int(problem.demand[i, b])) for i in range(n_i) for b in range(n_b)]


def brute_force(problem, seed=SEED, plan=PLAN, cap=None, sign=1):
    """Enumerate every team of every slot: (optimal total cost, {(i, o)}) or None.
    ``sign=-1`` finds the most expensive feasible assignment instead."""
    cap = tuple(int(c) for c in (problem.cap if cap is None else cap))
    slots = [s for s in slots_of(problem) if s[2] > 0]
    ik, ok = problem.inspection_keys, problem.officer_keys
    members = {
        (i, b): [
            (o, M.cost(seed, plan, ik[i], ok[o]))
            for o in problem.pair_o[problem.pair_i == i].tolist()
            if problem.officer_body[o] == b
        ]
        for i, b, _ in slots
    }

    @cache
    def best(k, left):
        if k == len(slots):
            return 0, frozenset()
        i, b, d = slots[k]
        result = None
        for team in combinations(members[(i, b)], d):
            if any(left[o] == 0 for o, _ in team):
                continue
            rest = list(left)
            for o, _ in team:
                rest[o] -= 1
            sub = best(k + 1, tuple(rest))
            if sub is None:
                continue
            total = sign * sum(c for _, c in team) + sub[0]
            if result is None or total < result[0]:
                result = (total, sub[1] | {(i, o) for o, _ in team})
        return result

    found = best(0, cap)
    return None if found is None else (sign * found[0], found[1])


def brute_smallest_cap(problem):
    for c in range(problem.demand.shape[0] + 1):
        if brute_force(problem, cap=[c] * len(problem.officer_keys)) is not None:
            return c
    return None


def match_from_pairs(problem, pairs, seed=SEED, plan=PLAN):
    """A Match (correct costs and leaders) for an assignment given as {(i, o)}."""
    pairs = sorted(pairs)
    i = np.array([a for a, _ in pairs], dtype=np.int64)
    o = np.array([b for _, b in pairs], dtype=np.int64)
    ik, ok = problem.inspection_keys, problem.officer_keys
    c = np.array([M.cost(seed, plan, ik[a], ok[b]) for a, b in pairs], dtype=np.int64)
    leader = np.zeros(len(pairs), dtype=bool)
    teams = {}
    for k, (a, b) in enumerate(pairs):
        teams.setdefault((a, int(problem.officer_body[b])), []).append(k)
    for members in teams.values():
        leader[min(members, key=lambda k: (c[k], ok[o[k]]))] = True
    return M.Match(M.ALGORITHM, seed, plan, i, o, leader, c, int(c.sum()))


def hall_supply(problem, inspections, body):
    """sum over officers of min(cap, eligible pairs into the given inspections of body)."""
    keys = set(inspections)
    into = np.zeros(len(problem.officer_keys), dtype=np.int64)
    for i, o in zip(problem.pair_i.tolist(), problem.pair_o.tolist(), strict=True):
        if (
            problem.inspection_keys[i] in keys
            and problem.body_codes[problem.officer_body[o]] == body
        ):
            into[o] += 1
    return int(np.minimum(problem.cap, into).sum())


PRUNING = st.sampled_from([(None,), (0.3, 1.0, None), (1.0, None), (16.0, 64.0, None)])


# --- optimality and diagnosis against brute force --------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(small_problems(), grouped_problems()), seeds_st, PRUNING)
def test_solve_matches_brute_force(problem, seed, steps):
    expected = brute_force(problem, seed=seed)
    with mock.patch.object(M, "_PRUNE_STEPS", steps):
        if expected is None:
            with pytest.raises(M.Infeasible) as info:
                M.solve(problem, seed, PLAN)
            check_infeasible_diagnosis(problem, info.value.diagnosis)
            return
        match = M.solve(problem, seed, PLAN)
    event("feasible")
    assert M.check_match(problem, match) == []
    assert match.total_cost == expected[0]
    assert isinstance(match.total_cost, int)
    assert M.verify_optimal(problem, match, seed, PLAN)
    assert M.diagnose(problem).feasible
    worst = brute_force(problem, seed=seed, sign=-1)
    if worst[0] > expected[0]:  # a valid but more expensive assignment must be rejected
        costly = match_from_pairs(problem, worst[1], seed=seed)
        assert M.check_match(problem, costly) == []
        assert not M.verify_optimal(problem, costly, seed, PLAN)
        # Also when the warm start sees only the assigned pairs: the full graph decides.
        with mock.patch.object(M, "_cheap_arcs", lambda p, v, s: np.zeros(len(v), dtype=bool)):
            assert not M.verify_optimal(problem, costly, seed, PLAN)
            assert M.verify_optimal(problem, match, seed, PLAN)


def check_infeasible_diagnosis(problem, diagnosis):
    assert not diagnosis.feasible
    assert diagnosis.max_filled < diagnosis.total_demand == int(problem.demand.sum())
    # every team with fewer eligible officers than its size is named
    short = set()
    for i, b, d in slots_of(problem):
        eligible = sum(
            1
            for pi, po in zip(problem.pair_i.tolist(), problem.pair_o.tolist(), strict=True)
            if pi == i and problem.officer_body[po] == b
        )
        if d and eligible < d:
            short.add((problem.inspection_keys[i], problem.body_codes[b], eligible, d))
    named = {(t.inspection, t.body, t.eligible, t.needed) for t in diagnosis.short_teams}
    assert named == short and diagnosis.n_short_teams == len(short)
    if short:
        first = min(short)
        assert first[0] in diagnosis.summary_en and first[0] in diagnosis.summary_zh
    # per body: demand, capacity within the caps, officers with an eligible pair
    degree = np.bincount(problem.pair_o, minlength=len(problem.officer_keys))
    assert [load.body for load in diagnosis.bodies] == sorted(problem.body_codes)
    for load in diagnosis.bodies:
        b = problem.body_codes.index(load.body)
        mine = [o for o in range(len(problem.officer_keys)) if problem.officer_body[o] == b]
        assert load.demand == int(problem.demand[:, b].sum())
        assert load.capacity == sum(min(int(problem.cap[o]), int(degree[o])) for o in mine)
        assert load.officers == sum(1 for o in mine if degree[o])
    # every reported group violates Hall's condition, with the numbers reported
    assert diagnosis.tight_groups
    for g in diagnosis.tight_groups:
        assert g.n_inspections == len(g.inspections)
        assert g.demand == sum(
            int(problem.demand[problem.inspection_keys.index(k), BODIES.index(g.body)])
            for k in g.inspections
        )
        assert g.supply == hall_supply(problem, g.inspections, g.body) < g.demand
    structural = short or any(b.capacity < b.demand for b in diagnosis.bodies)
    event("infeasible: short team or body" if structural else "infeasible: Hall group only")
    assert ("competes for the same" in diagnosis.summary_en) == (not structural)
    assert diagnosis.smallest_feasible_cap == brute_smallest_cap(problem)
    json.dumps(diagnosis.as_dict(), ensure_ascii=False)


@settings(max_examples=120, deadline=None)
@given(st.one_of(small_problems(), grouped_problems()))
def test_smallest_feasible_cap_matches_brute_force(problem):
    assert M.smallest_feasible_cap(problem) == brute_smallest_cap(problem)


def scipy_max_filled(problem, cap):
    """Places filled by a maximum flow, computed by scipy (an independent max-flow code)."""
    slots = [(i, b, d) for i, b, d in slots_of(problem) if d]
    index = {(i, b): k + 1 for k, (i, b, _) in enumerate(slots)}
    n_s, n_o = len(slots), len(problem.officer_keys)
    sink = n_s + n_o + 1
    rows, cols, caps = [], [], []
    for k, (_, _, d) in enumerate(slots):
        rows, cols, caps = rows + [0], cols + [k + 1], caps + [d]
    for i, o in zip(problem.pair_i.tolist(), problem.pair_o.tolist(), strict=True):
        rows.append(index[(i, int(problem.officer_body[o]))])
        cols.append(n_s + 1 + o)
        caps.append(1)
    for o in range(n_o):
        rows, cols, caps = rows + [n_s + 1 + o], cols + [sink], caps + [int(cap[o])]
    graph = sparse.csr_array(
        (np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1)
    )
    return int(maximum_flow(graph, 0, sink).flow_value)


@pytest.mark.parametrize("seed", range(8))
def test_smallest_cap_and_max_flow_agree_with_scipy_on_larger_instances(seed):
    """Past the brute-force sizes (and past the sparse shortcut's threshold of 16 pairs per
    slot), with a group of inspections that only a few officers may serve."""
    rng = np.random.default_rng(seed)
    n_i, n_o, n_b = 150, 40, 1 + seed % 2
    officer_body = np.arange(n_o) % n_b
    demand = 2 * (rng.random((n_i, n_b)) < 0.7)
    demand[:, 0] = 2
    eligible = rng.random((n_i, n_o)) < [0.2, 0.45, 0.7, 0.95][seed % 4]
    tight = rng.integers(5, 30)
    eligible[:tight] &= np.arange(n_o) < 8  # these inspections share officers 0-7
    problem = make_problem(demand, officer_body, np.zeros(n_o), eligible, body_codes=BODIES[:n_b])
    total = int(problem.demand.sum())
    expected = next(
        (c for c in range(n_i + 1) if scipy_max_filled(problem, np.full(n_o, c)) == total), None
    )
    assert M.smallest_feasible_cap(problem) == expected
    caps = rng.integers(0, 12, n_o)
    diagnosis = M.diagnose(problem.with_cap(caps))
    assert diagnosis.max_filled == scipy_max_filled(problem, caps)
    assert diagnosis.feasible == (diagnosis.max_filled == total)
    assert diagnosis.smallest_feasible_cap == expected


def test_smallest_cap_when_one_place_is_missing_at_the_lower_bound():
    """40 officers, 299 places: the bound is 8, but inspections 0-12 (25 places) may only
    use officers 0-2, who give at most 24 at cap 8: the answer is 9, one place short at 8
    (and the other slots have far more than 16 eligible officers, so the sparse max flow
    runs first)."""
    n_i, n_o = 150, 40
    demand = np.full((n_i, 1), 2)
    demand[12, 0] = 1
    eligible = np.ones((n_i, n_o), dtype=bool)
    eligible[:13, 3:] = False
    problem = make_problem(demand, np.zeros(n_o), np.zeros(n_o), eligible)
    total = int(problem.demand.sum())
    assert total == 299 and -(-total // n_o) == 8
    assert scipy_max_filled(problem, np.full(n_o, 8)) == total - 1
    assert scipy_max_filled(problem, np.full(n_o, 9)) == total
    assert M.smallest_feasible_cap(problem) == 9


# --- the cost function ---------------------------------------------------------------------


def test_cost_is_pinned_to_the_spec():
    i, o = "DEMO-1/91370282MA3C5T4R2M", "37020020190001"
    digest = hashlib.sha256(f"{SEED}|DEMO-1|officer|{i}|{o}".encode()).hexdigest()
    assert M.cost(SEED, "DEMO-1", i, o) == int(digest[:10], 16) == 644155108433
    assert M.ALGORITHM == "sha256-mincost/1"


@settings(max_examples=40, deadline=None)
@given(
    seeds_st,
    st.lists(
        st.text(min_size=1, max_size=12).filter(lambda k: "|" not in k),
        min_size=1,
        max_size=8,
        unique=True,
    ),
    st.lists(
        st.text(min_size=1, max_size=12).filter(lambda k: "|" not in k),
        min_size=1,
        max_size=8,
        unique=True,
    ),
    st.randoms(use_true_random=False),
)
def test_costs_agree_with_cost_in_any_pair_order(seed, ik, ok, rnd):
    pairs = [(i, o) for i in range(len(ik)) for o in range(len(ok))]
    pairs = rnd.sample(pairs, rnd.randint(0, len(pairs)))
    if rnd.random() < 0.5:
        pairs.sort()  # grouped by inspection: the run-sharing path
    pair_i = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_o = np.array([p[1] for p in pairs], dtype=np.int32)
    got = M.costs(seed, "P-1", ik, ok, pair_i, pair_o)
    assert got.dtype == np.int64
    assert got.tolist() == [M.cost(seed, "P-1", ik[i], ok[o]) for i, o in pairs]
    assert all(0 <= c < 2**40 for c in got.tolist())


def test_costs_long_runs_and_chunks():
    n_i, n_o = 300, 250  # 75,000 pairs: more than one chunk, long runs per inspection
    pair_i, pair_o = np.nonzero(np.ones((n_i, n_o), dtype=bool))
    ik, ok = insp_keys(n_i), off_keys(n_o)
    got = M.costs(SEED, PLAN, ik, ok, pair_i, pair_o)
    for k in [0, 1, 249, 250, 65535, 65536, 74999]:
        assert got[k] == M.cost(SEED, PLAN, ik[pair_i[k]], ok[pair_o[k]])
    perm = np.random.default_rng(0).permutation(len(pair_i))
    assert np.array_equal(M.costs(SEED, PLAN, ik, ok, pair_i[perm], pair_o[perm]), got[perm])


def test_costs_rejects_bad_input():
    with pytest.raises(ValueError):
        M.costs("123", PLAN, ["a"], ["b"], [0], [0])  # seed too short
    with pytest.raises(ValueError):
        M.costs(SEED, "", ["a"], ["b"], [0], [0])
    with pytest.raises(ValueError):
        M.costs(SEED, PLAN, ["a"], ["b"], [1], [0])
    with pytest.raises(ValueError):
        M.costs(SEED, PLAN, ["a"], ["b"], [0, 0], [0])
    assert M.costs(SEED, PLAN, ["a"], ["b"], [], []).shape == (0,)


def test_replacement_takes_the_cheapest_candidate():
    i = "DEMO-1/91370282MA3C5T4R2M"
    candidates = off_keys(12)
    expected = min(candidates, key=lambda o: M.cost(SEED, PLAN, i, o))
    assert M.replacement(SEED, PLAN, i, candidates) == expected
    assert M.replacement(SEED, PLAN, i, iter(reversed(candidates))) == expected
    rest = [o for o in candidates if o != expected]
    assert M.replacement(SEED, PLAN, i, rest) == min(rest, key=lambda o: M.cost(SEED, PLAN, i, o))
    assert M.replacement(SEED, PLAN, i, []) is None


# --- determinism ---------------------------------------------------------------------------


def medium_problem(n_i=60, n_o=16, density=0.6, cap=None, seed=3, two_bodies=True):
    rng = np.random.default_rng(seed)
    officer_body = (np.arange(n_o) % 2) if two_bodies else np.zeros(n_o, dtype=np.int64)
    n_b = 2 if two_bodies else 1
    demand = 2 * (rng.random((n_i, n_b)) < 0.7)
    demand[:, 0] = 2
    eligible = rng.random((n_i, n_o)) < density
    for i in range(n_i):  # at least 3 eligible officers of each body
        for b in range(n_b):
            eligible[i, rng.choice(np.flatnonzero(officer_body == b), 3, replace=False)] = True
    cap = np.full(n_o, cap if cap is not None else n_i)
    return make_problem(demand, officer_body, cap, eligible, body_codes=BODIES[:n_b])


def same_match(a, b):
    return (
        np.array_equal(a.inspection, b.inspection)
        and np.array_equal(a.officer, b.officer)
        and np.array_equal(a.leader, b.leader)
        and np.array_equal(a.cost, b.cost)
        and a.total_cost == b.total_cost
    )


def test_same_inputs_same_match_and_pair_order_does_not_matter():
    base = medium_problem()
    cap = M.smallest_feasible_cap(base)
    problem = base.with_cap(cap)
    first = M.solve(problem, SEED, PLAN)
    assert same_match(first, M.solve(problem, SEED, PLAN))
    perm = np.random.default_rng(1).permutation(len(problem.pair_i))
    shuffled = replace(problem, pair_i=problem.pair_i[perm], pair_o=problem.pair_o[perm])
    assert same_match(first, M.solve(shuffled, SEED, PLAN))
    assert M.check_match(problem, first) == []
    # A different seed gives a different match.
    other = M.solve(problem, "98765432109876543210", PLAN)
    assert M.check_match(problem, other) == [] and other.total_cost != first.total_cost


def test_relabelling_inspections_and_officers_gives_the_same_teams():
    problem = medium_problem(n_i=30, n_o=12)
    rng = np.random.default_rng(2)
    pi, po = rng.permutation(30), rng.permutation(12)  # new index of old item: inverse below
    inv_i, inv_o = np.argsort(pi), np.argsort(po)
    relabelled = M.MatchProblem(
        inspection_keys=[problem.inspection_keys[k] for k in pi],
        officer_keys=[problem.officer_keys[k] for k in po],
        body_codes=list(reversed(problem.body_codes)),
        officer_body=1 - problem.officer_body[po],
        demand=problem.demand[pi][:, ::-1],
        cap=problem.cap[po],
        pair_i=inv_i[problem.pair_i],
        pair_o=inv_o[problem.pair_o],
    )
    a, b = M.solve(problem, SEED, PLAN), M.solve(relabelled, SEED, PLAN)
    assert sorted(map(tuple, a.rows(problem))) == sorted(map(tuple, b.rows(relabelled)))
    assert a.total_cost == b.total_cost


def spying(name):
    """Patch solver function ``name`` to record what it returns; yields the record list."""
    record = []
    original = getattr(M, name)

    def spy(*args):
        record.append(result := original(*args))
        return result

    return mock.patch.object(M, name, spy), record


def test_pruned_solves_are_certified_and_repaired():
    """Solving on the cheapest arcs first, then adding arcs that price out negative, must
    end at the optimum of the full problem, whichever pruning steps are used."""
    problem = medium_problem(n_i=120, n_o=30, density=0.8, two_bodies=False)
    assert M.smallest_feasible_cap(problem) == 8
    for cap in (8, 9, 30):
        problem = problem.with_cap(cap)
        with mock.patch.object(M, "_PRUNE_STEPS", (None,)):
            full = M.solve(problem, SEED, PLAN)
        assert M.verify_optimal(problem, full, SEED, PLAN)
        for steps in [M._PRUNE_STEPS, (2.0, None), (3.0, None), (2.0, 4.0, None)]:
            patch, certified = spying("_violated_arcs")
            with mock.patch.object(M, "_PRUNE_STEPS", steps), patch:
                pruned = M.solve(problem, SEED, PLAN)
            assert same_match(full, pruned), (cap, steps)
            if steps is M._PRUNE_STEPS:
                assert certified and len(certified[-1]) == 0  # proven optimal when pruned


def test_repair_loop_adds_arcs_until_optimal():
    problem = medium_problem(n_i=120, n_o=30, density=0.8, two_bodies=False).with_cap(9)
    patch, found = spying("_violated_arcs")
    with mock.patch.object(M, "_PRUNE_STEPS", (3.0, None)), patch:
        pruned = M.solve(problem, SEED, PLAN)
    assert len(found) >= 2 and len(found[0]) > 0 and len(found[-1]) == 0
    with mock.patch.object(M, "_PRUNE_STEPS", (None,)):
        assert same_match(pruned, M.solve(problem, SEED, PLAN))


def test_infeasible_pruned_problem_falls_back_to_all_arcs():
    problem = medium_problem(n_i=120, n_o=30, density=0.8, two_bodies=False).with_cap(8)
    patch, solved = spying("_solve_subset")
    with mock.patch.object(M, "_PRUNE_STEPS", (2.0, None)), patch:
        match = M.solve(problem, SEED, PLAN)
    assert solved[0] is None and solved[-1] is not None
    assert M.verify_optimal(problem, match, SEED, PLAN)


# --- fairness ------------------------------------------------------------------------------


def fairness_runs(n_seeds=300, biased=False):
    """19 inspections, 10 interchangeable officers, team 2, cap = balanced minimum (4: 38 of
    40 places are used, so who ends with 3 is up to the draw)."""
    problem = make_problem(np.full((19, 1), 2), np.zeros(10), np.full(10, 4), np.ones((19, 10)))
    assert M.smallest_feasible_cap(problem) == 4
    load = np.zeros((n_seeds, 10), dtype=np.int64)
    leads = np.zeros(10, dtype=np.int64)
    pair = np.zeros((19, 10), dtype=np.int64)
    real_costs = M.costs

    def skewed(*args):  # officer o pays o/9 of the cost range extra; pair (0, 0) is free
        c = real_costs(*args) // 2 + args[5].astype(np.int64) * (2**39 // 9)
        return np.where((args[4] == 0) & (args[5] == 0), 0, c)

    with mock.patch.object(M, "costs", skewed if biased else real_costs):
        for s in range(n_seeds):
            match = M.solve(problem, f"{10**19 + 7919 * s}", PLAN)
            np.add.at(load[s], match.officer, 1)
            np.add.at(leads, match.officer[match.leader], 1)
            np.add.at(pair, (match.inspection, match.officer), 1)
    return load, leads, pair


def uniform_p(counts):
    return stats.chisquare(counts).pvalue


def pair_bound_ok(pair, n_seeds):
    # each (inspection, officer) pair has probability 2/10 per seed by symmetry
    alpha = 0.001 / pair.size
    hi = stats.binom.isf(alpha, n_seeds, 0.2)
    lo = stats.binom.ppf(alpha, n_seeds, 0.2)
    return lo <= pair.min() and pair.max() <= hi


def test_officers_are_drawn_uniformly_over_300_seeds():
    load, leads, pair = fairness_runs()
    assert (load.sum(axis=1) == 38).all() and load.max() == 4
    assert uniform_p(load.sum(axis=0)) > 0.001  # assignments per officer
    assert uniform_p((load < 4).sum(axis=0)) > 0.001  # who is left with one fewer
    assert uniform_p(leads) > 0.001  # team leaders
    assert pair_bound_ok(pair, 300)  # no officer-entity pair markedly more likely


def test_fairness_statistics_detect_a_biased_cost():
    load, leads, pair = fairness_runs(n_seeds=150, biased=True)
    assert uniform_p((load < 4).sum(axis=0)) < 0.001
    assert uniform_p(leads) < 0.001
    assert not pair_bound_ok(pair, 150)


# --- diagnosis of specific infeasibilities ------------------------------------------------------


def test_diagnosis_names_the_short_inspection():
    eligible = np.ones((3, 4), dtype=bool)
    eligible[1, 1:] = False  # inspection 1: only officer 0
    problem = make_problem(np.full((3, 1), 2), np.zeros(4), np.full(4, 3), eligible)
    with pytest.raises(M.Infeasible) as info:
        M.solve(problem, SEED, PLAN)
    d = info.value.diagnosis
    assert d.short_teams == [M.ShortTeam(problem.inspection_keys[1], "MS", 1, 2)]
    assert d.smallest_feasible_cap is None
    assert problem.inspection_keys[1] in str(info.value)
    assert "no workload cap suffices" in d.summary_en and "合格执法人员少于所需人数" in d.summary_zh


def test_diagnosis_reports_body_capacity():
    problem = make_problem(
        np.full((6, 2), 2), [0, 0, 0, 1, 1, 1], [3, 3, 3, 4, 4, 4], np.ones((6, 6))
    )
    d = M.diagnose(problem)
    assert not d.feasible and d.max_filled == 21 and d.total_demand == 24
    assert d.bodies == [M.BodyLoad("MS", 12, 9, 3), M.BodyLoad("ZF", 12, 12, 3)]
    assert "body MS" in d.summary_en and "body ZF" not in d.summary_en
    assert d.smallest_feasible_cap == 4
    assert [g.body for g in d.tight_groups] == ["MS"]


def test_diagnosis_finds_the_group_competing_for_few_officers():
    # officers 0-1 alone serve inspections 0-2 (6 places, caps 2+2); 2-5 serve 3-4.
    eligible = np.zeros((5, 6), dtype=bool)
    eligible[:3, :2] = True
    eligible[3:, 2:] = True
    problem = make_problem(np.full((5, 1), 2), np.zeros(6), np.full(6, 2), eligible)
    d = M.diagnose(problem)
    assert not d.feasible and d.short_teams == []
    assert all(b.capacity >= b.demand for b in d.bodies)
    (g,) = d.tight_groups
    assert g.inspections == problem.inspection_keys[:3]
    assert g.officers == problem.officer_keys[:2]
    assert (g.demand, g.supply, g.n_officers) == (6, 4, 2)
    assert "competes for the same 2 officers" in d.summary_en
    assert "争用同样的 2 名执法人员" in d.summary_zh
    assert d.smallest_feasible_cap == 3
    assert json.loads(json.dumps(d.as_dict(), ensure_ascii=False))["tight_groups"][0]["supply"] == 4


def test_feasible_diagnosis_and_empty_problem():
    problem = make_problem(np.full((4, 1), 2), np.zeros(4), np.full(4, 2), np.ones((4, 4)))
    d = M.diagnose(problem)
    assert d.feasible and d.tight_groups == [] and d.smallest_feasible_cap == 2
    empty = make_problem(np.zeros((2, 1)), np.zeros(3), np.full(3, 1), np.ones((2, 3)))
    match = M.solve(empty, SEED, PLAN)
    assert len(match.officer) == 0 and match.total_cost == 0
    assert M.check_match(empty, match) == [] and M.smallest_feasible_cap(empty) == 0


# --- leaders, checker and export ------------------------------------------------------------


def test_one_leader_per_body_team_in_a_joint_plan():
    problem = medium_problem(n_i=20, n_o=12)
    match = M.solve(problem, SEED, PLAN)
    teams = int((problem.demand > 0).sum())
    assert int(match.leader.sum()) == teams == len(match.leaders(problem))
    for (i, b), o in match.leaders(problem).items():
        team = [
            (int(c), problem.officer_keys[x])
            for x, c, ii in zip(match.officer, match.cost, match.inspection, strict=True)
            if ii == i and problem.officer_body[x] == b
        ]
        assert min(team)[1] == problem.officer_keys[o]
    # rows are sorted by inspection, body, cost
    body = problem.officer_body[match.officer]
    keys = list(zip(match.inspection.tolist(), body.tolist(), match.cost.tolist(), strict=True))
    assert keys == sorted(keys)


def test_check_match_catches_tampering():
    problem = medium_problem(n_i=10, n_o=8)
    match = M.solve(problem, SEED, PLAN)
    assert M.check_match(problem, match) == []

    def tampered(**changes):
        fields = {k: getattr(match, k) for k in match.__dataclass_fields__}
        return M.Match(**{**fields, **changes})

    leader = match.leader.copy()
    leader[[0, 1]] = leader[[1, 0]]
    assert any("leader" in p for p in M.check_match(problem, tampered(leader=leader)))
    assert any("total" in p for p in M.check_match(problem, tampered(total_cost=1)))
    cost = match.cost.copy()
    cost[0] += 1
    assert any("wrong cost" in p for p in M.check_match(problem, tampered(cost=cost)))
    officer = match.officer.copy()
    officer[1] = officer[0]  # same officer twice in one team, and a team short
    found = M.check_match(problem, tampered(officer=officer))
    assert any("twice" in p for p in found) and any("wrong cost" in p for p in found)
    capped = problem.with_cap(1)
    assert any("over the cap" in p for p in M.check_match(capped, match))
    assert M.check_match(problem, tampered(seed="1")) != []
    assert not M.verify_optimal(problem, match, "98765432109876543210", PLAN)


def test_export_round_trip_and_audit():
    problem = medium_problem(n_i=15, n_o=10, density=1.0)
    match = M.solve(problem, SEED, PLAN)
    doc = json.loads(json.dumps(M.export_fields(problem, match)))
    assert doc["algorithm"] == "sha256-mincost/1" and doc["seed"] == SEED
    assert doc["inspections"][0]["entity"] == "91370282MA3C5T0000"
    assert M.audit_export(doc) == []
    again, copy = M.read_export(doc)
    assert copy.total_cost == match.total_cost and copy.rows(again) == match.rows(problem)
    # Swap one member of a team for an eligible, unused officer of the same body: still a
    # valid assignment, but not the optimum.
    insp, off = doc["assignment"][0][0], doc["assignment"][0][1]
    team = {o for i, o, _ in doc["assignment"] if i == insp}
    body = {o["key"]: o["body"] for o in doc["officers"]}
    load = {}
    for _, o, _ in doc["assignment"]:
        load[o] = load.get(o, 0) + 1
    caps = {o["key"]: o["cap"] for o in doc["officers"]}
    spare = next(
        o
        for i, o in doc["eligible"]
        if i == insp and o not in team and body[o] == body[off] and load.get(o, 0) < caps[o]
    )
    doc["assignment"] = [
        [i, spare if (i, o) == (insp, off) else o, lead] for i, o, lead in doc["assignment"]
    ]
    for row in doc["assignment"]:
        if row[0] == insp:
            members = [r for r in doc["assignment"] if r[0] == insp and body[r[1]] == body[row[1]]]
            best = min(members, key=lambda r: (M.cost(SEED, PLAN, r[0], r[1]), r[1]))
            row[2] = row is best
    problems = M.audit_export(doc)
    assert problems == ["the total cost is not the minimum: a cheaper assignment exists"]
    doc["algorithm"] = "other"
    assert M.audit_export(doc) != []


def test_potentials_find_negative_cycles():
    tails, heads = np.array([0, 1, 2]), np.array([1, 2, 0])
    assert M._potentials(3, tails, heads, np.array([1, 1, -3])) is None
    d = M._potentials(3, tails, heads, np.array([1, 1, -2]))
    assert d is not None and (np.array([1, 1, -2]) + d[tails] - d[heads] >= 0).all()
    n = 200  # a long negative cycle that the predecessor check must find
    ring = np.arange(n)
    assert M._potentials(n, ring, (ring + 1) % n, np.r_[np.full(n - 1, 5), -5 * n + 4]) is None


# --- validation -----------------------------------------------------------------------------


def test_problem_validation():
    ok = dict(
        inspection_keys=insp_keys(2),
        officer_keys=off_keys(2),
        body_codes=["MS"],
        officer_body=[0, 0],
        demand=[[2], [2]],
        cap=[2, 2],
        pair_i=[0, 0, 1, 1],
        pair_o=[0, 1, 0, 1],
    )
    M.MatchProblem(**ok)
    bad = [
        {"pair_i": [0, 0, 1, 1, 1], "pair_o": [0, 1, 0, 1, 1]},  # duplicate pair
        {"pair_i": [0, 0, 1, 2]},  # index out of range
        {"pair_o": [0, 1, 0, -1]},
        {"demand": [[2], [0]]},  # pair with a body that does not take part
        {"demand": [[2], [-1]]},
        {"cap": [2]},
        {"officer_body": [0, 1]},
        {"officer_keys": ["A", "A"]},
        {"inspection_keys": [f"{PLAN}/X", f"{PLAN}/X|"]},
        {"pair_i": [0.0, 0.0, 1.0, 1.0]},
    ]
    for change in bad:
        with pytest.raises(ValueError):
            M.MatchProblem(**{**ok, **change})
    problem = M.MatchProblem(**ok)
    with pytest.raises(ValueError):
        M.solve(problem, SEED, "OTHER")  # inspection keys must start with the plan code
    with pytest.raises(ValueError):
        M.solve(problem, "12345", PLAN)


@pytest.mark.parametrize("seed", range(8))
def test_smallest_limited_cap_agrees_with_scipy(seed):
    """With per-officer ceilings (daily cap x available days), the smallest uniform cap C
    such that min(C, ceiling) admits a full assignment, checked by a scan with scipy."""
    rng = np.random.default_rng(100 + seed)
    n_i, n_o = 60, 16
    officer_body = np.zeros(n_o, dtype=np.int64)
    demand = np.full((n_i, 1), 2)
    eligible = rng.random((n_i, n_o)) < 0.6
    problem = make_problem(demand, officer_body, np.zeros(n_o), eligible, body_codes=BODIES[:1])
    ceiling = rng.integers(2, 14, n_o)
    if seed % 3 == 0:
        ceiling[:] = 100  # no ceiling binds: the uniform answer
    total = int(problem.demand.sum())
    expected = next(
        (c for c in range(n_i + 1) if scipy_max_filled(problem, np.minimum(c, ceiling)) == total),
        None,
    )
    assert M.smallest_limited_cap(problem, ceiling) == expected
