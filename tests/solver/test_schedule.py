"""Tests of solver.schedule: the independent checker on random instances, a brute force on
tiny ones, determinism, town grouping, leave, spreading, reasons, and the calendar helper."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import schedule as S

REPO = Path(__file__).resolve().parents[2]
START = dt.date(2027, 3, 1)
SEED = "12345678901234567890|PLAN-2027-01"


def weekdays(n: int, start: dt.date = START) -> list[dt.date]:
    out, day = [], start
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(1)
    return out


@st.composite
def instances(draw, max_n=30, max_officers=8, max_days=8, max_cap=4, p_free=None):
    """(teams, towns, days, available, cap) with teams of 1..4 distinct officers."""
    n_off = draw(st.integers(2, max_officers))
    m = draw(st.integers(0, max_days))
    n = draw(st.integers(0, max_n))
    teams = [
        draw(st.lists(st.integers(0, n_off - 1), min_size=1, max_size=min(4, n_off), unique=True))
        for _ in range(n)
    ]
    towns = draw(st.lists(st.sampled_from([0, 1, 2, 7, 1000]), min_size=n, max_size=n))
    gaps = draw(st.lists(st.integers(1, 3), min_size=m, max_size=m))
    days = [START + dt.timedelta(int(g)) for g in np.cumsum(gaps)]
    p = draw(st.sampled_from([0.5, 0.8, 1.0])) if p_free is None else p_free
    bits = draw(st.lists(st.floats(0, 1), min_size=n_off * m, max_size=n_off * m))
    available = (
        (np.array(bits, dtype=float).reshape(n_off, m) < p)
        if m
        else np.zeros((n_off, 0), dtype=bool)
    )
    cap = draw(st.integers(1, max_cap))
    return teams, towns, days, available, cap


def run(teams, towns, days, available, cap=4, seed=SEED, **kw):
    sched = S.schedule_visits(teams, towns, days, available, cap_per_day=cap, seed=seed, **kw)
    assert S.check_schedule(sched, teams, towns, days, available, cap) == []
    return sched


def officer_day_towns(sched, teams, towns):
    out: dict[tuple[int, int], set[int]] = {}
    for i, d in enumerate(sched.day.tolist()):
        if d >= 0:
            for o in teams[i]:
                out.setdefault((o, d), set()).add(towns[i])
    return out


# --- the checker on random instances ---------------------------------------------------------


@given(instances(), st.text(max_size=12))
@settings(max_examples=150, deadline=None)
def test_checker_accepts_every_output(inst, seed):
    teams, towns, days, available, cap = inst
    sched = run(teams, towns, days, available, cap, seed=seed)
    s = sched.stats
    assert s.scheduled + s.unscheduled == len(teams)
    assert s.combinations >= s.combinations_lower_bound
    if days and s.day_target is not None:
        assert s.day_target >= cap


@given(instances(max_n=40, max_officers=10, max_days=10), st.sampled_from([None, 0.0, 0.5]))
@settings(max_examples=60, deadline=None)
def test_checker_accepts_every_output_whatever_the_slack(inst, slack):
    teams, towns, days, available, cap = inst
    run(teams, towns, days, available, cap, day_slack=slack, max_passes=2)


@given(instances(max_n=12, max_officers=5, max_days=4, max_cap=2))
@settings(max_examples=150, deadline=None)
def test_reasons_hold_without_the_exact_repair(inst):
    # repair_time=0 leaves the greedy's leftovers alone; the improvement moves after it may
    # free a day for one, and a "daily cap" reason must still be true of the final plan
    teams, towns, days, available, cap = inst
    run(teams, towns, days, available, cap, repair_time=0.0)


def test_leftovers_get_days_that_improvement_moves_free():
    # without the repair, the greedy leaves inspections over; a later improvement move frees
    # a day for one of them, which must then be used (or its "daily cap" reason is false)
    teams = [[0, 2], [1, 2], [1, 4], [1, 4], [2, 3], [0, 4], [2, 4], [0, 4], [1, 4]]
    towns = [0, 1, 1, 1, 0, 0, 1, 1, 2]
    available = np.array([[1, 1, 1], [1, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=bool)
    sched = run(teams, towns, weekdays(3), available, cap=2, seed="x", repair_time=0.0)
    assert sched.stats.repaired == 0 and sched.stats.moves > 0


def test_checker_catches_broken_schedules():
    teams, towns, days = [[0, 1], [0, 2], [1, 2]], [0, 0, 1], weekdays(3)
    available = np.ones((3, 3), dtype=bool)
    available[2, 0] = False
    sched = run(teams, towns, days, available, cap=1)
    assert sched.stats.scheduled == 3

    def broken(day, **stats):
        fields = {**sched.stats.__dict__, **stats}
        return S.Schedule(np.array(day), sched.days, (), S.ScheduleStats(**fields))

    d = sched.day.tolist()
    assert any(
        "not a candidate day" in p
        for p in S.check_schedule(broken([3, d[1], d[2]]), teams, towns, days, available, 1)
    )
    # inspection 1 (officers 0, 2) on day 0, when officer 2 is on leave
    problems = S.check_schedule(broken([1, 0, 2]), teams, towns, days, available, 1)
    assert any("officer 2 not available" in p for p in problems)
    # two inspections of officer 0 on one day with cap 1
    problems = S.check_schedule(broken([1, 1, 2]), teams, towns, days, available, 1)
    assert any("officer 0 has 2 > 1" in p for p in problems)
    problems = S.check_schedule(
        broken(d, combinations=sched.stats.combinations + 1), teams, towns, days, available, 1
    )
    assert any("stats.combinations" in p for p in problems)
    problems = S.check_schedule(broken([-1, d[1], d[2]]), teams, towns, days, available, 1)
    assert any("unscheduled reasons" in p for p in problems)


# --- brute force on tiny instances ---------------------------------------------------------


def brute_max_scheduled(teams, days, available, cap):
    """The most inspections any schedule can place (every choice of day or none)."""
    choices = [
        [-1] + [d for d in range(len(days)) if all(available[o, d] for o in t)] for t in teams
    ]
    best = 0
    for pick in itertools.product(*choices):
        load: dict[tuple[int, int], int] = {}
        fine = True
        for t, d in zip(teams, pick, strict=True):
            if d < 0:
                continue
            for o in t:
                load[o, d] = load.get((o, d), 0) + 1
                fine &= load[o, d] <= cap
        if fine:
            best = max(best, sum(d >= 0 for d in pick))
            if best == len(teams):
                break
    return best


@given(instances(max_n=5, max_officers=4, max_days=4, max_cap=2), st.text(max_size=6))
@settings(max_examples=300, deadline=None)
def test_tiny_instances_schedule_as_many_as_brute_force(inst, seed):
    teams, towns, days, available, cap = inst
    sched = run(teams, towns, days, available, cap, seed=seed)
    best = brute_max_scheduled(teams, days, available, cap)
    assert sched.stats.scheduled == best  # in particular: all, whenever all is feasible


def test_repair_fixes_what_the_greedy_leaves():
    # cap 1, three days; the greedy alone leaves one inspection without a day
    teams, towns = [[1, 2], [0, 2], [0, 1]], [1, 1, 0]
    available = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 0]], dtype=bool)
    sched = run(teams, towns, weekdays(3), available, cap=1, seed="x")
    assert sched.stats.repaired >= 1 and sched.stats.unscheduled == 0


# --- determinism ------------------------------------------------------------------------------


@given(instances(max_n=25), st.text(max_size=8))
@settings(max_examples=40, deadline=None)
def test_same_input_and_seed_same_schedule(inst, seed):
    teams, towns, days, available, cap = inst
    a = run(teams, towns, days, available, cap, seed=seed)
    b = run(teams, towns, days, available.copy(), cap, seed=seed)
    assert a.day.tolist() == b.day.tolist()
    assert a.unscheduled == b.unscheduled
    assert a.stats.combinations == b.stats.combinations and a.stats.moves == b.stats.moves


def test_seed_breaks_ties():
    # one inspection, ten identical days: only the seed decides
    days = weekdays(10)
    chosen = {
        int(run([[0, 1]], [0], days, np.ones((2, 10), bool), seed=f"s{k}").day[0])
        for k in range(20)
    }
    assert len(chosen) > 3


def test_teams_as_lists_or_csr_agree():
    rng = np.random.default_rng(7)
    teams = [
        sorted(rng.choice(12, size=int(rng.integers(2, 5)), replace=False).tolist())
        for _ in range(60)
    ]
    towns = rng.integers(0, 4, size=60).tolist()
    days = weekdays(8)
    available = rng.random((12, 8)) < 0.9
    a = run(teams, towns, days, available)
    b = S.schedule_visits(S.Teams.from_lists(teams), np.array(towns), days, available, seed=SEED)
    assert a.day.tolist() == b.day.tolist()
    assert S.check_schedule(b, S.Teams.from_lists(teams), towns, days, available) == []


_SUBPROCESS = """
import datetime as dt, hashlib, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from solver import schedule as S
rng = np.random.default_rng(3)
teams = [rng.choice(40, size=2, replace=False).tolist() for _ in range(400)]
towns = rng.integers(0, 5, size=400).tolist()
days = [dt.date(2027, 3, 1) + dt.timedelta(k) for k in range(15)]
available = rng.random((40, 15)) < 0.85
s = S.schedule_visits(teams, towns, days, available, cap_per_day=3, seed="seed|P-1")
print(json.dumps([s.day.tolist(), [list(u) for u in s.unscheduled]]))
"""


def test_no_dependence_on_hash_randomisation():
    outs = {
        subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, str(REPO)],
            env={"PYTHONHASHSEED": str(h), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for h in (1, 2, 3)
    }
    assert len(outs) == 1
    assert len(json.loads(outs.pop())[0]) == 400


# --- the objective ---------------------------------------------------------------------------


def test_one_town_per_officer_day_when_days_are_plentiful():
    # six fixed pairs, each with 6 visits in its own town, and cross pairs sharing an officer
    # with two other pairs, each with 3 visits in a town of its own
    teams, towns = [], []
    for p in range(6):
        teams += [[2 * p, 2 * p + 1]] * 6
        towns += [p] * 6
        teams += [[2 * p, (2 * p + 3) % 12]] * 3
        towns += [10 + p] * 3
    days = weekdays(20)
    available = np.ones((12, 20), dtype=bool)
    sched = run(teams, towns, days, available, cap=4)
    assert sched.stats.unscheduled == 0
    assert all(len(z) == 1 for z in officer_day_towns(sched, teams, towns).values())
    assert sched.stats.mixed_officer_days == 0
    assert sched.stats.combinations == sched.stats.combinations_lower_bound


def test_two_half_days_in_different_towns_are_not_merged():
    # officer 0 has two visits in town 0 (with 1) and two in town 1 (with 2): all four fit
    # one day (cap 4) at the same combination count, but each town should get its own day,
    # even though the other day already carries three visits of officers 3 and 4
    teams = [[3, 4]] * 3 + [[0, 1], [0, 1], [0, 2], [0, 2]]
    towns = [5] * 3 + [0, 0, 1, 1]
    available = np.ones((5, 2), dtype=bool)
    available[3, 0] = False
    sched = run(teams, towns, weekdays(2), available, cap=4)
    assert sched.stats.combinations == 6 and sched.stats.mixed_officer_days == 0
    assert sched.day[3] == sched.day[4] != sched.day[5] == sched.day[6]


def test_fewer_combinations_than_random_days():
    rng = np.random.default_rng(11)
    n, n_off, m = 600, 60, 20
    teams = [rng.choice(n_off, size=2, replace=False).tolist() for _ in range(n)]
    towns = rng.integers(0, 6, size=n).tolist()
    available = rng.random((n_off, m)) < 0.9
    sched = run(teams, towns, weekdays(m), available, cap=4)
    assert sched.stats.unscheduled == 0
    load = np.zeros((n_off, m), int)
    combos = set()
    for i in rng.permutation(n).tolist():
        ok = np.flatnonzero(available[teams[i]].all(0) & (load[teams[i]] < 4).all(0))
        d = int(rng.choice(ok))
        load[teams[i], d] += 1
        combos.update((o, d, towns[i]) for o in teams[i])
    assert sched.stats.combinations < 0.75 * len(combos)


def test_leave_days_are_never_used():
    rng = np.random.default_rng(5)
    n_off, m = 10, 10
    available = np.ones((n_off, m), dtype=bool)
    available[0, :5] = False  # officer 0 on leave the first week
    available[1, 5:] = False  # officer 1 the second
    teams = [rng.choice(n_off, size=2, replace=False).tolist() for _ in range(60)]
    teams += [[0, 2]] * 6 + [[1, 3]] * 6
    towns = rng.integers(0, 3, size=len(teams)).tolist()
    sched = run(teams, towns, weekdays(m), available, cap=4)
    clash = [i for i, t in enumerate(teams) if {0, 1} <= set(t)]
    assert clash  # the random teams include the pair that never works on the same day
    assert [(u.inspection, u.code, u.officers) for u in sched.unscheduled] == [
        (i, S.NO_JOINT_DAY, (0, 1)) for i in clash
    ]
    for i, d in enumerate(sched.day.tolist()):
        if i in clash:
            continue
        if 0 in teams[i]:
            assert d >= 5
        if 1 in teams[i]:
            assert 0 <= d < 5


def test_daily_cap_is_honoured_when_tight():
    # officer 0 is in 12 inspections over 4 days with cap 3: every day exactly full
    teams = [[0, k] for k in range(1, 13)]
    sched = run(teams, [k % 3 for k in range(12)], weekdays(4), np.ones((13, 4), bool), cap=3)
    assert sched.stats.unscheduled == 0
    assert np.bincount(sched.day, minlength=4).tolist() == [3, 3, 3, 3]


@pytest.mark.parametrize("slack", [0.1, 0.0])
@pytest.mark.parametrize("instance", range(4))
def test_uniform_input_spreads_evenly(slack, instance):
    rng = np.random.default_rng(instance)
    n, n_off, m = 800, 80, 20
    teams = [rng.choice(n_off, size=2, replace=False).tolist() for _ in range(n)]
    towns = rng.integers(0, 5, size=n).tolist()
    sched = run(teams, towns, weekdays(m), np.ones((n_off, m), bool), cap=4, day_slack=slack)
    s = sched.stats
    assert s.unscheduled == 0
    assert s.max_day_load <= s.day_target
    mean = n / m
    assert s.max_day_load - s.min_day_load <= 0.25 * mean and s.min_day_load >= 0.85 * mean


def test_slack_none_only_minimises_combinations():
    rng = np.random.default_rng(2)
    n, n_off, m = 800, 80, 20
    teams = [rng.choice(n_off, size=2, replace=False).tolist() for _ in range(n)]
    towns = rng.integers(0, 5, size=n).tolist()
    sched = run(teams, towns, weekdays(m), np.ones((n_off, m), bool), cap=4, day_slack=None)
    assert sched.stats.day_target is None and sched.stats.unscheduled == 0


# --- reasons ------------------------------------------------------------------------------------


def test_reason_team_never_available_together():
    available = np.ones((4, 6), dtype=bool)
    available[0, 3:] = False  # officer 0: first half only
    available[1, :3] = False  # officer 1: second half only
    sched = run([[0, 1], [2, 3]], [0, 0], weekdays(6), available)
    assert sched.day[0] == -1 and sched.day[1] >= 0
    (u,) = sched.unscheduled
    assert (u.inspection, u.code, u.officers) == (0, S.NO_JOINT_DAY, (0, 1))
    assert "no working day when all of the team is available" in u.message


def test_reason_officer_never_available():
    available = np.ones((3, 4), dtype=bool)
    available[2] = False
    (u,) = run([[0, 1, 2]], [0], weekdays(4), available).unscheduled
    assert (u.code, u.officers) == (S.NO_JOINT_DAY, (2,))


def test_reason_three_pairwise_overlapping_but_never_all_together():
    available = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=bool)
    (u,) = run([[0, 1, 2, 3]], [0], weekdays(3), available).unscheduled
    assert (u.code, u.officers) == (S.NO_JOINT_DAY, (0, 1, 2))


def test_reason_daily_cap():
    # officer 0 can work one inspection a day on two days but has three
    teams = [[0, 1], [0, 2], [0, 3]]
    sched = run(teams, [0, 1, 2], weekdays(2), np.ones((4, 2), bool), cap=1)
    (u,) = sched.unscheduled
    assert u.code == S.DAILY_CAP and u.officers == (0,)
    assert "daily cap (1) of officer(s) 0" in u.message


def test_reason_no_working_day():
    sched = run([[0, 1]], [0], [], np.zeros((2, 0), bool))
    assert [u.code for u in sched.unscheduled] == [S.NO_WORKING_DAY]
    assert sched.stats.max_day_load == sched.stats.min_day_load == 0


def test_empty_plan():
    sched = run([], [], weekdays(3), np.ones((2, 3), bool))
    assert sched.day.tolist() == [] and sched.stats.combinations == 0


# --- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teams", "towns", "n_days", "shape", "cap", "match"),
    [
        ([[0, 0]], [0], 2, (2, 2), 4, "twice in one team"),
        ([[0, 5]], [0], 2, (2, 2), 4, "not an officer index"),
        ([[]], [0], 2, (2, 2), 4, "non-empty team"),
        ([[0, 1]], [0, 1], 2, (2, 2), 4, "one non-empty team per inspection"),
        ([[0, 1]], [0], 2, (2, 3), 4, "shape"),
        ([[0, 1]], [-1], 2, (2, 2), 4, "non-negative"),
        ([[0, 1]], [0], 2, (2, 2), 0, "cap_per_day"),
    ],
)
def test_bad_input(teams, towns, n_days, shape, cap, match):
    with pytest.raises(ValueError, match=match):
        S.schedule_visits(teams, towns, weekdays(n_days), np.ones(shape, bool), cap_per_day=cap)


def test_days_must_increase():
    with pytest.raises(ValueError, match="strictly increasing"):
        S.schedule_visits([[0, 1]], [0], weekdays(3)[::-1], np.ones((2, 3), bool))


# --- the working-day calendar helper ----------------------------------------------------------


def test_add_working_days():
    cal = weekdays(40, dt.date(2027, 4, 26))  # Monday 26 April onwards
    cal = [d for d in cal if not dt.date(2027, 5, 3) <= d <= dt.date(2027, 5, 5)]  # holiday
    friday = dt.date(2027, 4, 30)
    assert S.add_working_days(cal, friday, 1) == dt.date(2027, 5, 6)  # after weekend + holiday
    assert S.add_working_days(cal, dt.date(2027, 5, 1), 1) == dt.date(2027, 5, 6)  # Saturday
    assert S.add_working_days(cal, dt.date(2027, 4, 26), 4) == friday
    visit = dt.date(2027, 4, 28)
    deadline = S.add_working_days(cal, visit, 20)
    assert sum(visit < d <= deadline for d in cal) == 20 and deadline in cal
    with pytest.raises(ValueError, match="ends before"):
        S.add_working_days(cal, cal[-1], 1)
    with pytest.raises(ValueError, match="positive"):
        S.add_working_days(cal, visit, 0)


def test_schedule_dates():
    sched = run([[0, 1], [0, 1]], [0, 0], weekdays(2), np.array([[1, 0], [1, 1]], bool), cap=1)
    assert sched.dates == [weekdays(2)[0], None] or sched.dates == [None, weekdays(2)[0]]
