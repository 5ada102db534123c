"""Filling short teams after the match (补齐检查组), with the match's cost function.

Some teams lost members (recusals, officers who became unavailable) and nobody replaced
them at the time. ``fill`` gives them officers from the capacity left: a min-cost maximum
flow

    slot (inspection, body) --1, cost(i, o)--> [officer-day] --room that day--> officer
    officer --room left under the cap--> sink,  supply(slot) = places missing

so that as many places as possible are filled and, among the fullest fillings, the total
of the spec's 40-bit costs is smallest. Members already on a team stay: only the missing
places are flows. Officer-day nodes are used once the visits have dates (the daily cap).
Pure numpy and OR-Tools; the caller maps keys to indices.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow


def fill(
    need: np.ndarray,
    pair_slot: np.ndarray,
    pair_officer: np.ndarray,
    pair_cost: np.ndarray,
    room: np.ndarray,
    pair_group: np.ndarray | None = None,
    group_room: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of the chosen pairs.

    - ``need[s]``: places missing in slot ``s``;
    - ``(pair_slot[k], pair_officer[k])``: officer may join slot, at ``pair_cost[k]`` (>= 0);
    - ``room[o]``: inspections officer ``o`` may still take;
    - ``pair_group[k]`` (optional): the officer-day of pair ``k``, with ``group_room[g]``
      places left that day; every pair of a group must have the same officer.
    """
    need = np.asarray(need, dtype=np.int64)
    pair_slot = np.asarray(pair_slot, dtype=np.int64)
    pair_officer = np.asarray(pair_officer, dtype=np.int64)
    pair_cost = np.asarray(pair_cost, dtype=np.int64)
    room = np.maximum(np.asarray(room, dtype=np.int64), 0)
    n_s, n_o, n_p = len(need), len(room), len(pair_slot)
    if not (len(pair_officer) == len(pair_cost) == n_p):
        raise ValueError("pair arrays differ in length")
    if n_p == 0 or int(need.sum()) == 0:
        return np.zeros(0, dtype=np.int64)
    if np.any(pair_cost < 0) or np.any(need < 0):
        raise ValueError("costs and needs must not be negative")
    if len(np.unique(pair_slot * n_o + pair_officer)) != n_p:
        raise ValueError("a (slot, officer) pair is given twice")
    grouped = pair_group is not None
    n_g = int(len(group_room)) if grouped else 0
    officer0 = n_s
    group0 = n_s + n_o
    sink = group0 + n_g
    net = min_cost_flow.SimpleMinCostFlow()
    if grouped:
        pair_group = np.asarray(pair_group, dtype=np.int64)
        group_room = np.maximum(np.asarray(group_room, dtype=np.int64), 0)
        group_officer = np.full(n_g, -1, dtype=np.int64)
        group_officer[pair_group] = pair_officer
        if np.any(group_officer[pair_group] != pair_officer):
            raise ValueError("an officer-day group holds pairs of two officers")
        used = np.flatnonzero(group_officer >= 0)
        net.add_arcs_with_capacity_and_unit_cost(
            group0 + used, officer0 + group_officer[used], group_room[used], np.zeros(len(used))
        )
        heads = group0 + pair_group
    else:
        heads = officer0 + pair_officer
    pair_arcs = net.add_arcs_with_capacity_and_unit_cost(
        pair_slot, heads, np.ones(n_p, dtype=np.int64), pair_cost
    )
    net.add_arcs_with_capacity_and_unit_cost(
        officer0 + np.arange(n_o), np.full(n_o, sink), room, np.zeros(n_o, dtype=np.int64)
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_s] = need
    supplies[sink] = -int(need.sum())
    net.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = net.solve_max_flow_with_min_cost()
    if status != net.OPTIMAL:  # pragma: no cover - bounded integer problem
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = net.flows(pair_arcs)
    return np.flatnonzero(flows > 0)
