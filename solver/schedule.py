"""Visit scheduler: give every matched inspection a working day.

Input: ``n`` inspections, each with a team of officers and a town; the plan's candidate
working days (holidays and adjusted working weekends already applied upstream); an
``available[officer, day]`` matrix (not on leave, certificate valid that day); a daily cap
``D`` of inspections per officer. Hard rule: an inspection goes on a day where every team
member is available and below ``D``. Soft goals, in this order:

1. keep every day's total load at most ``T = ceil(n / days * (1 + day_slack)) + D`` (soft:
   a day goes above ``T`` only when no feasible day is below it; the ``+ D`` leaves room
   for one full officer-day on small plans; ``day_slack=None`` drops this goal);
2. few distinct ``(officer, day, town)`` combinations, so that an officer's visits in a
   town share as few days as possible;
3. few officer-days with visits in two or more towns (equal combinations, fewer mixes);
4. even daily loads (smaller sum of squared day loads).

Goal 1 sits above goal 2 on purpose: with random teams a town's inspections form one big
connected web of officers, and the combination count alone would put a whole town on a
single day (hundreds of visits) and leave other days empty.

Heuristic (no wall-clock limits anywhere, so the result depends only on the input):

- Order: the most constrained first, by the bit length of the number of days the team is
  jointly available (1, 2-3, 4-7, ... days: an order of magnitude, not the exact count,
  which would scatter the towns), then by town and, within a town, breadth-first over
  shared officers from a seeded start, so that an inspection usually follows one with a
  common officer and town.
- Greedy: each inspection takes the feasible day with the smallest key (day over ``T``,
  new combinations it adds, members it gives a second town that day, minus the team's
  visits already in the town that day, day load, seeded rotation of the days). Loads
  per officer-day and counts per (officer, town, day) are dense numpy arrays, so one
  inspection costs a handful of vector operations over its ``team x days`` slice.
- Repair: inspections left without a day although their team shares an available day
  go, a few per round, into a CP-SAT model (OR-Tools, one worker, no presolve, a
  deterministic time limit) together with the scheduled inspections in their way,
  found breadth-first (same officer, on a day the one that reached them could use; at
  most ``repair_limit``); the rest is fixed. The model maximises the number scheduled,
  then the number that keep their day. Nothing outside that closure competes with it for
  an officer-day it could use, so on a small instance (all leftovers in one round) the
  result schedules the most inspections possible; a feasible instance, all of them.
- Improve: passes of moves to another feasible day, first of single inspections, then of
  all of one officer's visits in one town on one day together; a move is accepted only
  when it lowers the lexicographic potential (goals 1-4), so passes cannot cycle. At most
  ``max_passes`` passes; after the first, only groups touched by the last pass are
  revisited, and the passes stop early when one moves nothing. Then leftovers get one
  more greedy try, as moves may have freed a day, so that every reason given is true of
  the final schedule.

Tie-breaks use ``SHA-256(seed|index)``, never ``hash()`` or an unseeded generator.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

NO_WORKING_DAY = "no_working_day"
NO_JOINT_DAY = "no_joint_day"
DAILY_CAP = "daily_cap"


class Teams(NamedTuple):
    """Teams in CSR form: team ``i`` is ``members[indptr[i]:indptr[i + 1]]``."""

    indptr: np.ndarray
    members: np.ndarray

    @classmethod
    def from_lists(cls, teams: Sequence[Sequence[int]]) -> Teams:
        sizes = np.fromiter((len(t) for t in teams), dtype=np.int64, count=len(teams))
        indptr = np.zeros(len(teams) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        members = np.fromiter(
            (int(o) for t in teams for o in t), dtype=np.int64, count=int(indptr[-1])
        )
        return cls(indptr, members)

    def __len__(self) -> int:  # number of teams, not the tuple's two fields
        return len(self.indptr) - 1

    def team(self, i: int) -> np.ndarray:
        return self.members[self.indptr[i] : self.indptr[i + 1]]


class Unscheduled(NamedTuple):
    """Why inspection ``inspection`` has no day; ``officers`` are the members to blame."""

    inspection: int
    code: str  # NO_WORKING_DAY, NO_JOINT_DAY or DAILY_CAP
    officers: tuple[int, ...]
    message: str


@dataclass(frozen=True)
class ScheduleStats:
    scheduled: int
    unscheduled: int
    combinations: int  # distinct (officer, day, town) among scheduled inspections
    combinations_lower_bound: int  # sum over (officer, town) of ceil(visits / cap)
    mixed_officer_days: int  # officer-days with visits in two or more towns
    day_load: np.ndarray  # inspections per candidate day
    max_day_load: int
    min_day_load: int
    officer_max_per_day: np.ndarray  # per officer, the most inspections on one day
    max_officer_day_load: int
    day_target: int | None  # the soft per-day target T (None: no target)
    moves: int  # moves made by the improvement passes
    repaired: int  # inspections the exact repair step scheduled


@dataclass(frozen=True)
class Schedule:
    """``day[i]`` is the index into ``days`` of inspection ``i``'s visit, or -1."""

    day: np.ndarray
    days: tuple[dt.date, ...]
    unscheduled: tuple[Unscheduled, ...]  # ascending inspection index
    stats: ScheduleStats

    @property
    def dates(self) -> list[dt.date | None]:
        return [self.days[d] if d >= 0 else None for d in self.day.tolist()]


def add_working_days(days: Sequence[dt.date], day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (``n >= 1``); ``days`` is the sorted calendar.

    ``day`` itself need not be a working day. ValueError when the calendar ends too soon.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer: {n!r}")
    k = bisect.bisect_right(days, day) + n - 1
    if k >= len(days):
        raise ValueError(f"the working-day calendar ends before {n} working days after {day}")
    return days[k]


# --- input ----------------------------------------------------------------------------------


def _as_teams(teams: Teams | Sequence[Sequence[int]]) -> Teams:
    if isinstance(teams, Teams):
        return Teams(
            np.asarray(teams.indptr, dtype=np.int64), np.asarray(teams.members, dtype=np.int64)
        )
    return Teams.from_lists(teams)


def _validate(
    teams: Teams, towns: np.ndarray, days: Sequence[dt.date], available: np.ndarray, cap: int
) -> None:
    n = len(towns)
    if len(teams) != n or teams.indptr[0] != 0 or np.any(np.diff(teams.indptr) < 1):
        raise ValueError("need one non-empty team per inspection")
    if teams.indptr[-1] != len(teams.members):
        raise ValueError("team indptr does not match members")
    if available.ndim != 2 or available.shape[1] != len(days):
        raise ValueError(f"available must have shape (officers, {len(days)})")
    if len(teams.members) and (
        teams.members.min() < 0 or teams.members.max() >= available.shape[0]
    ):
        raise ValueError("a team member is not an officer index of available")
    if n and towns.min() < 0:
        raise ValueError("town indices must be non-negative")
    for a, b in zip(days, days[1:], strict=False):
        if not a < b:
            raise ValueError(f"days must be strictly increasing: {a} then {b}")
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 32767:
        raise ValueError(f"cap_per_day must be an integer in 1..32767: {cap!r}")
    if len(teams.members):
        owner = np.repeat(np.arange(n), np.diff(teams.indptr))
        pairs = np.unique(owner * available.shape[0] + teams.members)
        if len(pairs) != len(teams.members):
            raise ValueError("an officer appears twice in one team")


def _hashes(seed: str, n: int) -> np.ndarray:
    """64-bit tie-break value of every inspection: leading bytes of SHA-256(seed|i)."""
    base = hashlib.sha256(f"{seed}|".encode())
    out = bytearray()
    for i in range(n):
        h = base.copy()
        h.update(str(i).encode())
        out += h.digest()[:8]
    return np.frombuffer(bytes(out), dtype=">u8").astype(np.uint64)


# --- the solver state -------------------------------------------------------------------------


class _State:
    """Day of each inspection plus the load and combination counts kept in step with it."""

    def __init__(self, teams: Teams, town: np.ndarray, n_towns: int, n_off: int, m: int, cap):
        self.teams = teams
        self.town = town
        self.cap = cap
        dtype = np.uint8 if cap < 255 else np.int32
        self.load = np.zeros((n_off, m), dtype=dtype)  # officer x day
        self.cnt = np.zeros((n_off, n_towns, m), dtype=dtype)  # officer x town x day
        self.ntown = np.zeros((n_off, m), dtype=dtype)  # distinct towns per officer-day
        self.day_load = np.zeros(m, dtype=np.int64)
        self.day = np.full(len(town), -1, dtype=np.int64)

    def place(self, i: int, t: np.ndarray, d: int) -> None:
        self.day[i] = d
        self.load[t, d] += 1
        at = (t, self.town[i], d)
        c = self.cnt[at]
        self.cnt[at] = c + 1
        self.ntown[t, d] += c == 0
        self.day_load[d] += 1

    def remove(self, i: int, t: np.ndarray) -> None:
        d = self.day[i]
        self.day[i] = -1
        self.load[t, d] -= 1
        at = (t, self.town[i], d)
        c = self.cnt[at]
        self.cnt[at] = c - 1
        self.ntown[t, d] -= c == 1
        self.day_load[d] -= 1


def _officer_town_groups(teams: Teams, town: np.ndarray, rank: np.ndarray, stride: int):
    """``{officer * stride + town: [inspections]}``, each list in ``rank`` order."""
    owner = np.repeat(np.arange(len(town)), np.diff(teams.indptr))
    slot = teams.members * stride + town[owner]
    srt = np.lexsort((rank[owner], slot))
    groups: dict[int, list[int]] = {}
    for key, i in zip(slot[srt].tolist(), owner[srt].tolist(), strict=True):
        groups.setdefault(key, []).append(i)
    return groups


def _order(teams: Teams, town: np.ndarray, tier: np.ndarray, by_hash: np.ndarray, groups, stride):
    """By tier (tight first), then town; in a town, breadth-first over shared officers."""
    members = teams.members.tolist()
    indptr = teams.indptr.tolist()
    town_l = town.tolist()
    bfs = np.empty(len(town), dtype=np.int64)
    seen = bytearray(len(town))
    k = 0
    for start in by_hash.tolist():
        if seen[start]:
            continue
        seen[start] = 1
        queue = deque([start])
        while queue:
            i = queue.popleft()
            bfs[i] = k
            k += 1
            z = town_l[i]
            for o in members[indptr[i] : indptr[i + 1]]:
                for j in groups[o * stride + z]:
                    if not seen[j]:
                        seen[j] = 1
                        queue.append(j)
    return np.lexsort((bfs, town, tier))


def _greedy(st: _State, order: np.ndarray, joint: np.ndarray, offset: np.ndarray, target):
    """Place ``order`` one by one; return the inspections that found no feasible day."""
    teams, cap, m = st.teams, st.cap, joint.shape[1]
    n = len(st.town)
    k_max = int(np.diff(teams.indptr).max(initial=1))
    ar = np.arange(m, dtype=np.int64)
    # key = (over target, new combinations, officers who get a second town that day,
    #        -visits of the team in the town that day, day load, seeded rotation) as one int64
    b_load = m
    b_join = (n + 1) * m
    b_mix = b_join * (cap * k_max + 1)
    b_new = b_mix * (k_max + 1)
    b_over = b_new * (k_max + 2)
    never = np.iinfo(np.int64).max
    left = []
    for i in order.tolist():
        t = teams.team(i)
        ok = joint[i] & (st.load[t] < cap).all(axis=0)
        if not ok.any():
            left.append(i)
            continue
        c = st.cnt[t, st.town[i]]
        fresh = c == 0
        key = fresh.sum(axis=0) * b_new - c.sum(axis=0, dtype=np.int64) * b_join
        key += (fresh & (st.ntown[t] > 0)).sum(axis=0) * b_mix
        key += st.day_load * b_load + (ar - offset[i]) % m
        if target is not None:
            key += (st.day_load >= target) * b_over
        key[~ok] = never
        st.place(i, t, int(key.argmin()))
    return left


def _try_move(st: _State, items: list[int], d: int, joint, offset: int, target) -> bool:
    """Move ``items`` (all on day ``d``, all in one town) to the best other day if that
    lowers the potential (load above target, combinations, officer-days with two or more
    towns, sum of squared day loads)."""
    teams, cap, m = st.teams, st.cap, joint.shape[1]
    z = st.town[items[0]]
    s = len(items)
    dl = st.day_load
    if s == 1:
        team, k = teams.team(items[0]), 1
    else:
        team, k = np.unique(np.concatenate([teams.team(i) for i in items]), return_counts=True)
    c = st.cnt[team, z]
    leave = c[:, d] == k  # officers with no other visit in the town that day
    if leave.any() or (target is not None and dl[d] > target):
        ok = joint[items[0]] if s == 1 else joint[items].all(axis=0)
    else:  # no combination to save and no overload: only days where all are in the town
        ok = (c > 0).all(axis=0)
        ok[d] = False
        if not ok.any():
            return False
        ok &= joint[items[0]] if s == 1 else joint[items].all(axis=0)
    if s == 1:
        ok = ok & (st.load[team] < cap).all(axis=0)
    else:
        ok = ok & (st.load[team] + k[:, None] <= cap).all(axis=0)
    ok[d] = False
    cand = np.flatnonzero(ok)
    if not len(cand):
        return False
    nt = st.ntown[team].astype(np.int64)
    arrive = c[:, cand] == 0
    d_comb = arrive.sum(axis=0) - int(leave.sum())
    mixed_d = int(((nt[:, d] - leave) >= 2).sum() - (nt[:, d] >= 2).sum())
    nt_e = nt[:, cand]
    d_mix = ((nt_e + arrive) >= 2).sum(axis=0) - (nt_e >= 2).sum(axis=0) + mixed_d
    d_sq = 2 * s * (dl[cand] - dl[d]) + 2 * s * s
    if target is None:
        d_over = np.zeros(len(cand), dtype=np.int64)
    else:
        d_over = (
            np.maximum(dl[cand] + s - target, 0)
            - np.maximum(dl[cand] - target, 0)
            + max(int(dl[d]) - s - target, 0)
            - max(int(dl[d]) - target, 0)
        )
    best = np.lexsort(((cand - offset) % m, d_sq, d_mix, d_comb, d_over))[0]
    if (int(d_over[best]), int(d_comb[best]), int(d_mix[best]), int(d_sq[best])) >= (0, 0, 0, 0):
        return False
    e = int(cand[best])
    for i in items:
        t = teams.team(i)
        st.remove(i, t)
        st.place(i, t, e)
    return True


def _screen(st: _State, idx: np.ndarray, joint: np.ndarray, target) -> np.ndarray:
    """The inspections of ``idx`` (all scheduled) that a single move might improve: one of
    the team has no other visit in the town that day, the day is over the target, or on
    another feasible day the whole team already visits the town (a bulk pre-check of
    ``_try_move``, which makes the decision)."""
    if not len(idx):
        return idx
    teams = st.teams
    sizes = np.diff(teams.indptr)[idx]
    ptr = np.zeros(len(idx), dtype=np.int64)
    np.cumsum(sizes[:-1], out=ptr[1:])
    pos = np.repeat(teams.indptr[idx] - ptr, sizes) + np.arange(int(sizes.sum()))
    owner = np.repeat(idx, sizes)
    day = st.day[owner]
    c = st.cnt[teams.members[pos], st.town[owner]]  # (slots, days)
    leave = np.logical_or.reduceat(c[np.arange(len(pos)), day] == 1, ptr)
    together = np.logical_and.reduceat(c > 0, ptr, axis=0) & joint[idx]
    together[np.arange(len(idx)), st.day[idx]] = False
    keep = leave | together.any(axis=1)
    if target is not None:
        keep |= st.day_load[st.day[idx]] > target
    return idx[keep]


def _improve(st: _State, order, groups, stride, joint, offset, target, max_passes: int) -> int:
    """Passes of single moves, then moves of an officer's whole town-day, until none helps.

    The first pass looks at everything; later passes only at the (officer, town) groups
    whose days changed in the pass before.
    """
    teams, day = st.teams, st.day
    rank = np.empty(len(day), dtype=np.int64)
    rank[order] = np.arange(len(order))
    moves = 0
    dirty = set(groups)
    for _ in range(max_passes):
        keys = sorted(dirty)
        touched: set[int] = set()
        todo = sorted({i for key in keys for i in groups[key] if day[i] >= 0}, key=rank.item)
        todo = _screen(st, np.array(todo, dtype=np.int64), joint, target).tolist()
        moved: list[list[int]] = [
            [i] for i in todo if _try_move(st, [i], int(day[i]), joint, int(offset[i]), target)
        ]
        for key in keys:
            g = groups[key]
            if len(g) < 2:
                continue
            used = sorted({int(day[i]) for i in g if day[i] >= 0})
            if len(used) < 2:
                continue
            for d in used:
                items = [i for i in g if day[i] == d]
                if items and _try_move(st, items, d, joint, int(offset[items[0]]), target):
                    moved.append(items)
        for items in moved:
            z = int(st.town[items[0]])
            for i in items:
                touched.update(o * stride + z for o in teams.team(i).tolist())
        moves += len(moved)
        if not touched:
            break
        dirty = touched
    return moves


def _repair(
    st: _State, left: list[int], joint: np.ndarray, limit: int, det_time: float, rounds: int = 8
) -> int:
    """Exact repair of ``left``, in rounds of a few leftovers each; returns how many more
    inspections are scheduled.

    Each round's CP-SAT model holds its leftovers plus, breadth-first, the scheduled
    inspections in their way: those sharing an officer and sitting on a day the
    inspection that reached them could use (at most ``limit`` in all); everything else is
    fixed. It maximises the number scheduled, then the number that keep their day. The
    deterministic time budget ``det_time`` is shared by the rounds.
    """
    try:
        from ortools.sat.python import cp_model
    except ImportError:  # pragma: no cover - OR-Tools is a dependency
        return 0
    left = [i for i in left if joint[i].any()]
    if not left:
        return 0
    teams, n = st.teams, len(st.town)
    owner = np.repeat(np.arange(n), np.diff(teams.indptr))
    by_off = owner[np.argsort(teams.members, kind="stable")]
    off_ptr = np.searchsorted(np.sort(teams.members), np.arange(st.load.shape[0] + 1))
    chunk = max(1, limit // 20)
    n_rounds = min(rounds, -(-len(left) // chunk))
    gained = 0
    for r in range(n_rounds):
        seeds = [i for i in left[r * chunk : (r + 1) * chunk] if st.day[i] < 0]
        if not seeds:
            continue
        hood: dict[int, None] = dict.fromkeys(seeds)
        frontier = seeds
        while frontier and len(hood) < limit:
            nxt = []
            for i in frontier:
                usable = joint[i]
                for o in teams.team(i).tolist():
                    for j in by_off[off_ptr[o] : off_ptr[o + 1]].tolist():
                        d = st.day[j]
                        if d >= 0 and usable[d] and j not in hood and len(hood) < limit:
                            hood[j] = None
                            nxt.append(j)
            frontier = nxt
        gained += _repair_round(st, sorted(hood), joint, det_time / n_rounds, cp_model)
    return gained


def _repair_round(st: _State, items: list[int], joint: np.ndarray, det_time: float, cp_model):
    teams, cap = st.teams, st.cap
    fixed = st.load.astype(np.int64)
    for i in items:
        if st.day[i] >= 0:
            fixed[teams.team(i), st.day[i]] -= 1
    model = cp_model.CpModel()
    use: dict[tuple[int, int], list] = {}
    choices: list[tuple[int, int, object]] = []
    weights: list[int] = []
    stay, move = len(items) + 2, len(items) + 1  # being scheduled beats all stays together
    for i in items:
        t = teams.team(i)
        xs = []
        for d in np.flatnonzero(joint[i] & (fixed[t] < cap).all(axis=0)).tolist():
            x = model.new_bool_var(f"x{i}_{d}")
            xs.append(x)
            choices.append((i, d, x))
            weights.append(stay if d == st.day[i] else move)
            for o in t.tolist():
                use.setdefault((o, d), []).append(x)
            if d == st.day[i]:
                model.add_hint(x, True)
        if xs:
            model.add_at_most_one(xs)
    for (o, d), xs in use.items():
        if len(xs) > cap - fixed[o, d]:
            model.add(cp_model.LinearExpr.sum(xs) <= cap - int(fixed[o, d]))
    model.maximize(cp_model.LinearExpr.weighted_sum([x for _, _, x in choices], weights))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = det_time
    # presolve ignores the deterministic limit and takes seconds on these models; off
    solver.parameters.cp_model_presolve = False
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0
    new_day = {i: d for i, d, x in choices if solver.boolean_value(x)}
    before = sum(st.day[i] >= 0 for i in items)
    if len(new_day) <= before:
        return 0
    for i in items:
        if st.day[i] >= 0:
            st.remove(i, teams.team(i))
    for i in items:
        if i in new_day:
            st.place(i, teams.team(i), new_day[i])
    return sum(st.day[i] >= 0 for i in items) - before


# --- reasons and stats --------------------------------------------------------------------


def _reason(i: int, t: np.ndarray, available: np.ndarray, st: _State) -> Unscheduled:
    m = available.shape[1]
    members = t.tolist()
    if m == 0:
        return Unscheduled(i, NO_WORKING_DAY, (), "no candidate working day in the window")
    av = available[t]
    joint = av.all(axis=0)
    if not joint.any():
        never = sorted(o for o, row in zip(members, av, strict=True) if not row.any())
        if never:
            names = ", ".join(map(str, never))
            return Unscheduled(
                i,
                NO_JOINT_DAY,
                tuple(never),
                f"no working day when all of the team is available: officer(s) {names} "
                "available on no working day",
            )
        blame = tuple(sorted(members))
        if len(members) <= 8:  # the members of every smallest subset with no common day
            for size in range(2, len(members)):
                hit = {
                    o
                    for sub in itertools.combinations(range(len(members)), size)
                    if not av[list(sub)].all(axis=0).any()
                    for o in (members[j] for j in sub)
                }
                if hit:
                    blame = tuple(sorted(hit))
                    break
        names = ", ".join(map(str, blame))
        return Unscheduled(
            i,
            NO_JOINT_DAY,
            blame,
            f"no working day when all of the team is available: officers {names} "
            "are never available on the same day",
        )
    at_cap = st.load[t][:, joint] >= st.cap
    blame = tuple(sorted(o for o, row in zip(members, at_cap, strict=True) if row.any()))
    names = ", ".join(map(str, blame))
    return Unscheduled(
        i,
        DAILY_CAP,
        blame,
        f"every working day when all of the team is available is at the daily cap "
        f"({st.cap}) of officer(s) {names}",
    )


def _stats(st: _State, n_off: int, target, moves: int, repaired: int) -> ScheduleStats:
    scheduled = int((st.day >= 0).sum())
    per_ot = st.cnt.sum(axis=2, dtype=np.int64)
    lower = int(((per_ot + st.cap - 1) // st.cap).sum())
    m = st.load.shape[1]
    off_max = st.load.max(axis=1).astype(np.int64) if m else np.zeros(n_off, dtype=np.int64)
    return ScheduleStats(
        scheduled=scheduled,
        unscheduled=len(st.day) - scheduled,
        combinations=int(np.count_nonzero(st.cnt)),
        combinations_lower_bound=lower,
        mixed_officer_days=int((st.ntown >= 2).sum()),
        day_load=st.day_load.copy(),
        max_day_load=int(st.day_load.max(initial=0)),
        min_day_load=int(st.day_load.min()) if m else 0,
        officer_max_per_day=off_max,
        max_officer_day_load=int(off_max.max(initial=0)),
        day_target=target,
        moves=moves,
        repaired=repaired,
    )


# --- entry points -------------------------------------------------------------------------


def schedule_visits(
    teams: Teams | Sequence[Sequence[int]],
    towns: Sequence[int] | np.ndarray,
    days: Sequence[dt.date],
    available: np.ndarray,
    *,
    cap_per_day: int = 4,
    seed: str = "",
    day_slack: float | None = 0.1,
    max_passes: int = 8,
    repair_limit: int = 400,
    repair_time: float = 5.0,
) -> Schedule:
    """Schedule inspection ``i`` (team ``teams[i]``, town ``towns[i]``) on one of ``days``.

    ``teams``: a list of officer-index lists or a ``Teams`` CSR pair; ``towns``: any
    non-negative town indices; ``days``: the sorted candidate working days;
    ``available``: bool ``(n_officers, len(days))``, officer can work that day;
    ``seed``: plan seed and plan code, for the tie-breaks only. ``day_slack``: the soft
    per-day target's slack over the mean (None: no target). ``max_passes``: improvement
    passes. ``repair_limit``: inspections per repair model (leftovers per round:
    ``repair_limit // 20``, at most 8 rounds). ``repair_time``: the repair's budget in
    CP-SAT deterministic time units, not seconds, so that the result never depends on the
    machine's speed; 0 switches the repair off.
    """
    tm = _as_teams(teams)
    town_raw = np.asarray(towns, dtype=np.int64).reshape(-1)
    available = np.asarray(available, dtype=bool)
    days = tuple(days)
    _validate(tm, town_raw, days, available, cap_per_day)
    if not isinstance(seed, str):
        raise ValueError(f"seed must be a string: {seed!r}")
    n, (n_off, m) = len(town_raw), available.shape
    uniq, town = np.unique(town_raw, return_inverse=True)
    town = town.astype(np.int64).reshape(-1)
    st = _State(tm, town, len(uniq), n_off, m, cap_per_day)
    hashes = _hashes(seed, n)
    offset = (hashes % np.uint64(max(m, 1))).astype(np.int64)
    if n and m:
        joint = np.logical_and.reduceat(available[tm.members], tm.indptr[:-1], axis=0)
    else:
        joint = np.zeros((n, m), dtype=bool)
    n_joint = joint.sum(axis=1)
    target = None
    if day_slack is not None and m:
        target = math.ceil(int((n_joint > 0).sum()) / m * (1 + day_slack)) + cap_per_day

    by_hash = np.argsort(hashes, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_hash] = np.arange(n)
    stride = len(uniq)
    groups = _officer_town_groups(tm, town, rank, stride)
    tier = np.frexp(n_joint)[1]  # bit length: 1 -> 1, 2..3 -> 2, 4..7 -> 3, ...
    order = _order(tm, town, tier, by_hash, groups, stride)
    left = _greedy(st, order, joint, offset, target)
    repaired = 0
    if repair_time > 0 and any(n_joint[i] for i in left):
        repaired = _repair(st, left, joint, repair_limit, repair_time)
    moves = _improve(st, order, groups, stride, joint, offset, target, max_passes)
    if left:  # moves may have freed a day; a leftover's reason must hold for the final plan
        _greedy(st, order[st.day[order] < 0], joint, offset, target)
    missing = np.flatnonzero(st.day < 0).tolist()
    reasons = tuple(_reason(i, tm.team(i), available, st) for i in missing)
    return Schedule(
        day=st.day,
        days=days,
        unscheduled=reasons,
        stats=_stats(st, n_off, target, moves, repaired),
    )


def check_schedule(
    schedule: Schedule,
    teams: Teams | Sequence[Sequence[int]],
    towns: Sequence[int] | np.ndarray,
    days: Sequence[dt.date],
    available: np.ndarray,
    cap_per_day: int = 4,
) -> list[str]:
    """Independent check of ``schedule`` against its input; returns the problems found.

    Plain Python loops over dicts and sets; the only code shared with the solver is the
    parsing of ``teams``. Checks: every day is a candidate day (or -1), every member is
    available on it, no officer goes over the cap on any day, every inspection without a
    day has exactly one reason and the reason is true of the final schedule, and every
    count in ``schedule.stats`` (except ``moves``, ``repaired`` and ``day_target``).
    """
    problems: list[str] = []
    tm = _as_teams(teams)
    team_lists = [tm.team(i).tolist() for i in range(len(tm))]
    towns = [int(z) for z in towns]
    avail = [[bool(v) for v in row] for row in np.asarray(available)]
    n, m = len(team_lists), len(days)
    day = [int(d) for d in schedule.day]
    if len(day) != n:
        return [f"{len(day)} days for {n} inspections"]
    if tuple(schedule.days) != tuple(days):
        problems.append("schedule.days differ from the candidate days")
    load: dict[tuple[int, int], int] = {}
    combos: set[tuple[int, int, int]] = set()
    per_day = [0] * m
    per_ot: dict[tuple[int, int], int] = {}
    for i, d in enumerate(day):
        if d == -1:
            continue
        if not 0 <= d < m:
            problems.append(f"inspection {i}: day {d} is not a candidate day")
            continue
        per_day[d] += 1
        for o in team_lists[i]:
            if not avail[o][d]:
                problems.append(f"inspection {i}: officer {o} not available on {days[d]}")
            load[o, d] = load.get((o, d), 0) + 1
            combos.add((o, d, towns[i]))
            per_ot[o, towns[i]] = per_ot.get((o, towns[i]), 0) + 1
    for (o, d), k in sorted(load.items()):
        if k > cap_per_day:
            problems.append(f"officer {o} has {k} > {cap_per_day} inspections on {days[d]}")
    missing = [i for i, d in enumerate(day) if d == -1]
    if [u.inspection for u in schedule.unscheduled] != missing:
        problems.append("unscheduled reasons do not match the inspections without a day")
    for u in schedule.unscheduled:
        if not 0 <= u.inspection < n:
            continue
        team = team_lists[u.inspection]
        joint = [d for d in range(m) if all(avail[o][d] for o in team)]
        full = {o for o in team for d in joint if load.get((o, d), 0) >= cap_per_day}
        if u.code == DAILY_CAP:
            if not joint:
                problems.append(f"inspection {u.inspection}: cap reason but no joint day")
            for d in joint:
                if all(load.get((o, d), 0) < cap_per_day for o in team):
                    problems.append(f"inspection {u.inspection}: {days[d]} was free")
            if not u.officers or not set(u.officers) <= full:
                problems.append(f"inspection {u.inspection}: blames officers not at the cap")
        elif u.code in (NO_JOINT_DAY, NO_WORKING_DAY):
            if (u.code == NO_WORKING_DAY) != (m == 0):
                problems.append(f"inspection {u.inspection}: {u.code} with {m} candidate days")
            if joint:
                problems.append(f"inspection {u.inspection}: team shares {days[joint[0]]}")
            if any(all(avail[o][d] for o in u.officers) for d in range(m)) and (
                u.code == NO_JOINT_DAY
            ):
                problems.append(f"inspection {u.inspection}: blamed officers share a day")
        else:
            problems.append(f"inspection {u.inspection}: unknown reason {u.code!r}")
        if not set(u.officers) <= set(team):
            problems.append(f"inspection {u.inspection}: blames officers outside the team")
    s = schedule.stats
    officers = len(avail)
    off_max = [0] * officers
    for (o, _d), k in load.items():
        off_max[o] = max(off_max[o], k)
    lower = sum(-(-k // cap_per_day) for k in per_ot.values())
    expected = {
        "scheduled": n - len(missing),
        "unscheduled": len(missing),
        "combinations": len(combos),
        "combinations_lower_bound": lower,
        "mixed_officer_days": sum(
            1 for k in Counter((o, d) for o, d, _z in combos).values() if k >= 2
        ),
        "day_load": per_day,
        "max_day_load": max(per_day, default=0),
        "min_day_load": min(per_day, default=0),
        "officer_max_per_day": off_max,
        "max_officer_day_load": max(off_max, default=0),
    }
    for name, want in expected.items():
        got = getattr(s, name)
        got = [int(v) for v in got] if isinstance(got, np.ndarray) else got
        if got != want:
            problems.append(f"stats.{name} is {got}, expected {want}")
    return problems


# --- fitting teams to the calendar ----------------------------------------------------------


class Swap(NamedTuple):
    """A schedule repair: on inspection ``inspection``, ``removed`` left the team for
    ``added``, who shares a free working day (``day``, an index of the days) with the rest."""

    inspection: int
    removed: int
    added: int
    day: int


@dataclass(frozen=True)
class Fitted:
    """The schedule of the final teams, the teams themselves and the swaps that led there
    (in the order made). ``schedule.unscheduled`` is empty unless no repair was found."""

    schedule: Schedule
    teams: list[list[int]]
    swaps: tuple[Swap, ...]
    rounds: int


def fit_schedule(
    teams: Sequence[Sequence[int]],
    towns: Sequence[int] | np.ndarray,
    days: Sequence[dt.date],
    available: np.ndarray,
    candidates,
    total_cap: np.ndarray,
    *,
    cap_per_day: int = 4,
    seed: str = "",
    max_rounds: int = 4,
    eligible=None,
    officer_body: np.ndarray | None = None,
    exact_limit: int = 300,
    neighbourhood: int = 60,
    **options,
) -> Fitted:
    """Schedule the teams; where an inspection finds no day, swap a member for an officer
    who shares a free working day with the rest of the team, and schedule again.

    ``candidates(i, o)``: the officers who may take member ``o``'s place on inspection
    ``i`` (eligible, same body, never on the team), best first (the replacement rule of
    spec section 4: smallest cost). ``total_cap[o]``: the most inspections officer ``o``
    may have in all. A round: run `schedule_visits`; for each unscheduled inspection,
    try its blamed members first, then the others (each in team order), and take the
    first candidate who is under the total cap and, on some day where the rest of the
    team is available and below the daily cap, is available and below it too; the
    inspection is placed there for the rest of the round, so later repairs see its load.
    The rounds stop when a schedule leaves nothing out (a fixed point: the teams are
    final and `schedule_visits` of them schedules everything), when a round finds no
    swap, or after ``max_rounds``; a round that places every leftover ends them with its
    own schedule (the solver's days plus the repaired ones). When no candidate is under
    the total cap (balanced mode packs officers to it), a round exchanges instead: the
    candidate gives one of his or her scheduled inspections to the member (see
    `_swap_round`), totals unchanged.

    If inspections are still left without a day and ``eligible(i)`` (every officer who
    may be on inspection ``i``'s team) and ``officer_body`` are given, teams and days are
    chosen together exactly (`reassign_exact`) for the leftovers and the inspections
    sharing officers with them (breadth-first, at most ``neighbourhood``, drawing only on
    their own officers; every inspection and every eligible officer when there are no
    more than ``exact_limit`` inspections, which makes the answer exact: such a plan is
    refused only when no teams and schedule exist together). Deterministic: no randomness, no
    clock.
    """
    current = [list(map(int, t)) for t in teams]
    available = np.asarray(available, dtype=bool)
    total_cap = np.asarray(total_cap, dtype=np.int64)
    swaps: list[Swap] = []
    rounds = 0
    while True:
        rounds += 1
        result = schedule_visits(
            current, towns, days, available, cap_per_day=cap_per_day, seed=seed, **options
        )
        made = []
        if result.unscheduled and rounds <= max_rounds:
            made, placed = _swap_round(
                result, current, available, candidates, total_cap, cap_per_day, eligible
            )
        if not made:
            break
        swaps.extend(made)
        if (placed >= 0).all():  # every leftover placed: keep this schedule as it is
            result = schedule_from_days(
                current, towns, days, available, placed, cap_per_day=cap_per_day
            )
            break
    if not result.unscheduled or eligible is None or officer_body is None:
        return Fitted(result, current, tuple(swaps), rounds)
    left = [u.inspection for u in result.unscheduled]
    free = _neighbourhood(left, current, result.day, exact_limit, neighbourhood)
    pool = None
    if len(free) < len(current):  # a neighbourhood: its own officers only, to stay small
        pool = {o for i in free for o in current[i]}
    options_all = [
        [o for o in eligible(i) if pool is None or o in pool] if i in free else []
        for i in range(len(current))
    ]
    out = reassign_exact(
        current,
        result.day,
        sorted(free),
        officer_body,
        options_all,
        total_cap,
        available,
        cap_per_day=cap_per_day,
    )
    if out is None:
        return Fitted(result, current, tuple(swaps), rounds)
    new_teams, new_day = out
    for i in sorted(free):
        gone = [o for o in current[i] if o not in new_teams[i]]
        came = [o for o in new_teams[i] if o not in current[i]]
        for o in gone:  # pair each leaver with a newcomer of the same body
            c = next(c for c in came if officer_body[c] == officer_body[o])
            came.remove(c)
            swaps.append(Swap(i, o, c, int(new_day[i])))
    rounds += 1
    again = schedule_visits(
        new_teams, towns, days, available, cap_per_day=cap_per_day, seed=seed, **options
    )
    if again.unscheduled:  # keep the exact model's days: they schedule everything
        again = schedule_from_days(
            new_teams, towns, days, available, new_day, cap_per_day=cap_per_day
        )
    return Fitted(again, new_teams, tuple(swaps), rounds)


def _neighbourhood(left: list[int], teams, day: np.ndarray, limit: int, size: int) -> set[int]:
    """Every inspection when there are no more than ``limit``; otherwise ``left`` and,
    breadth-first, up to ``size`` inspections sharing an officer with them."""
    if len(teams) <= limit:
        return set(range(len(teams)))
    limit = size
    by_officer: dict[int, list[int]] = {}
    for i, t in enumerate(teams):
        for o in t:
            by_officer.setdefault(o, []).append(i)
    hood = dict.fromkeys(left)
    frontier = list(left)
    while frontier and len(hood) < limit:
        nxt = []
        for i in frontier:
            for o in teams[i]:
                for j in by_officer[o]:
                    if j not in hood and len(hood) < limit:
                        hood[j] = None
                        nxt.append(j)
        frontier = nxt
    return set(hood)


def _swap_round(
    result: Schedule, teams, available, candidates, total_cap, cap, eligible=None
) -> tuple[list[Swap], np.ndarray]:
    """One round of repairs of ``result``'s leftovers (see `fit_schedule`).

    First a direct swap: a candidate under the total cap who shares a free day with the
    rest of the team. Failing that, and given ``eligible``, an exchange that keeps every
    total: a candidate ``c`` (best first) leaves one of his or her scheduled inspections
    ``j`` to the member ``o``, who is eligible for ``j`` and free on its day, and takes
    ``o``'s place, when that frees a day the rest of the team shares."""
    n_off, m = available.shape
    day = result.day.copy()
    load = np.zeros((n_off, m), dtype=np.int64)
    for i, d in enumerate(day.tolist()):
        if d >= 0:
            load[teams[i], d] += 1
    total = np.zeros(n_off, dtype=np.int64)
    for t in teams:
        total[t] += 1
    on: dict[int, list[int]] = {}
    for j, t in enumerate(teams):
        for o in t:
            on.setdefault(o, []).append(j)
    allowed: dict[int, set[int]] = {}

    def may_take(j: int, o: int) -> bool:
        if j not in allowed:
            allowed[j] = set(map(int, eligible(j)))
        return o in allowed[j]

    made = []
    for u in result.unscheduled:
        i, team = u.inspection, teams[u.inspection]
        order = [o for o in u.officers if o in team] + [o for o in team if o not in u.officers]
        done = False
        for o in order:
            rest = [r for r in team if r != o]
            free = (available[rest] & (load[rest] < cap)).all(axis=0) if rest else np.ones(m, bool)
            if not free.any():
                continue
            for c in candidates(i, o):
                if c in team or total[c] >= total_cap[c]:
                    continue
                days_ok = free & available[c] & (load[c] < cap)
                if days_ok.any():
                    d = int(np.flatnonzero(days_ok)[0])
                    team[team.index(o)] = c
                    total[o] -= 1
                    total[c] += 1
                    load[team, d] += 1
                    day[i] = d
                    on.setdefault(c, []).append(i)
                    made.append(Swap(i, o, c, d))
                    done = True
                    break
            if done:
                break
        if done or eligible is None:
            continue
        for o in order:
            rest = [r for r in team if r != o]
            free = (available[rest] & (load[rest] < cap)).all(axis=0) if rest else np.ones(m, bool)
            if not free.any():
                continue
            for c in candidates(i, o):
                if c in team:
                    continue
                for j in on.get(c, []):
                    dj = int(day[j])
                    if j == i or dj < 0 or o in teams[j] or c not in teams[j]:
                        continue
                    if not (available[o, dj] and load[o, dj] < cap and may_take(j, o)):
                        continue
                    after = load[c].copy()
                    after[dj] -= 1
                    days_ok = free & available[c] & (after < cap)
                    if not days_ok.any():
                        continue
                    d = int(np.flatnonzero(days_ok)[0])
                    teams[j][teams[j].index(c)] = o
                    load[c, dj] -= 1
                    load[o, dj] += 1
                    team[team.index(o)] = c
                    load[team, d] += 1
                    day[i] = d
                    on[c].remove(j)
                    on[c].append(i)
                    on[o].remove(i)
                    on[o].append(j)
                    made += [Swap(i, o, c, d), Swap(j, c, o, dj)]
                    done = True
                    break
                if done:
                    break
            if done:
                break
    return made, day


def reassign_exact(
    teams: Sequence[Sequence[int]],
    day: np.ndarray,
    free: Sequence[int],
    officer_body: np.ndarray,
    eligible: Sequence[Sequence[int]],
    total_cap: np.ndarray,
    available: np.ndarray,
    *,
    cap_per_day: int = 4,
    det_time: float = 20.0,
) -> tuple[list[list[int]], np.ndarray] | None:
    """Choose teams and days together for the inspections in ``free`` (CP-SAT), with every
    other inspection kept on its team and day (``day[i] >= 0``); None when none is found.

    ``eligible[i]``: the officers who may be on inspection ``i``'s team (its current
    members may stay); the team keeps as many officers of each body as ``teams[i]`` has.
    Constraints: each free inspection gets one day on which each chosen member is
    available and, counting the kept inspections, below ``cap_per_day``; each officer
    has at most ``total_cap`` inspections in all. Objective: keep as many current members
    as possible. One worker, a fixed random seed and a deterministic time budget, so the
    answer never depends on the machine. When ``free`` is every inspection and the model
    is proven infeasible, no teams and schedule exist together for these officers.
    """
    from ortools.sat.python import cp_model

    available = np.asarray(available, dtype=bool)
    n_off, m = available.shape
    free_list = sorted(set(int(i) for i in free))
    free_set = set(free_list)
    fixed_day = np.zeros((n_off, m), dtype=np.int64)
    fixed_total = np.zeros(n_off, dtype=np.int64)
    for i, t in enumerate(teams):
        if i in free_set:
            continue
        fixed_total[list(t)] += 1
        if day[i] >= 0:
            fixed_day[list(t), day[i]] += 1
    model = cp_model.CpModel()
    xs_of: dict[int, list[tuple[int, object]]] = {}
    ws_of: dict[tuple[int, int], list[tuple[int, object]]] = {}
    by_od: dict[tuple[int, int], list] = {}
    by_o: dict[int, list] = {}
    keep = []
    for i in free_list:
        need = Counter(int(officer_body[o]) for o in teams[i])
        cands = sorted(set(int(o) for o in eligible[i]) | set(int(o) for o in teams[i]))
        xs_of[i] = []
        for d in range(m):
            ok = {b: [o for o in cands if officer_body[o] == b and available[o, d]] for b in need}
            if not all(len(ok[b]) >= k for b, k in need.items()):
                continue
            xd = model.new_bool_var(f"x{i}_{d}")
            xs_of[i].append((d, xd))
            ws_of[i, d] = []
            for b, k in need.items():
                ws = []
                for o in ok[b]:
                    if fixed_day[o, d] >= cap_per_day:
                        continue
                    v = model.new_bool_var(f"w{i}_{o}_{d}")
                    ws.append(v)
                    ws_of[i, d].append((o, v))
                    by_od.setdefault((o, d), []).append(v)
                    by_o.setdefault(o, []).append(v)
                    if o in teams[i]:
                        keep.append(v)
                model.add(cp_model.LinearExpr.sum(ws) == k * xd)
        if not xs_of[i]:
            return None
        model.add_exactly_one([v for _d, v in xs_of[i]])
    for (o, d), vs in by_od.items():
        model.add(cp_model.LinearExpr.sum(vs) <= cap_per_day - int(fixed_day[o, d]))
    for o, vs in by_o.items():
        model.add(cp_model.LinearExpr.sum(vs) <= int(total_cap[o]) - int(fixed_total[o]))
    model.maximize(cp_model.LinearExpr.sum(keep))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = det_time
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new_teams = [list(map(int, t)) for t in teams]
    new_day = np.array(day, dtype=np.int64).copy()
    for i in free_list:
        d = next(d for d, v in xs_of[i] if solver.boolean_value(v))
        new_day[i] = d
        new_teams[i] = sorted(o for o, v in ws_of[i, d] if solver.boolean_value(v))
    return new_teams, new_day


def schedule_from_days(
    teams: Sequence[Sequence[int]],
    towns: Sequence[int] | np.ndarray,
    days: Sequence[dt.date],
    available: np.ndarray,
    day: np.ndarray,
    *,
    cap_per_day: int = 4,
) -> Schedule:
    """A `Schedule` (with its stats and reasons) of given days, e.g. from `reassign_exact`."""
    tm = _as_teams(teams)
    town_raw = np.asarray(towns, dtype=np.int64).reshape(-1)
    available = np.asarray(available, dtype=bool)
    _validate(tm, town_raw, tuple(days), available, cap_per_day)
    uniq, town = np.unique(town_raw, return_inverse=True)
    n_off, m = available.shape
    st = _State(tm, town.astype(np.int64).reshape(-1), len(uniq), n_off, m, cap_per_day)
    for i, d in enumerate(np.asarray(day).tolist()):
        if d >= 0:
            st.place(i, tm.team(i), int(d))
    missing = np.flatnonzero(st.day < 0).tolist()
    reasons = tuple(_reason(i, tm.team(i), available, st) for i in missing)
    return Schedule(
        day=st.day, days=tuple(days), unscheduled=reasons, stats=_stats(st, n_off, None, 0, 0)
    )
