"""Officer match of spec draw-v1 section 4, algorithm ``sha256-mincost/1`` (科学匹配).

Every drawn inspection ``i`` (key ``plan_code + "/" + entity key``) and every officer ``o``
(key: certificate number, 执法证号) get ``cost(i, o)``, the first 5 bytes of
``SHA256(seed|plan_code|officer|i|o)`` as an unsigned 40-bit integer. The match is a
minimum-total-cost solution of the plan's constraints, solved as a min-cost flow:

    slot (inspection, body) --1, cost(i, o)--> officer --cap, 0--> sink
    supply(slot) = team size of that body at that inspection, supply(sink) = -total

Capacity 1 on the slot arcs makes every team consist of distinct officers. The team leader
of each (inspection, body) team is its member with the smallest cost (ties, which need
equal 40-bit costs, go to the smaller certificate number); a single-body plan therefore has
one leader per inspection, a joint plan one per body and inspection.

The caller turns its records into arrays (``MatchProblem``, ids -> indices); this module
sees only keys, indices and integers: numpy and OR-Tools, no database.

Speed: hashing every eligible pair is the floor (one SHA-256 block per pair, the
inspection's prefix state is shared). No officer serves two bodies, so each body's flow is
solved on its own. The flow is first solved on the cheapest arcs of each slot only (about
8); the result is then proven optimal for the full problem with node potentials
(shortest-path distances in the residual graph, Bellman-Ford in numpy): no left-out arc may
have a negative reduced cost. Left-out arcs that do are added and the flow is solved again,
so the answer is always the optimum of the full problem.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from solver.draw import validate_seed

try:  # CPython's built-in SHA-256 avoids OpenSSL's per-call overhead (see solver.draw)
    from _sha256 import sha256 as _sha256  # Python <= 3.11
except ImportError:  # pragma: no cover - depends on the interpreter build
    try:
        from _sha2 import sha256 as _sha256  # Python >= 3.12
    except ImportError:
        _sha256 = hashlib.sha256

ALGORITHM = "sha256-mincost/1"

_CHUNK = 1 << 16  # pairs hashed per batch
_CHECK_CHUNK = 1 << 22  # left-out arcs priced per batch
# Expected number of arcs kept per slot in the successive pruned solves; None = all arcs.
_PRUNE_STEPS: tuple[float | None, ...] = (8.0, 32.0, None)
_MAX_TOTAL_DEMAND = 1 << 22  # keeps every total cost below 2**62
_LIST_LIMIT = 20  # entries per list in a diagnosis


def _check_plan_code(plan_code: str) -> None:
    if not isinstance(plan_code, str) or not plan_code:
        raise ValueError(f"plan_code must be a non-empty string: {plan_code!r}")


# --- costs ----------------------------------------------------------------------------------


def cost(seed: str, plan_code: str, inspection_key: str, officer_key: str) -> int:
    """``cost(i, o)`` of spec section 4: the first 5 bytes of
    ``SHA256(seed|plan_code|officer|i|o)`` as an unsigned 40-bit big-endian integer."""
    validate_seed(seed)
    _check_plan_code(plan_code)
    return _cost(seed, plan_code, inspection_key, officer_key)


def _cost(seed: str, plan_code: str, inspection_key: str, officer_key: str) -> int:
    message = f"{seed}|{plan_code}|officer|{inspection_key}|{officer_key}".encode()
    return int.from_bytes(hashlib.sha256(message).digest()[:5], "big")


def costs(
    seed: str,
    plan_code: str,
    inspection_keys: Sequence[str],
    officer_keys: Sequence[str],
    pair_i: np.ndarray,
    pair_o: np.ndarray,
) -> np.ndarray:
    """``cost(inspection_keys[pair_i[k]], officer_keys[pair_o[k]])`` for every k, as int64.

    The hot path: one SHA-256 state per inspection holds ``seed|plan_code|officer|i|`` and is
    copied for each of its pairs; pairs grouped by inspection (any order of the groups) share
    the copy method within a run.
    """
    validate_seed(seed)
    _check_plan_code(plan_code)
    pair_i, pair_o = _pair_arrays(pair_i, pair_o, len(inspection_keys), len(officer_keys))
    out = np.empty(len(pair_i), dtype=np.int64)
    if not len(pair_i):
        return out
    base = _sha256(f"{seed}|{plan_code}|officer|".encode())

    def prefixed(key: str):
        h = base.copy()
        h.update(f"{key}|".encode())
        return h

    prefixes = [prefixed(key) for key in inspection_keys]
    officer_bytes = np.empty(len(officer_keys), dtype=object)  # gathered in C below
    officer_bytes[:] = [key.encode() for key in officer_keys]
    for lo in range(0, len(pair_i), _CHUNK):
        ins = pair_i[lo : lo + _CHUNK]
        offs = officer_bytes[pair_o[lo : lo + _CHUNK]].tolist()
        cuts = (np.flatnonzero(ins[1:] != ins[:-1]) + 1).tolist()
        if 8 * len(cuts) < len(ins):  # long runs of one inspection: one copy method per run
            digests: list[bytes] = []
            for a, b in zip([0, *cuts], [*cuts, len(ins)], strict=True):
                copy = prefixes[int(ins[a])].copy
                digests += [(h := copy()).update(x) or h.digest() for x in offs[a:b]]
        else:
            digests = [
                (h := prefixes[i].copy()).update(x) or h.digest()
                for i, x in zip(ins.tolist(), offs, strict=True)
            ]
        words = np.frombuffer(b"".join(digests), dtype=">u8")[::4]
        out[lo : lo + len(digests)] = (words >> np.uint64(24)).astype(np.int64)
    return out


def replacement(
    seed: str, plan_code: str, inspection_key: str, candidate_officer_keys: Iterable[str]
) -> str | None:
    """The replacement rule of spec section 4: the candidate with the smallest cost.

    The caller passes only eligible candidates (same body, valid certificate, not conflicted,
    not already on the team, under the workload cap, available on the date). Ties (equal
    40-bit costs) go to the smaller key. None when there is no candidate.
    """
    validate_seed(seed)
    _check_plan_code(plan_code)
    best = None
    for key in candidate_officer_keys:
        rank = (_cost(seed, plan_code, inspection_key, key), key)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[1]


# --- the problem ------------------------------------------------------------------------------


def _pair_arrays(pair_i, pair_o, n_insp: int, n_off: int) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, values, n in (("pair_i", pair_i, n_insp), ("pair_o", pair_o, n_off)):
        arr = np.asarray(values)
        if arr.size == 0:
            arr = arr.astype(np.int64).reshape(-1)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must be a 1-D integer array")
        if arr.dtype not in (np.int32, np.int64):
            arr = arr.astype(np.int64)
        if len(arr) and (arr.min() < 0 or arr.max() >= n):
            raise ValueError(f"{name} has an index outside 0..{n - 1}")
        out.append(arr)
    if len(out[0]) != len(out[1]):
        raise ValueError("pair_i and pair_o must have the same length")
    return out[0], out[1]


def _check_keys(name: str, keys: Sequence[str]) -> list[str]:
    keys = list(keys)
    for key in keys:
        if not isinstance(key, str) or not key or "|" in key:
            raise ValueError(f"{name}: a key must be a non-empty string without '|': {key!r}")
    if len(set(keys)) != len(keys):
        dup = next(k for k, n in _counts(keys).items() if n > 1)
        raise ValueError(f"{name}: duplicate key {dup!r}")
    return keys


def _counts(keys: Sequence[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
    return seen


def _rank(keys: Sequence[str]) -> np.ndarray:
    """Position of each key in ascending order (code point order = UTF-8 byte order)."""
    rank = np.empty(len(keys), dtype=np.int64)
    if keys:
        rank[np.argsort(np.array(keys), kind="stable")] = np.arange(len(keys))
    return rank


def _int_array(name: str, values, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size == 0:
        arr = arr.astype(np.int64).reshape(shape)
    if arr.dtype.kind not in "iu" or arr.shape != shape:
        raise ValueError(f"{name} must be an integer array of shape {shape}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must not be negative")
    return arr


@dataclass(frozen=True, eq=False)
class MatchProblem:
    """The match problem as arrays; the solver never sees database ids.

    - ``inspection_keys[i]``: ``plan_code + "/" + entity key``;
    - ``officer_keys[o]``: certificate number; ``body_codes[b]``: enforcement body code;
    - ``officer_body[o]``: index into ``body_codes``;
    - ``demand[i, b]``: team size of body ``b`` at inspection ``i`` (0: not taking part);
    - ``cap[o]``: workload cap (inspections in this plan);
    - ``(pair_i[k], pair_o[k])``: the eligible pairs (certificate valid, competent, not
      conflicted, available). Each officer's body must take part in the inspection.

    Construction validates everything (ValueError) and normalises arrays to int64 (pairs
    keep an int32 dtype if given one). Pairs sorted by (inspection, officer) index are
    checked fastest.
    """

    inspection_keys: Sequence[str]
    officer_keys: Sequence[str]
    body_codes: Sequence[str]
    officer_body: np.ndarray
    demand: np.ndarray
    cap: np.ndarray
    pair_i: np.ndarray
    pair_o: np.ndarray

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "inspection_keys", _check_keys("inspection_keys", self.inspection_keys))
        setattr_(self, "officer_keys", _check_keys("officer_keys", self.officer_keys))
        setattr_(self, "body_codes", _check_keys("body_codes", self.body_codes))
        n_i, n_o, n_b = len(self.inspection_keys), len(self.officer_keys), len(self.body_codes)
        officer_body = _int_array("officer_body", self.officer_body, (n_o,))
        if n_o and officer_body.max() >= n_b:
            raise ValueError(f"officer_body has an index outside 0..{n_b - 1}")
        demand = _int_array("demand", self.demand, (n_i, n_b))
        if int(demand.sum()) > _MAX_TOTAL_DEMAND:
            raise ValueError(f"total demand must not exceed {_MAX_TOTAL_DEMAND}")
        cap = _int_array("cap", self.cap, (n_o,))
        pair_i, pair_o = _pair_arrays(self.pair_i, self.pair_o, n_i, n_o)
        setattr_(self, "officer_body", officer_body)
        setattr_(self, "demand", demand)
        setattr_(self, "cap", cap)
        setattr_(self, "pair_i", pair_i)
        setattr_(self, "pair_o", pair_o)

        pair_body = officer_body[pair_o]
        bad = np.flatnonzero(demand[pair_i, pair_body] == 0)
        if len(bad):
            k = int(bad[0])
            raise ValueError(
                f"eligible pair ({self.inspection_keys[pair_i[k]]}, "
                f"{self.officer_keys[pair_o[k]]}): body "
                f"{self.body_codes[pair_body[k]]} does not take part in this inspection"
            )
        dup = _duplicate_pair(pair_i, pair_o, n_i, n_o)
        if dup is not None:
            raise ValueError(
                f"duplicate eligible pair ({self.inspection_keys[dup[0]]}, "
                f"{self.officer_keys[dup[1]]})"
            )

    # Derived arrays, computed once. Slots (inspection, body) with demand > 0 are numbered
    # in ascending (inspection key, body code) order, officers in ascending key order, so
    # that the flow network depends on the keys only, not on the caller's index order.

    @cached_property
    def _orank(self) -> np.ndarray:
        return _rank(self.officer_keys)

    @cached_property
    def _slots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(slot number per (i, b) or -1, inspection per slot, body per slot, demand per slot)."""
        n_i, n_b = self.demand.shape
        irank, brank = _rank(self.inspection_keys), _rank(self.body_codes)
        canon = irank[:, None] * n_b + brank[None, :]  # canonical flat position of (i, b)
        active = self.demand > 0
        marked = np.zeros(n_i * n_b, dtype=bool)
        marked[canon[active]] = True
        number = np.cumsum(marked) - 1
        slot_of = np.where(active, number[canon], -1)
        slot_i, slot_b = np.nonzero(active)
        order = np.argsort(slot_of[slot_i, slot_b])
        slot_i, slot_b = slot_i[order], slot_b[order]
        return slot_of, slot_i, slot_b, self.demand[slot_i, slot_b]

    @property
    def n_slots(self) -> int:
        return len(self._slots[1])

    @cached_property
    def _pair_slot(self) -> np.ndarray:
        return self._slots[0][self.pair_i, self.officer_body[self.pair_o]]

    @cached_property
    def _pair_body(self) -> np.ndarray:
        return self.officer_body[self.pair_o]

    @cached_property
    def _body_nodes(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per body: its slots (canonical order) and its officers (ascending key order).
        Bodies share no officer, so each body's flow problem is independent."""
        n_b = len(self.body_codes)
        slot_b = self._slots[2]
        slot_order = np.argsort(slot_b, kind="stable")
        slot_bounds = np.searchsorted(slot_b[slot_order], np.arange(n_b + 1))
        off_order = np.lexsort((self._orank, self.officer_body))
        off_bounds = np.searchsorted(self.officer_body[off_order], np.arange(n_b + 1))
        return [
            (
                slot_order[slot_bounds[b] : slot_bounds[b + 1]],
                off_order[off_bounds[b] : off_bounds[b + 1]],
            )
            for b in range(n_b)
        ]

    @cached_property
    def _local(self) -> tuple[np.ndarray, np.ndarray]:
        """Position of each slot and each officer among those of its body."""
        slot_local = np.empty(self.n_slots, dtype=np.int64)
        officer_local = np.empty(len(self.officer_keys), dtype=np.int64)
        for slots, officers in self._body_nodes:
            slot_local[slots] = np.arange(len(slots))
            officer_local[officers] = np.arange(len(officers))
        return slot_local, officer_local

    @cached_property
    def _pairs_by_body(self) -> list[np.ndarray]:
        """Indices of the pairs of each body."""
        n_b = len(self.body_codes)
        body = self._pair_body.astype(np.int16 if n_b < 2**15 else np.int64)
        order = np.argsort(body, kind="stable")  # radix sort for 16-bit keys
        bounds = np.searchsorted(body[order], np.arange(n_b + 1))
        return [order[bounds[b] : bounds[b + 1]] for b in range(n_b)]

    @cached_property
    def _body_order(self) -> list[int]:
        """Body indices in ascending code order."""
        return sorted(range(len(self.body_codes)), key=self.body_codes.__getitem__)

    @property
    def total_demand(self) -> int:
        return int(self.demand.sum())

    def with_cap(self, cap: int | np.ndarray) -> MatchProblem:
        """The same problem with another cap: one int for every officer (the "balanced"
        mode's ``smallest_feasible_cap``), or one per officer."""
        cap = _int_array(
            "cap",
            np.broadcast_to(np.asarray(cap), (len(self.officer_keys),)),
            (len(self.officer_keys),),
        )
        other = copy.copy(self)  # keeps the validated arrays and the derived ones (no cap)
        object.__setattr__(other, "cap", cap)
        return other


def _duplicate_pair(pair_i, pair_o, n_i: int, n_o: int) -> tuple[int, int] | None:
    if len(pair_i) < 2:
        return None
    comb = pair_i.astype(np.int64) * n_o + pair_o
    if np.all(comb[1:] > comb[:-1]):
        return None
    if n_i * n_o <= 1 << 26:
        seen = np.zeros(n_i * n_o, dtype=bool)
        seen[comb] = True
        if int(np.count_nonzero(seen)) == len(comb):
            return None
    ordered = np.sort(comb)
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if not len(same):
        return None
    i, o = divmod(int(ordered[same[0]]), n_o)
    return i, o


# --- the result -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Match:
    """The assignment: row ``k`` puts officer ``officer[k]`` on inspection ``inspection[k]``.

    Rows are sorted by inspection index, then body index, then cost (then officer key);
    ``leader[k]`` marks the first row of each (inspection, body) team, its minimum-cost
    member. ``cost[k]`` is that pair's cost; ``total_cost`` their sum (a Python int).
    """

    algorithm: str
    seed: str
    plan_code: str
    inspection: np.ndarray
    officer: np.ndarray
    leader: np.ndarray
    cost: np.ndarray
    total_cost: int

    def rows(self, problem: MatchProblem) -> list[list]:
        """``[inspection key, officer key, is_leader]`` per row (the auditor export's shape)."""
        ik, ok = problem.inspection_keys, problem.officer_keys
        return [
            [ik[i], ok[o], bool(lead)]
            for i, o, lead in zip(
                self.inspection.tolist(), self.officer.tolist(), self.leader.tolist(), strict=True
            )
        ]

    def leaders(self, problem: MatchProblem) -> dict[tuple[int, int], int]:
        """``{(inspection index, body index): officer index}`` of every team's leader."""
        body = problem.officer_body[self.officer]
        rows = np.flatnonzero(self.leader)
        return {
            (int(self.inspection[k]), int(body[k])): int(self.officer[k]) for k in rows.tolist()
        }


def _build_match(
    problem: MatchProblem, seed: str, plan_code: str, chosen: np.ndarray, pair_cost: np.ndarray
) -> Match:
    i = problem.pair_i[chosen].astype(np.int64)
    o = problem.pair_o[chosen].astype(np.int64)
    c = pair_cost[chosen]
    b = problem.officer_body[o]
    order = np.lexsort((problem._orank[o], c, b, i))
    i, o, c, b = i[order], o[order], c[order], b[order]
    leader = np.ones(len(i), dtype=bool)
    leader[1:] = (i[1:] != i[:-1]) | (b[1:] != b[:-1])
    return Match(ALGORITHM, seed, plan_code, i, o, leader, c, int(c.sum()))


class Infeasible(Exception):
    """No assignment satisfies the constraints; ``diagnosis`` says why."""

    def __init__(self, diagnosis: Diagnosis):
        super().__init__(f"{diagnosis.summary_zh} / {diagnosis.summary_en}")
        self.diagnosis = diagnosis


# --- solving ----------------------------------------------------------------------------------


def solve(problem: MatchProblem, seed: str, plan_code: str) -> Match:
    """The minimum-total-cost assignment (spec section 4); raises Infeasible if none exists.

    The result depends only on the keys and pairs of ``problem`` (not on array order),
    the seed and the plan code.
    """
    validate_seed(seed)
    _check_plan_code(plan_code)
    prefix = plan_code + "/"
    for key in problem.inspection_keys:
        if not key.startswith(prefix):
            raise ValueError(f"inspection key {key!r} does not start with {prefix!r}")
    pair_cost = costs(
        seed,
        plan_code,
        problem.inspection_keys,
        problem.officer_keys,
        problem.pair_i,
        problem.pair_o,
    )
    chosen = _optimal_pairs(problem, pair_cost)
    if chosen is None:
        raise Infeasible(diagnose(problem))
    return _build_match(problem, seed, plan_code, chosen, pair_cost)


def _optimal_pairs(problem: MatchProblem, pair_cost: np.ndarray) -> np.ndarray | None:
    """Indices of the pairs of a min-cost assignment, or None if there is none."""
    slot = problem._pair_slot
    if problem.n_slots == 0:
        return np.empty(0, dtype=np.int64)
    if np.any(np.bincount(slot, minlength=problem.n_slots) < problem._slots[3]):
        return None
    for step in _PRUNE_STEPS:
        keep = (
            np.ones(len(slot), dtype=bool)
            if step is None
            else _cheap_arcs(problem, pair_cost, step)
        )
        while True:
            subset = np.flatnonzero(keep)
            chosen = _solve_subset(problem, pair_cost, subset)
            if chosen is None:
                break  # the pruned problem is infeasible: keep more arcs
            if len(subset) == len(slot):
                return chosen
            violated = _violated_arcs(problem, pair_cost, subset, chosen, keep)
            if not len(violated):
                return chosen
            keep[violated] = True
    return None


def _cheap_arcs(problem: MatchProblem, values: np.ndarray, step: float) -> np.ndarray:
    """Mask of the pairs whose ``values`` (uniform on [0, 2**40)) fall below their slot's
    threshold, set so that about ``step`` arcs per slot qualify; a slot left with fewer
    arcs than its team size doubles its threshold until it has enough."""
    slot, n_slots = problem._pair_slot, problem.n_slots
    degree = np.bincount(slot, minlength=n_slots)
    enough = np.minimum(problem._slots[3], degree)
    limit = (step * 2.0**40) / np.maximum(degree, 1)
    while True:
        keep = values < limit[slot]
        thin = np.bincount(slot[keep], minlength=n_slots) < enough
        if not thin.any():
            return keep
        limit[thin] *= 2


def _solve_subset(
    problem: MatchProblem, pair_cost: np.ndarray, subset: np.ndarray
) -> np.ndarray | None:
    """Min-cost flow on the pairs ``subset``: the chosen pair indices, or None if infeasible.
    Each body is an independent flow problem (no officer serves two bodies): solved apart,
    which is faster than one network."""
    n_b = len(problem.body_codes)
    body = problem._pair_body[subset]
    order = np.argsort(body.astype(np.int16 if n_b < 2**15 else np.int64), kind="stable")
    subset = subset[order]
    bounds = np.searchsorted(body[order], np.arange(n_b + 1))
    chosen = [np.empty(0, dtype=np.int64)]
    for b in problem._body_order:
        if len(problem._body_nodes[b][0]):
            got = _solve_body(problem, pair_cost, subset[bounds[b] : bounds[b + 1]], b)
            if got is None:
                return None
            chosen.append(got)
    return np.sort(np.concatenate(chosen))


def _solve_body(
    problem: MatchProblem, pair_cost: np.ndarray, part: np.ndarray, body: int
) -> np.ndarray | None:
    """Min-cost flow of one body on its pairs ``part``, nodes and arcs in canonical order."""
    slots, officers = problem._body_nodes[body]
    slot_local, officer_local = problem._local
    n_s, n_o = len(slots), len(officers)
    ls = slot_local[problem._pair_slot[part]]
    lo = officer_local[problem.pair_o[part]]
    order = np.argsort(ls * n_o + lo, kind="stable")
    part, ls, lo = part[order], ls[order], lo[order]
    sink = n_s + n_o
    tails = np.concatenate([ls, np.arange(n_s, sink)]).astype(np.int32)
    heads = np.concatenate([n_s + lo, np.full(n_o, sink)]).astype(np.int32)
    cap = np.minimum(problem.cap[officers], len(problem.inspection_keys))  # no overflow
    capacity = np.concatenate([np.ones(len(part), dtype=np.int64), cap])
    unit_cost = np.concatenate([pair_cost[part], np.zeros(n_o, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = np.asarray(flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, unit_cost))
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:n_s] = problem._slots[3][slots]
    supply[sink] = -int(supply[:n_s].sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supply)
    status = flow.solve()
    if status == min_cost_flow.SimpleMinCostFlow.INFEASIBLE:
        return None  # never read flows after a failed solve (google/or-tools#3947)
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"min-cost flow solver returned {status.name}")
    return part[np.asarray(flow.flows(arcs[: len(part)])) > 0]


def _residual(
    problem: MatchProblem,
    pair_cost: np.ndarray,
    subset: np.ndarray,
    chosen: np.ndarray,
    load: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Residual graph of a flow on the arcs ``subset`` (``chosen`` carry flow 1):
    (node count, tails, heads, costs)."""
    n_slots, n_off = problem.n_slots, len(problem.officer_keys)
    sink = n_slots + n_off
    used = np.zeros(len(problem.pair_i), dtype=bool)
    used[chosen] = True
    used = used[subset]
    slot = problem._pair_slot[subset]
    onode = n_slots + problem._orank[problem.pair_o[subset]]
    c = pair_cost[subset]
    oall = n_slots + problem._orank
    free = load < problem.cap
    busy = load > 0
    tails = np.concatenate([slot[~used], onode[used], oall[free], np.full(busy.sum(), sink)])
    heads = np.concatenate([onode[~used], slot[used], np.full(free.sum(), sink), oall[busy]])
    weight = np.concatenate(
        [c[~used], -c[used], np.zeros(int(free.sum()) + int(busy.sum()), dtype=np.int64)]
    )
    return sink + 1, tails, heads, weight


def _violated_arcs(
    problem: MatchProblem,
    pair_cost: np.ndarray,
    subset: np.ndarray,
    chosen: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray:
    """Left-out pairs with a negative reduced cost against the pruned optimum's potentials."""
    load = np.bincount(problem.pair_o[chosen], minlength=len(problem.officer_keys))
    d = _potentials(*_residual(problem, pair_cost, subset, chosen, load))
    if d is None:  # pragma: no cover - OR-Tools returned a non-optimal flow
        raise RuntimeError("the pruned min-cost flow is not optimal")
    d_slot = d[: problem.n_slots]
    d_officer = d[problem.n_slots + problem._orank]
    # cost + d_slot - d_officer < 0 needs cost < max(d_officer) - d_slot: one gather first.
    bound = d_officer.max(initial=0) - d_slot
    out = []
    for lo in range(0, len(keep), _CHECK_CHUNK):
        hi = lo + _CHECK_CHUNK
        slot = problem._pair_slot[lo:hi]
        maybe = np.flatnonzero((pair_cost[lo:hi] < bound[slot]) & ~keep[lo:hi])
        k = lo + maybe
        reduced = pair_cost[k] + d_slot[slot[maybe]] - d_officer[problem.pair_o[k]]
        out.append(k[reduced < 0])
    return np.concatenate(out)


def _potentials(
    n_nodes: int,
    tails: np.ndarray,
    heads: np.ndarray,
    weight: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray | None:
    """Shortest-path distances from a virtual root with a 0-cost arc to every node
    (Bellman-Ford, one vectorised pass per round), or None if there is a negative cycle.

    ``weight[a] + d[tails[a]] - d[heads[a]] >= 0`` for every arc of the result: these are
    optimal dual prices (node potentials) whenever the graph is the residual graph of a flow.
    A cycle among the predecessor pointers proves a negative cycle early; otherwise more
    than ``n_nodes`` improving rounds do. ``start`` (default 0) gives the root arcs' costs:
    labels from a subgraph make the rounds on the whole graph few.
    """
    d = np.zeros(n_nodes, dtype=np.int64) if start is None else start.astype(np.int64)
    if not len(heads):
        return d
    order = np.argsort(heads, kind="stable")
    tails, heads, weight = tails[order], heads[order], weight[order]
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
    head_of = heads[starts]
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(heads)]))
    pred = np.full(n_nodes, -1, dtype=np.int64)
    for rnd in range(1, n_nodes + 2):
        vals = d[tails] + weight
        best = np.minimum.reduceat(vals, starts)
        better = best < d[head_of]
        if not better.any():
            return d
        d[head_of[better]] = best[better]
        hit = np.flatnonzero(better[group] & (vals == best[group]))
        first = hit[np.r_[True, group[hit[1:]] != group[hit[:-1]]]]
        pred[heads[first]] = tails[first]
        if rnd % 8 == 0 and _has_cycle(pred):
            return None
    return None


def _has_cycle(pred: np.ndarray) -> bool:
    """Whether following ``pred`` (-1 = root) from some node never reaches the root."""
    anc = pred
    for _ in range(max(1, len(pred).bit_length())):
        anc = np.append(anc, -1)[anc]  # anc := anc∘anc (index -1 picks the appended root)
    return bool(np.any(anc >= 0))


# --- feasibility and diagnosis ------------------------------------------------------------------


class _FlowNet:
    """source -> slot (demand) -> officer (1 per eligible pair) -> sink (cap), for max flows;
    all slots, officers and pairs, or those of one body restricted to the pairs ``pairs``."""

    def __init__(self, problem: MatchProblem, body: int | None = None, pairs=None):
        n_slots, n_off = problem.n_slots, len(problem.officer_keys)
        self.n_slots, self.sink, self.source = n_slots, n_slots + n_off, n_slots + n_off + 1
        if body is None:
            slots, self.officers = np.arange(n_slots), np.arange(n_off)
        else:
            slots, self.officers = problem._body_nodes[body]
        if pairs is None:
            pairs = np.arange(len(problem.pair_i)) if body is None else problem._pairs_by_body[body]
        demand = problem._slots[3][slots]
        self.demand = int(demand.sum())
        onode = n_slots + problem._orank
        tails = np.concatenate(
            [np.full(len(slots), self.source), problem._pair_slot[pairs], onode[self.officers]]
        )
        heads = np.concatenate(
            [slots, onode[problem.pair_o[pairs]], np.full(len(self.officers), self.sink)]
        )
        capacity = np.concatenate(
            [demand, np.ones(len(pairs), dtype=np.int64), np.zeros(len(self.officers), np.int64)]
        )
        self.net = max_flow.SimpleMaxFlow()
        arcs = np.asarray(
            self.net.add_arcs_with_capacity(
                tails.astype(np.int32), heads.astype(np.int32), capacity
            )
        )
        self.officer_arcs = arcs[len(arcs) - len(self.officers) :].astype(np.int32)

    def run(self, cap: np.ndarray) -> int:
        """Maximum number of filled places with the caps ``cap`` (one per officer)."""
        if len(self.officer_arcs):
            cap = np.minimum(cap[self.officers], self.n_slots).astype(np.int64)
            self.net.set_arcs_capacity(self.officer_arcs, cap)
        status = self.net.solve(self.source, self.sink)
        if status != max_flow.SimpleMaxFlow.OPTIMAL:
            raise RuntimeError(f"max-flow solver returned {status.name}")
        return int(self.net.optimal_flow())

    def source_side_slots(self) -> np.ndarray:
        """Slots reachable from the source in the residual graph of the last max flow: the
        smallest set of slots whose demand exceeds what their officers can give."""
        nodes = np.asarray(self.net.get_source_side_min_cut(), dtype=np.int64)
        return np.sort(nodes[nodes < self.n_slots])


def smallest_limited_cap(problem: MatchProblem, limit: np.ndarray) -> int | None:
    """The smallest ``C`` such that caps ``min(C, limit[o])`` admit a full assignment; None
    if not even ``C = limit`` does. ``limit`` is each officer's own ceiling (e.g. the daily
    cap times the working days the officer is available)."""
    limit = np.asarray(limit, dtype=np.int64)
    lower = smallest_feasible_cap(problem)
    if lower is None:
        return None
    used = np.bincount(problem.pair_o, minlength=len(problem.officer_keys)) > 0
    if np.all(limit[used] >= lower):
        return lower  # no ceiling binds: the uniform answer stands, no extra max flow
    net = _FlowNet(problem)
    need = problem.total_demand

    def ok(c: int) -> bool:
        return net.run(np.minimum(c, limit)) == need

    if ok(lower):
        return lower
    top = int(limit.max(initial=0))
    if lower > top or not ok(top):
        return None
    lo, hi = lower, top  # ok(hi), not ok(lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def smallest_feasible_cap(problem: MatchProblem) -> int | None:
    """The smallest cap ``C`` which, given to every officer instead of ``problem.cap``,
    admits a full assignment; None if not even an unlimited cap does ("balanced" mode).

    Bodies are independent, so ``C`` is the largest of the bodies' own smallest caps. A
    body's search starts at ``max(ceil(its demand / its officers with an eligible pair),
    the largest cap found so far)``. A max flow on a sparse subset of its pairs (about 16
    per slot) that fills every place proves the cap feasible at once; otherwise the max
    flow on all its pairs decides. After an infeasible max flow at ``C`` with deficit
    ``δ``, the minimum cut's slots ``X`` need ``C' >= C + ceil(δ / k)``, where ``k`` counts
    the officers with more than ``C`` eligible pairs into ``X`` (only they gain from a
    larger cap): a valid lower bound, so the first feasible ``C`` is the smallest.
    Typically one sparse max flow per body.
    """
    if problem.total_demand == 0:
        return 0
    n_off, n_b = len(problem.officer_keys), len(problem.body_codes)
    degree = np.bincount(problem.pair_o, minlength=n_off)
    body_demand = problem.demand.sum(axis=0)
    body_officers = np.bincount(problem.officer_body[degree > 0], minlength=n_b)
    wanted = body_demand > 0
    if np.any(wanted & (body_officers == 0)):
        return None
    if np.any(np.bincount(problem._pair_slot, minlength=problem.n_slots) < problem._slots[3]):
        return None
    lower = -(-body_demand // np.maximum(body_officers, 1))
    # A fixed pseudo-random 40-bit value per pair picks the sparse subsets.
    mixed = problem.pair_i.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= problem.pair_o.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    mixed *= np.uint64(0xFF51AFD7ED558CCD)
    sparse = _cheap_arcs(problem, (mixed >> np.uint64(24)).astype(np.int64), 16.0)
    del mixed
    best = 0
    for b in sorted(np.flatnonzero(wanted).tolist(), key=lambda b: -lower[b]):
        found = _smallest_body_cap(problem, b, max(best, int(lower[b])), sparse, degree)
        if found is None:
            return None
        best = found
    return best


def _smallest_body_cap(
    problem: MatchProblem, body: int, c: int, sparse: np.ndarray, degree: np.ndarray
) -> int | None:
    """The smallest feasible uniform cap of one body that is at least ``c``."""
    n_off = len(problem.officer_keys)
    pairs = problem._pairs_by_body[body]
    few = pairs[sparse[pairs]]
    quick = _FlowNet(problem, body, few) if len(few) < len(pairs) else None
    full = None
    max_degree = int(degree[problem._body_nodes[body][1]].max())
    while True:
        cap = np.full(n_off, c, dtype=np.int64)
        if quick is not None and quick.run(cap) == quick.demand:
            return c
        if full is None:
            full = _FlowNet(problem, body)
        flow = full.run(cap)
        if flow == full.demand:
            return c
        if c >= max_degree:
            return None
        in_x = np.zeros(problem.n_slots, dtype=bool)
        in_x[full.source_side_slots()] = True
        into_x = np.bincount(
            problem.pair_o[pairs[in_x[problem._pair_slot[pairs]]]], minlength=n_off
        )
        k = int(np.count_nonzero(into_x > c))
        if k == 0:
            return None
        c += -(-(full.demand - flow) // k)


@dataclass(frozen=True)
class BodyLoad:
    """Demand and capacity of one enforcement body."""

    body: str
    demand: int  # places to fill (sum of team sizes)
    capacity: int  # sum over its officers of min(cap, eligible inspections)
    officers: int  # officers with at least one eligible pair


@dataclass(frozen=True)
class ShortTeam:
    """An inspection where a body has fewer eligible officers than its team size."""

    inspection: str
    body: str
    eligible: int
    needed: int


@dataclass(frozen=True)
class TightGroup:
    """Inspections of one body whose demand exceeds what the officers they share can give
    (a violated Hall condition: ``demand > supply``)."""

    body: str
    n_inspections: int
    inspections: list[str]  # the first keys in ascending order
    demand: int
    supply: int  # sum over officers of min(cap, eligible pairs into the group)
    n_officers: int
    officers: list[str]  # officers with an eligible pair into the group, ascending keys


@dataclass(frozen=True)
class Diagnosis:
    """Why (or whether) a full assignment exists; ``as_dict()`` is JSON-able."""

    feasible: bool
    total_demand: int
    max_filled: int  # places a maximum flow fills with the actual caps
    bodies: list[BodyLoad]
    n_short_teams: int
    short_teams: list[ShortTeam]  # at most 20, ascending (inspection key, body)
    tight_groups: list[TightGroup]  # one per body with a deficit (minimal violating sets)
    smallest_feasible_cap: int | None
    summary_zh: str
    summary_en: str

    def as_dict(self) -> dict:
        return asdict(self)


def _first_keys(keys: Sequence[str], index: np.ndarray, limit: int = _LIST_LIMIT) -> list[str]:
    return sorted(keys[k] for k in index.tolist())[:limit]


def diagnose(problem: MatchProblem, limit: np.ndarray | None = None) -> Diagnosis:
    """Check demand against capacity per body, team sizes against eligible officers per
    inspection, and find the groups of inspections that compete for too few officers.
    ``limit``: each officer's own ceiling (see `smallest_limited_cap`), which the smallest
    feasible cap then respects."""
    n_off, n_b = len(problem.officer_keys), len(problem.body_codes)
    ik, ok, bc = problem.inspection_keys, problem.officer_keys, problem.body_codes
    degree = np.bincount(problem.pair_o, minlength=n_off)
    usable = np.minimum(problem.cap, degree)
    body_demand = problem.demand.sum(axis=0)
    body_capacity = np.bincount(problem.officer_body, weights=usable, minlength=n_b)
    body_officers = np.bincount(problem.officer_body[degree > 0], minlength=n_b)
    bodies = [
        BodyLoad(bc[b], int(body_demand[b]), int(body_capacity[b]), int(body_officers[b]))
        for b in sorted(range(n_b), key=bc.__getitem__)
    ]

    _, slot_i, slot_b, slot_demand = problem._slots
    slot_degree = np.bincount(problem._pair_slot, minlength=problem.n_slots)
    short = np.flatnonzero(slot_degree < slot_demand)  # slots are in (key, body code) order
    short_teams = [
        ShortTeam(ik[slot_i[s]], bc[slot_b[s]], int(slot_degree[s]), int(slot_demand[s]))
        for s in short[:_LIST_LIMIT].tolist()
    ]

    total = problem.total_demand
    net = _FlowNet(problem)
    filled = net.run(problem.cap) if total else 0
    groups: list[TightGroup] = []
    if filled < total:
        in_x = np.zeros(problem.n_slots, dtype=bool)
        in_x[net.source_side_slots()] = True
        pair_in_x = in_x[problem._pair_slot]
        into_x = np.bincount(problem.pair_o[pair_in_x], minlength=n_off)
        for b in sorted(range(n_b), key=bc.__getitem__):
            x_slots = np.flatnonzero(in_x & (slot_b == b))
            if not len(x_slots):
                continue
            officers = np.flatnonzero((into_x > 0) & (problem.officer_body == b))
            groups.append(
                TightGroup(
                    body=bc[b],
                    n_inspections=len(x_slots),
                    inspections=_first_keys(ik, slot_i[x_slots]),
                    demand=int(slot_demand[x_slots].sum()),
                    supply=int(np.minimum(problem.cap, into_x)[officers].sum()),
                    n_officers=len(officers),
                    officers=_first_keys(ok, officers),
                )
            )
    feasible = filled == total
    best_cap = (
        smallest_feasible_cap(problem) if limit is None else smallest_limited_cap(problem, limit)
    )
    zh, en = _summary(feasible, total, filled, bodies, len(short), short_teams, groups, best_cap)
    return Diagnosis(
        feasible=feasible,
        total_demand=total,
        max_filled=filled,
        bodies=bodies,
        n_short_teams=len(short),
        short_teams=short_teams,
        tight_groups=groups,
        smallest_feasible_cap=best_cap,
        summary_zh=zh,
        summary_en=en,
    )


def _summary(feasible, total, filled, bodies, n_short, short_teams, groups, best_cap):
    if feasible:
        return (
            f"可以完成匹配：全部 {total} 个人次都能安排执法人员。",
            f"A full assignment exists: all {total} places can be filled.",
        )
    zh = [f"无法完成匹配：{total} 个人次中最多能安排 {filled} 个"]
    en = [f"No full assignment: at most {filled} of {total} places can be filled"]
    if n_short:
        t = short_teams[0]
        zh.append(
            f"{n_short} 个检查组的合格执法人员少于所需人数（例如 {t.inspection}，"
            f"执法主体 {t.body}：合格 {t.eligible} 人，需要 {t.needed} 人）"
        )
        en.append(
            f"{n_short} inspection team(s) have fewer eligible officers than they need "
            f"(e.g. {t.inspection}, body {t.body}: {t.eligible} eligible, {t.needed} needed)"
        )
    for load in bodies:
        if load.capacity < load.demand:
            zh.append(
                f"执法主体 {load.body} 的 {load.officers} 名人员在工作量上限内最多承担 "
                f"{load.capacity} 个人次，少于需求 {load.demand} 个"
            )
            en.append(
                f"body {load.body}: its {load.officers} officers can take at most "
                f"{load.capacity} places within their caps, fewer than the {load.demand} needed"
            )
    if len(zh) == 1:
        g = min(groups, key=lambda g: (g.n_inspections, g.body))
        zh.append(
            f"总容量足够，但有一组 {g.n_inspections} 个检查（执法主体 {g.body}，如 "
            f"{g.inspections[0]}）争用同样的 {g.n_officers} 名执法人员：需要 {g.demand} 个人次，"
            f"最多 {g.supply} 个"
        )
        en.append(
            f"capacity suffices in total, but a group of {g.n_inspections} inspections "
            f"(body {g.body}, e.g. {g.inspections[0]}) competes for the same {g.n_officers} "
            f"officers: {g.demand} places needed, at most {g.supply} available"
        )
    if best_cap is None:
        zh.append("提高工作量上限也无法完成，需要更多合格执法人员（检查资格或回避）")
        en.append("no workload cap suffices: more eligible officers are needed")
    else:
        zh.append(f"统一工作量上限设为 {best_cap} 即可完成")
        en.append(f"a uniform workload cap of {best_cap} would suffice")
    return "；".join(zh) + "。", "; ".join(en) + "."


# --- independent checks (no OR-Tools) ------------------------------------------------------------


def check_match(problem: MatchProblem, match: Match) -> list[str]:
    """Problems with ``match`` (empty list: it is a valid assignment), using numpy only:
    every (inspection, body) team has exactly its size, of distinct eligible officers of
    that body; no officer exceeds the cap; each team's leader is its minimum-cost member;
    every cost and the total equal the recomputed spec-section-4 costs."""
    problems: list[str] = []
    n_i, n_o = len(problem.inspection_keys), len(problem.officer_keys)
    ik, ok = problem.inspection_keys, problem.officer_keys
    if match.algorithm != ALGORITHM:
        problems.append(f"algorithm is {match.algorithm!r}, expected {ALGORITHM!r}")
    arrays = [np.asarray(a) for a in (match.inspection, match.officer, match.leader, match.cost)]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        return [*problems, "assignment arrays must be 1-D and of equal length"]
    i, o, leader, c = arrays
    if len(i) and (i.min() < 0 or i.max() >= n_i or o.min() < 0 or o.max() >= n_o):
        return [*problems, "assignment has an index out of range"]
    i, o, leader, c = i.astype(np.int64), o.astype(np.int64), leader.astype(bool), c
    try:
        validate_seed(match.seed)
        _check_plan_code(match.plan_code)
    except ValueError as exc:
        return [*problems, str(exc)]

    def report(what: str, items: list[str]) -> None:
        if items:
            more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
            problems.append(f"{what}: {', '.join(items[:5])}{more}")

    comb = i * n_o + o
    eligible = np.sort(problem.pair_i.astype(np.int64) * n_o + problem.pair_o)
    at = np.minimum(np.searchsorted(eligible, comb), max(len(eligible) - 1, 0))
    outside = ~(eligible[at] == comb) if len(eligible) else np.ones(len(comb), dtype=bool)
    report(
        "not an eligible pair",
        [f"({ik[a]}, {ok[b]})" for a, b in zip(i[outside], o[outside], strict=True)],
    )
    ordered = np.sort(comb)
    report(
        "officer twice on one inspection",
        [
            f"({ik[v // n_o]}, {ok[v % n_o]})"
            for v in ordered[1:][ordered[1:] == ordered[:-1]].tolist()
        ],
    )
    body = problem.officer_body[o]
    size = np.zeros(problem.demand.shape, dtype=np.int64)
    np.add.at(size, (i, body), 1)
    wrong = np.argwhere(size != problem.demand)
    report(
        "team size differs from demand",
        [
            f"{ik[a]}/{problem.body_codes[b]} has {size[a, b]}, needs {problem.demand[a, b]}"
            for a, b in wrong.tolist()
        ],
    )
    load = np.bincount(o, minlength=n_o)
    report(
        "officer over the cap",
        [
            f"{ok[x]} has {load[x]} > cap {problem.cap[x]}"
            for x in np.flatnonzero(load > problem.cap).tolist()
        ],
    )
    true_cost = np.array(
        [
            _cost(match.seed, match.plan_code, ik[a], ok[b])
            for a, b in zip(i.tolist(), o.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    if c.shape != true_cost.shape or np.any(c != true_cost):
        report(
            "wrong cost",
            [
                f"({ik[a]}, {ok[b]})"
                for a, b in zip(i[c != true_cost], o[c != true_cost], strict=True)
            ],
        )
    if int(match.total_cost) != int(true_cost.sum()):
        problems.append(
            f"total cost {match.total_cost} differs from the sum {int(true_cost.sum())}"
        )
    # Leaders: exactly one per team, the member with the smallest (cost, key).
    teams: dict[tuple[int, int], list[tuple[int, str, bool]]] = {}
    for a, b, x, cost_, lead in zip(
        i.tolist(), body.tolist(), o.tolist(), true_cost.tolist(), leader.tolist(), strict=True
    ):
        teams.setdefault((a, b), []).append((cost_, ok[x], lead))
    bad_leaders = []
    for (a, b), members in teams.items():
        best = min(members)
        if [m[2] for m in members].count(True) != 1 or not best[2]:
            bad_leaders.append(f"{ik[a]}/{problem.body_codes[b]} should be led by {best[1]}")
    report("wrong team leader", sorted(bad_leaders))
    return problems


def verify_optimal(problem: MatchProblem, match: Match, seed: str, plan_code: str) -> bool:
    """The auditor's check of spec section 6, independent of OR-Tools: ``match`` is a valid
    assignment (``check_match``) for this seed and plan, and its total cost is the optimum.

    Optimality is proven with dual prices: Bellman-Ford over the residual graph of the
    assignment in the full problem (every eligible pair) finds node potentials under which
    no residual arc has a negative reduced cost, or finds a negative cycle, i.e. a
    cheaper exchange of officers, and then the answer is False. (The labels start from
    those of a subgraph, the assigned pairs and the cheapest others, to save rounds.)
    """
    if match.seed != seed or match.plan_code != plan_code or check_match(problem, match):
        return False
    pair_cost = costs(
        seed,
        plan_code,
        problem.inspection_keys,
        problem.officer_keys,
        problem.pair_i,
        problem.pair_o,
    )
    n_o = len(problem.officer_keys)
    eligible = problem.pair_i.astype(np.int64) * n_o + problem.pair_o
    order = np.argsort(eligible, kind="stable")
    assigned = np.asarray(match.inspection, dtype=np.int64) * n_o + match.officer
    chosen = order[np.searchsorted(eligible[order], assigned)]
    chosen = np.sort(chosen)
    load = np.bincount(match.officer, minlength=n_o)
    keep = _cheap_arcs(problem, pair_cost, 8.0) if problem.n_slots else np.ones(0, dtype=bool)
    keep[chosen] = True
    start = _potentials(*_residual(problem, pair_cost, np.flatnonzero(keep), chosen, load))
    if start is None:
        return False
    everything = np.arange(len(problem.pair_i))
    residual = _residual(problem, pair_cost, everything, chosen, load)
    return _potentials(*residual, start=start) is not None


# --- the auditor export (spec section 6) ----------------------------------------------------------


def export_fields(problem: MatchProblem, match: Match) -> dict:
    """The match part of the auditor export of spec section 6 (everything but ``window``)."""
    prefix = match.plan_code + "/"
    bc = problem.body_codes
    inspections = []
    for i, key in enumerate(problem.inspection_keys):
        row = problem.demand[i]
        inspections.append(
            {
                "key": key,
                "entity": key[len(prefix) :] if key.startswith(prefix) else key,
                "demand": {bc[b]: int(row[b]) for b in np.flatnonzero(row).tolist()},
            }
        )
    return {
        "algorithm": ALGORITHM,
        "plan_code": match.plan_code,
        "seed": match.seed,
        "inspections": inspections,
        "officers": [
            {"key": key, "body": bc[b], "cap": int(cap)}
            for key, b, cap in zip(
                problem.officer_keys,
                problem.officer_body.tolist(),
                problem.cap.tolist(),
                strict=True,
            )
        ],
        "eligible": [
            [problem.inspection_keys[a], problem.officer_keys[b]]
            for a, b in zip(problem.pair_i.tolist(), problem.pair_o.tolist(), strict=True)
        ],
        "assignment": match.rows(problem),
    }


def read_export(doc: Mapping) -> tuple[MatchProblem, Match]:
    """Problem and match from an auditor export (spec section 6); costs are recomputed, so
    ``check_match`` and ``verify_optimal`` judge the export, not numbers it carries.
    Raises ValueError on a malformed export."""
    try:
        inspections = [(r["key"], dict(r["demand"])) for r in doc["inspections"]]
        officers = [(r["key"], r["body"], r["cap"]) for r in doc["officers"]]
        eligible = [(a, b) for a, b in doc["eligible"]]
        assignment = [(a, b, lead) for a, b, lead in doc["assignment"]]
        seed, plan_code = doc["seed"], doc["plan_code"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an auditor export: {exc!r}") from exc
    if doc.get("algorithm") != ALGORITHM:
        raise ValueError(f"algorithm must be {ALGORITHM!r}: {doc.get('algorithm')!r}")
    body_codes = sorted({b for _, b, _ in officers} | {b for _, d in inspections for b in d})
    body_at = {b: k for k, b in enumerate(body_codes)}
    insp_at = {key: k for k, (key, _) in enumerate(inspections)}
    off_at = {key: k for k, (key, _, _) in enumerate(officers)}
    demand = np.zeros((len(inspections), len(body_codes)), dtype=np.int64)
    for k, (_, d) in enumerate(inspections):
        for b, n in d.items():
            demand[k, body_at[b]] = n
    try:
        problem = MatchProblem(
            inspection_keys=[key for key, _ in inspections],
            officer_keys=[key for key, _, _ in officers],
            body_codes=body_codes,
            officer_body=np.array([body_at[b] for _, b, _ in officers], dtype=np.int64),
            demand=demand,
            cap=np.array([cap for _, _, cap in officers], dtype=np.int64),
            pair_i=np.array([insp_at[a] for a, _ in eligible], dtype=np.int64),
            pair_o=np.array([off_at[b] for _, b in eligible], dtype=np.int64),
        )
        i = np.array([insp_at[a] for a, _, _ in assignment], dtype=np.int64)
        o = np.array([off_at[b] for _, b, _ in assignment], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"unknown key in the export: {exc}") from exc
    c = np.array([_cost(seed, plan_code, a, b) for a, b, _ in assignment], dtype=np.int64).reshape(
        -1
    )
    leader = np.array([lead is True for _, _, lead in assignment], dtype=bool).reshape(-1)
    return problem, Match(ALGORITHM, seed, plan_code, i, o, leader, c, int(c.sum()))


def audit_export(doc: Mapping) -> list[str]:
    """Every problem an auditor finds in a spec-section-6 export; empty when it is valid
    and optimal."""
    try:
        problem, match = read_export(doc)
        validate_seed(match.seed)
    except ValueError as exc:
        return [str(exc)]
    problems = check_match(problem, match)
    if not problems and not verify_optimal(problem, match, match.seed, match.plan_code):
        problems.append("the total cost is not the minimum: a cheaper assignment exists")
    return problems
