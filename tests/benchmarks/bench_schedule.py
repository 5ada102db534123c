"""Benchmark: schedule a district-size plan's visits with solver.schedule.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_schedule.py [--inspections 11000] [--officers 520]

Synthetic instance: random teams of two (every officer in at most ``ceil(2n / officers) + 1``
teams, i.e. ~43 for the defaults: 11,000 teams of two need 22,000 officer slots, so a plan
cap of ~22 per officer cannot hold at this size), 18 towns, the weekdays of
2027-03-01..2027-04-30 as working days, 10 % of the officers on leave for one or two
weeks, daily cap 4. It times ``schedule_visits``, checks the result with
``check_schedule``, and compares the (officer, day, town) combination count with a naive
baseline (each inspection on a random feasible day) and with the lower bound
``sum ceil(visits per officer and town / cap)``.
Prints markdown table rows; the target is under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from solver.schedule import Teams, check_schedule, schedule_visits  # noqa: E402

SEED = "20270301000000000042|BENCH-2027-1"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def instance(n: int, n_off: int, n_towns: int, rng: np.random.Generator):
    start, end = dt.date(2027, 3, 1), dt.date(2027, 4, 30)
    days = [
        start + dt.timedelta(k)
        for k in range((end - start).days + 1)
        if (start + dt.timedelta(k)).weekday() < 5
    ]
    m = len(days)
    per = -(-2 * n // n_off) + 1
    slots = rng.permutation(np.repeat(np.arange(n_off), per))[: 2 * n].reshape(n, 2)
    for i in np.flatnonzero(slots[:, 0] == slots[:, 1]).tolist():  # no officer twice in a team
        while slots[i, 0] == slots[i, 1]:
            j = int(rng.integers(n))
            if slots[j, 1] not in (slots[i, 0],) and slots[i, 1] != slots[j, 0]:
                slots[i, 1], slots[j, 1] = slots[j, 1], slots[i, 1]
    towns = rng.integers(n_towns, size=n)
    available = np.ones((n_off, m), dtype=bool)
    for o in rng.choice(n_off, size=n_off // 10, replace=False).tolist():
        length = int(rng.integers(5, 11))  # one or two working weeks
        first = int(rng.integers(0, m - length + 1))
        available[o, first : first + length] = False
    return Teams(np.arange(0, 2 * n + 1, 2), slots.reshape(-1)), towns, days, available


def naive(teams: Teams, towns, available, cap: int, rng: np.random.Generator):
    """Each inspection, in random order, on a uniformly random feasible day."""
    n, (n_off, m) = len(towns), available.shape
    load = np.zeros((n_off, m), dtype=np.int64)
    day = np.full(n, -1)
    for i in rng.permutation(n).tolist():
        t = teams.team(i)
        ok = np.flatnonzero(available[t].all(axis=0) & (load[t] < cap).all(axis=0))
        if len(ok):
            day[i] = ok[rng.integers(len(ok))]
            load[t, day[i]] += 1
    owner = np.repeat(np.arange(n), 2)
    s = day[owner] >= 0
    combos = len(set(zip(teams.members[s], day[owner][s], towns[owner][s], strict=True)))
    per_day = np.bincount(day[day >= 0], minlength=m)
    return combos, int((day >= 0).sum()), per_day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=11_000)
    parser.add_argument("--officers", type=int, default=520)
    parser.add_argument("--towns", type=int, default=18)
    parser.add_argument("--cap", type=int, default=4)
    args = parser.parse_args()

    rng = np.random.default_rng(2027)
    teams, towns, days, available = instance(args.inspections, args.officers, args.towns, rng)
    base_combos, base_scheduled, base_days = naive(teams, towns, available, args.cap, rng)
    baseline_rss = peak_rss_mib()

    print(
        "| variant | inspections | officers | days | s | scheduled | combinations "
        "| lower bound | naive combinations | mixed officer-days | max/min day load "
        "| officer max/day | moves | repaired | peak RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for label, slack in (("day_slack=0.1 (default)", 0.1), ("day_slack=None", None)):
        t = time.perf_counter()
        sched = schedule_visits(
            teams, towns, days, available, cap_per_day=args.cap, seed=SEED, day_slack=slack
        )
        elapsed = time.perf_counter() - t
        worst = max(worst, elapsed)
        problems = check_schedule(sched, teams, towns, days, available, args.cap)
        if problems:
            print("\n".join(problems[:20]), file=sys.stderr)
            return 1
        s = sched.stats
        print(
            f"| {label} | {args.inspections:,} | {args.officers} | {len(days)} | {elapsed:.2f} "
            f"| {s.scheduled:,} | {s.combinations:,} | {s.combinations_lower_bound:,} "
            f"| {base_combos:,} | {s.mixed_officer_days:,} | {s.max_day_load}/{s.min_day_load} "
            f"| {s.max_officer_day_load} | {s.moves:,} | {s.repaired} | {peak_rss_mib():.0f} "
            f"({baseline_rss:.0f}) |"
        )
    print(
        f"| naive (random feasible day) | {args.inspections:,} | {args.officers} | {len(days)} "
        f"| - | {base_scheduled:,} | {base_combos:,} | - | - | - "
        f"| {base_days.max()}/{base_days.min()} | - | - | - | - |"
    )
    return 0 if worst < 10 else 2


if __name__ == "__main__":
    sys.exit(main())
