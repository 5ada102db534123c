"""`fit_schedule`: teams fitted to the calendar (every accepted match can be scheduled).

Properties on small random instances: the result keeps every rule (independent
`check_schedule`, totals under the cap, members eligible, each body's count kept, the
swaps replay the teams), and it leaves an inspection without a day only when brute force
finds no teams and days at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.schedule import check_schedule, fit_schedule, schedule_visits

DAYS = [dt.date(2027, 3, 1) + dt.timedelta(days=k) for k in range(5)]


def test_triangle_needs_a_fourth_officer():
    """Three teams over three officers, one visit a day each, two days: a triangle cannot
    be scheduled (each day's teams must be disjoint); a fourth officer fixes it."""
    teams = [[0, 1], [0, 2], [1, 2]]
    available = np.ones((4, 2), dtype=bool)
    raw = schedule_visits(teams, [0, 0, 0], DAYS[:2], available, cap_per_day=1)
    assert len(raw.unscheduled) == 1
    fitted = fit_schedule(
        teams, [0, 0, 0], DAYS[:2], available, lambda i, o: [3], np.full(4, 2), cap_per_day=1
    )
    assert not fitted.schedule.unscheduled
    assert [s.added for s in fitted.swaps] == [3]
    assert check_schedule(fitted.schedule, fitted.teams, [0, 0, 0], DAYS[:2], available, 1) == []


def test_exact_step_when_everyone_is_at_the_cap():
    """Two halves that never meet, mixed teams, every officer at the total cap: no single
    swap helps; the exact step regroups the teams within the halves."""
    available = np.array([[1, 0]] * 2 + [[0, 1]] * 2, dtype=bool)
    teams = [[0, 2], [1, 3]]
    body = np.zeros(4, dtype=np.int64)
    fitted = fit_schedule(
        teams,
        [0, 0],
        DAYS[:2],
        available,
        lambda i, o: [c for c in range(4) if c != o],
        np.full(4, 1),
        cap_per_day=1,
        eligible=lambda i: range(4),
        officer_body=body,
    )
    assert not fitted.schedule.unscheduled
    assert sorted(map(sorted, fitted.teams)) == [[0, 1], [2, 3]]


@st.composite
def instances(draw):
    n_off = draw(st.integers(3, 5))
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    cap_day = draw(st.integers(1, 2))
    available = np.array(
        draw(
            st.lists(
                st.lists(st.booleans(), min_size=m, max_size=m), min_size=n_off, max_size=n_off
            )
        ),
        dtype=bool,
    )
    eligible = [
        sorted(draw(st.sets(st.integers(0, n_off - 1), min_size=2, max_size=n_off)))
        for _ in range(n)
    ]
    teams = [sorted(draw(st.permutations(e))[:2]) for e in eligible]
    total_cap = np.array(draw(st.lists(st.integers(1, 3), min_size=n_off, max_size=n_off)))
    load = Counter(o for t in teams for o in t)
    total_cap = np.maximum(total_cap, [load[o] for o in range(n_off)])  # the match's caps hold
    towns = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    return n_off, m, cap_day, available, eligible, teams, total_cap, towns


def brute_force_exists(n_off, m, cap_day, available, eligible, total_cap) -> bool:
    choices = [
        [
            (pair, d)
            for pair in itertools.combinations(e, 2)
            for d in range(m)
            if available[list(pair), d].all()
        ]
        for e in eligible
    ]
    for pick in itertools.product(*choices):
        day_load = Counter((o, d) for pair, d in pick for o in pair)
        total = Counter(o for pair, _d in pick for o in pair)
        if all(v <= cap_day for v in day_load.values()) and all(
            total[o] <= total_cap[o] for o in total
        ):
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(instances())
def test_fitted_schedules_keep_every_rule_and_fail_only_when_nothing_exists(inst):
    n_off, m, cap_day, available, eligible, teams, total_cap, towns = inst
    body = np.zeros(n_off, dtype=np.int64)
    fitted = fit_schedule(
        teams,
        towns,
        DAYS[:m],
        available,
        lambda i, o: [c for c in eligible[i] if c not in teams[i]],
        total_cap,
        cap_per_day=cap_day,
        eligible=lambda i: eligible[i],
        officer_body=body,
    )
    s = fitted.schedule
    assert check_schedule(s, fitted.teams, towns, DAYS[:m], available, cap_day) == []
    total = Counter(o for t in fitted.teams for o in t)
    assert all(total[o] <= total_cap[o] for o in total)
    for i, t in enumerate(fitted.teams):
        assert len(t) == 2 and len(set(t)) == 2
        assert set(t) <= set(eligible[i]) | set(teams[i])
    replay = [list(t) for t in teams]
    for swap in fitted.swaps:
        replay[swap.inspection][replay[swap.inspection].index(swap.removed)] = swap.added
    assert [sorted(t) for t in replay] == [sorted(t) for t in fitted.teams]
    exists = brute_force_exists(n_off, m, cap_day, available, eligible, total_cap)
    assert (not s.unscheduled) == exists
