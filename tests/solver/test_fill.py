"""`solver.fill`: the fullest filling of short teams, and the cheapest among the fullest."""

import itertools

import numpy as np
import pytest

from solver.fill import fill


def brute(need, pairs, cost, room, group=None, group_room=None):
    """(places filled, total cost) of the best choice, by enumeration."""
    best = (0, 0)
    n = len(pairs)
    for r in range(n + 1):
        for chosen in itertools.combinations(range(n), r):
            per_slot = np.bincount([pairs[k][0] for k in chosen], minlength=len(need))
            per_off = np.bincount([pairs[k][1] for k in chosen], minlength=len(room))
            if np.any(per_slot > need) or np.any(per_off > room):
                continue
            if group is not None:
                per_group = np.bincount([group[k] for k in chosen], minlength=len(group_room))
                if np.any(per_group > group_room):
                    continue
            value = (r, -sum(cost[k] for k in chosen))
            if value > (best[0], -best[1]):
                best = (r, -value[1])
    return best


@pytest.mark.parametrize("seed", range(40))
def test_fill_is_the_fullest_and_then_the_cheapest(seed):
    rng = np.random.default_rng(seed)
    n_s, n_o = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    pairs = [(s, o) for s in range(n_s) for o in range(n_o) if rng.random() < 0.7][:9]
    need = rng.integers(0, 3, n_s)
    room = rng.integers(0, 3, n_o)
    cost = rng.integers(0, 1 << 40, len(pairs))
    # An officer-day per (officer, slot parity): two "days".
    group = [o * 2 + s % 2 for s, o in pairs]
    group_room = rng.integers(0, 2, n_o * 2)
    for g, gr in ((None, None), (group, group_room)):
        chosen = fill(
            need,
            [s for s, _ in pairs],
            [o for _, o in pairs],
            cost,
            room,
            None if g is None else np.array(g),
            gr,
        )
        got = (len(chosen), int(sum(cost[k] for k in chosen)))
        assert got == brute(need, pairs, cost, room, g, gr)


def test_fill_refuses_inconsistent_input():
    with pytest.raises(ValueError):
        fill([1], [0, 0], [0, 0], [1, 2], [1])  # the same pair twice
    with pytest.raises(ValueError):
        fill([1], [0], [0, 1], [1], [1, 1])
    assert len(fill([0], [0], [0], [5], [1])) == 0
