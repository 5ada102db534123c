"""Benchmark: officer match (spec draw-v1 section 4, ``sha256-mincost/1``) at district and
city size, and the sequential draw that real platforms use as a baseline.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_match.py
        [--only district-SC,district-SC-competence,district-25,city]
        [--baseline-seeds 20] [--ours-seeds 3] [--repeat 3] [--no-baseline]

Instances (synthetic, team size 2, eligibility 60 % minus 2 % conflicts):

- ``district-SC``: 11,000 inspections, the 520 officers of the market-supervision bureau;
- ``district-SC-competence``: the same bureau, but each inspection item needs one of 12
  competences (officers hold 3) and teams come from other towns (所所交叉): about 28 %
  eligibility, with structure;
- ``district-25``: 11,000 joint inspections (a lead body drawn in proportion to its
  officers, a second body with probability 1/2), 2,304 officers in the 25 bodies of
  ``data/reference/bodies.csv``;
- ``city``: 110,000 inspections in 10 districts, 23,040 officers (10 x the district); an
  inspection's eligible officers are those of its bodies in its own district (about 230
  per inspection).

Each instance runs in a fresh process (so that peak RSS is its own). The cap is the balanced
minimum (``smallest_feasible_cap``, the tightest feasible uniform cap). ``solve()`` runs
``--repeat`` times (districts; default 3) and the median run is reported, split into
hashing the costs and the flow (pruned solves, their certificate, building the match);
"problem s" is building and validating ``MatchProblem``; "verify s" is ``verify_optimal``
(re-hashing every pair and the Bellman-Ford certificate). "peak RSS (instance)" is the peak
after generating the synthetic arrays, "peak RSS" the peak after solving. Targets: district
under 3 s and 1 GiB for ``solve()``, city under 30 s.

The baseline: for each inspection in random order, draw the team at random from the eligible
officers that are not yet full, and give up on the plan when fewer remain than the team
needs. It runs ``--baseline-seeds`` times at caps of 100 %, 110 % and 125 % of the balanced
minimum; ours solves ``--ours-seeds`` seeds at each cap (whether a match exists does not
depend on the seed: ours fails only where no match exists).

Results are printed as markdown table rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from data import REFERENCE_DIR  # noqa: E402
from solver import match as M  # noqa: E402

PLAN = "2024-SJ-0001"
SEEDS = [f"{20240601 * 10**12 + 7919 * k:020d}" for k in range(100)]
DENSITY = 0.6 * 0.98  # eligibility minus conflicts
SCENARIOS = ["district-SC", "district-SC-competence", "district-25", "city"]
PERF_HEADER = (
    "| instance | inspections | officers | bodies | eligible pairs | cap | problem s "
    "| balanced cap s | costs s | flow s | solve() s | solve() CPU s | verify s "
    "| peak RSS MiB (instance) | peak RSS MiB |\n" + "|---" * 15 + "|"
)
BASE_HEADER = (
    "| instance | cap | % of balanced min | sequential: failed plans | sequential: mean "
    "unfilled places when failed | ours: failed plans |\n|---|---|---|---|---|---|"
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def body_sizes() -> tuple[list[str], np.ndarray]:
    with open(REFERENCE_DIR / "bodies.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["code"] for r in rows], np.array([int(r["officers"]) for r in rows])


def _expand(slot_first: np.ndarray, slot_size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(slot index, officer index) for every officer in ``[first, first + size)`` of a slot."""
    slot = np.repeat(np.arange(len(slot_first)), slot_size)
    start = np.cumsum(slot_size) - slot_size
    officer = slot_first[slot] + (np.arange(len(slot)) - start[slot])
    return slot, officer


def instance(name: str, rng: np.random.Generator) -> dict:
    """Keyword arguments of ``MatchProblem`` for the named instance (caps still 0)."""
    codes, sizes = body_sizes()
    if name == "district-SC-competence":
        return competence_instance(rng)
    if name == "district-SC":
        n_insp, codes, sizes, districts = 11_000, ["SC"], np.array([520]), 1
    elif name == "district-25":
        n_insp, districts = 11_000, 1
    elif name == "city":
        n_insp, districts = 110_000, 10
    else:
        raise SystemExit(f"unknown instance {name}")
    n_b = len(codes)
    # Officers: district-major, then body: officer index = first[district, body] + k.
    first = (np.arange(districts)[:, None] * sizes.sum() + (np.cumsum(sizes) - sizes)).astype(
        np.int64
    )
    officer_body = np.tile(np.repeat(np.arange(n_b), sizes), districts)
    n_off = len(officer_body)
    # Inspections: a district, a lead body in proportion to its officers, maybe a second.
    district = rng.integers(0, districts, n_insp)
    p = sizes / sizes.sum()
    lead = rng.choice(n_b, n_insp, p=p)
    demand = np.zeros((n_insp, n_b), dtype=np.int64)
    demand[np.arange(n_insp), lead] = 2
    if n_b > 1:
        second = rng.choice(n_b, n_insp, p=p)
        joint = (rng.random(n_insp) < 0.5) & (second != lead)
        demand[np.flatnonzero(joint), second[joint]] = 2
    pair_i, pair_o = [], []
    for lo in range(0, n_insp, 10_000):  # chunks keep the generator's memory small
        si, sb = np.nonzero(demand[lo : lo + 10_000])
        slot, officer = _expand(first[district[lo + si], sb], sizes[sb])
        keep = rng.random(len(slot)) < DENSITY
        keep |= (np.bincount(slot[keep], minlength=len(si)) < 2)[slot]  # staffable teams
        pair_i.append((lo + si[slot[keep]]).astype(np.int32))
        pair_o.append(officer[keep].astype(np.int32))
    return dict(
        inspection_keys=[f"{PLAN}/91370282{k:010d}" for k in range(n_insp)],
        officer_keys=[f"37{officer_body[o]:02d}{o:08d}" for o in range(n_off)],
        body_codes=codes,
        officer_body=officer_body,
        demand=demand,
        cap=np.zeros(n_off, dtype=np.int64),
        pair_i=np.concatenate(pair_i),
        pair_o=np.concatenate(pair_o),
    )


def competence_instance(rng: np.random.Generator) -> dict:
    """11,000 market-supervision inspections, each of one of 12 item categories (some far
    more common than others); the 520 officers each hold 3 of the 12 competences and work in
    one of 18 towns; an officer may inspect an entity if competent, not in his own town
    (cross-jurisdiction teams, 所所交叉) and not conflicted (2 %)."""
    n_insp, n_off, n_cat, n_town = 11_000, 520, 12, 18
    weight = 1.0 / np.arange(1, n_cat + 1)
    category = rng.choice(n_cat, n_insp, p=weight / weight.sum())
    competent = np.zeros((n_off, n_cat), dtype=bool)
    for o in range(n_off):
        competent[o, rng.choice(n_cat, 3, replace=False)] = True
    town_i, town_o = rng.integers(0, n_town, n_insp), rng.integers(0, n_town, n_off)
    eligible = competent[:, category].T & (town_i[:, None] != town_o[None, :])
    eligible &= rng.random(eligible.shape) >= 0.02
    pair_i, pair_o = np.nonzero(eligible)
    return dict(
        inspection_keys=[f"{PLAN}/91370282{k:010d}" for k in range(n_insp)],
        officer_keys=[f"3700{o:08d}" for o in range(n_off)],
        body_codes=["SC"],
        officer_body=np.zeros(n_off, dtype=np.int64),
        demand=np.full((n_insp, 1), 2),
        cap=np.zeros(n_off, dtype=np.int64),
        pair_i=pair_i.astype(np.int32),
        pair_o=pair_o.astype(np.int32),
    )


def sequential(problem: M.MatchProblem, cap: int, seed: int) -> int:
    """The baseline draw; returns the number of places left unfilled (0: plan complete)."""
    rnd = random.Random(seed)
    n_slots = problem.n_slots
    _, slot_i, _, slot_demand = problem._slots
    order = np.argsort(problem._pair_slot, kind="stable")
    officers_of = problem.pair_o[order]
    bounds = np.r_[0, np.cumsum(np.bincount(problem._pair_slot, minlength=n_slots))].tolist()
    slots_of_insp: dict[int, list[int]] = {}
    for s, i in enumerate(slot_i.tolist()):
        slots_of_insp.setdefault(i, []).append(s)
    inspections = list(slots_of_insp)
    rnd.shuffle(inspections)
    load = np.zeros(len(problem.officer_keys), dtype=np.int64)
    unfilled = 0
    for i in inspections:
        for s in slots_of_insp[i]:
            cand = officers_of[bounds[s] : bounds[s + 1]]
            cand = cand[load[cand] < cap]
            need = int(slot_demand[s])
            if len(cand) < need:
                unfilled += need - len(cand)
                load[cand] += 1
                continue
            load[cand[rnd.sample(range(len(cand)), need)]] += 1
    return unfilled


def run_one(name: str, args) -> dict:
    rng = np.random.default_rng(2019)
    fields = instance(name, rng)
    rss_instance = peak_rss_mib()
    t = time.perf_counter()
    problem = M.MatchProblem(**fields)
    t_problem = time.perf_counter() - t
    del fields
    t = time.perf_counter()
    cap = M.smallest_feasible_cap(problem)
    t_cap = time.perf_counter() - t
    if cap is None:
        raise SystemExit(f"{name}: no cap makes the instance feasible")
    problem = problem.with_cap(cap)

    runs = []  # (solve wall s, solve CPU s, costs s, flow s), one per repetition
    real_costs, real_flow = M.costs, M._optimal_pairs
    for _ in range(1 if name == "city" else args.repeat):
        timings = {"costs": 0.0, "flow": 0.0}

        def timed(key, fn, timings=timings):
            def wrapper(*a, **k):
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    timings[key] += time.perf_counter() - t0

            return wrapper

        M.costs, M._optimal_pairs = timed("costs", real_costs), timed("flow", real_flow)
        try:
            t, c = time.perf_counter(), time.process_time()
            match = M.solve(problem, SEEDS[0], PLAN)
            runs.append(
                (
                    time.perf_counter() - t,
                    time.process_time() - c,
                    timings["costs"],
                    timings["flow"],
                )
            )
        finally:
            M.costs, M._optimal_pairs = real_costs, real_flow
    t_solve, t_cpu, t_costs, t_flow = sorted(runs)[len(runs) // 2]  # the median run
    rss = peak_rss_mib()
    assert M.check_match(problem, match) == []
    t_verify = None
    if name != "city":
        t = time.perf_counter()
        assert M.verify_optimal(problem, match, SEEDS[0], PLAN)
        t_verify = time.perf_counter() - t
    row = {
        "name": name,
        "inspections": len(problem.inspection_keys),
        "officers": len(problem.officer_keys),
        "bodies": len(problem.body_codes),
        "pairs": len(problem.pair_i),
        "cap": cap,
        "problem": t_problem,
        "balanced": t_cap,
        "costs": t_costs,
        "flow": t_flow,
        "solve": t_solve,
        "cpu": t_cpu,
        "verify": t_verify,
        "rss_instance": rss_instance,
        "rss": rss,
        "baseline": [],
    }
    if args.no_baseline or name == "city":
        return row
    for pct in (100, 110, 125):
        c = math.ceil(cap * pct / 100)
        lost = [sequential(problem, c, seed) for seed in range(args.baseline_seeds)]
        failed = [x for x in lost if x]
        ours_failed = 0
        for seed in SEEDS[: args.ours_seeds]:
            try:
                m = M.solve(problem.with_cap(c), seed, PLAN)
                assert M.check_match(problem.with_cap(c), m) == []
            except M.Infeasible:
                ours_failed += 1
        row["baseline"].append(
            {
                "cap": c,
                "pct": pct,
                "seq_failed": len(failed),
                "seq_runs": len(lost),
                "seq_mean_unfilled": (sum(failed) / len(failed)) if failed else 0.0,
                "ours_failed": ours_failed,
                "ours_runs": args.ours_seeds,
            }
        )
    return row


def fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def perf_row(r: dict) -> str:
    return (
        f"| {r['name']} | {r['inspections']:,} | {r['officers']:,} | {r['bodies']} "
        f"| {r['pairs']:,} | {r['cap']} | {fmt(r['problem'])} | {fmt(r['balanced'])} "
        f"| {fmt(r['costs'])} | {fmt(r['flow'])} | {fmt(r['solve'])} | {fmt(r['cpu'])} "
        f"| {fmt(r['verify'])} | {r['rss_instance']:.0f} | {r['rss']:.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--baseline-seeds", type=int, default=20)
    parser.add_argument("--ours-seeds", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="solves per district (median)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args)))
        return 0
    rows = []
    for name in args.only.split(","):
        cmd = [sys.executable, __file__, "--child", name]
        cmd += ["--baseline-seeds", str(args.baseline_seeds), "--ours-seeds", str(args.ours_seeds)]
        cmd += ["--repeat", str(args.repeat)]
        if args.no_baseline:
            cmd.append("--no-baseline")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        r = rows[-1]
        print(perf_row(r), file=sys.stderr, flush=True)  # progress
    print(PERF_HEADER)
    for r in rows:
        print(perf_row(r))
    if any(r["baseline"] for r in rows):
        print()
        print(BASE_HEADER)
        for r in rows:
            for b in r["baseline"]:
                print(
                    f"| {r['name']} | {b['cap']} | {b['pct']} % "
                    f"| {b['seq_failed']}/{b['seq_runs']} | {b['seq_mean_unfilled']:.1f} "
                    f"| {b['ours_failed']}/{b['ours_runs']} |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
