"""The diagnosis explains itself (匹配诊断): why officers are out, and the one change that
would make the plan feasible.

- Officers out for the whole window, by first reason: certificate, leave, competence
  (`scheduler.plans.capacity`); once drawn, the (inspection, officer) pairs each rule
  removes: competence, cross-jurisdiction, conflicts, rotation (`matching.build_problem`).
- Suggestions, each a single change that makes the capacity check pass (and, once drawn,
  a full match exist), with the `settings` a `flask plan set` or a page can apply: a cap
  per officer, a daily cap, a smaller team, a longer window, more officers of a body. A
  cap is suggested only when it works: with no working day in the window, or officers
  whose days run out before any cap does, no cap is suggested.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

from sqlalchemy.orm import Session

from scheduler.access import VIEW
from scheduler.actors import Actor
from scheduler.errors import Msg
from scheduler.models import Plan, PlanState
from scheduler.plans import capacity
from scheduler.plans.core import require_plan
from scheduler.plans.eligibility import REASONS, availability
from scheduler.workdays import working_days

MAX_WINDOW_WEEKS = 26  # how far a longer window is searched
TEAM_MIN = 2  # two officers at least, by law


@dataclass
class Suggestion:
    kind: str  # cap_per_officer, cap_per_day, team_size, window, officers
    settings: dict  # what to apply: keys of `flask plan set`, or window.end, or officers.BODY
    message: Msg

    def as_dict(self) -> dict:
        return {"kind": self.kind, "settings": self.settings, "message": asdict(self.message)}


@dataclass
class Diagnosis:
    plan: str
    feasible: bool
    capacity: capacity.CapacityReport
    officers_out: dict[str, dict[str, int]]  # body -> whole-window reason -> officers
    pairs_out: dict[str, dict[str, int]] = field(default_factory=dict)  # once drawn
    suggestions: list[Suggestion] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "plan": self.plan,
            "feasible": self.feasible,
            "capacity": self.capacity.as_dict(),
            "officers_out": self.officers_out,
            "pairs_out": self.pairs_out,
            "suggestions": [s.as_dict() for s in self.suggestions],
        }

    def lines(self) -> list[Msg]:
        out = list(self.capacity.lines())
        for body, reasons in self.officers_out.items():
            if reasons:
                out.append(
                    Msg(
                        f"{body} 不合格人员："
                        + "，".join(f"{REASONS[r].zh} {n} 人" for r, n in reasons.items()),
                        f"{body} officers out: "
                        + ", ".join(f"{REASONS[r].en}: {n}" for r, n in reasons.items()),
                    )
                )
        for body, reasons in self.pairs_out.items():
            if reasons:
                out.append(
                    Msg(
                        f"{body} 被排除的（检查，人员）组合："
                        + "，".join(f"{REASONS[r].zh} {n}" for r, n in reasons.items()),
                        f"{body} (inspection, officer) pairs excluded: "
                        + ", ".join(f"{REASONS[r].en}: {n}" for r, n in reasons.items()),
                    )
                )
        out.extend(s.message for s in self.suggestions)
        return out


# ------------------------------------------------------------------------------ per body


@dataclass
class _Body:
    code: str
    team: int
    inspections: float
    days: list[int]  # available working days of each eligible officer


def _bodies(session: Session, plan: Plan, report: capacity.CapacityReport, end: dt.date):
    """Each body's eligible officers and their available days in the window up to `end`."""
    window = SimpleNamespace(window_start=plan.window_start, window_end=end)
    days = working_days(session, plan.window_start, end).days
    items = capacity._body_items(plan)
    out = []
    for body, checked in zip(sorted(plan.bodies, key=lambda b: b.code), report.bodies, strict=True):
        eligible = capacity.eligible_officers(session, window, body, items[body.code])
        avail = availability(session, eligible, days).sum(axis=1) if eligible else []
        out.append(
            _Body(body.code, checked.team_size, checked.inspections, [int(a) for a in avail])
        )
    return out


def _fits(bodies: list[_Body], cap: int | None, per_day: int, teams: dict | None = None) -> bool:
    for b in bodies:
        team = (teams or {}).get(b.code, b.team)
        demand = b.inspections * team
        if demand <= 0:
            continue
        if len(b.days) < team:
            return False
        supply = sum(min(cap, d * per_day) if cap is not None else d * per_day for d in b.days)
        if demand > supply + 1e-9:
            return False
    return True


def _smallest_cap(bodies: list[_Body], per_day: int) -> int | None:
    """The smallest cap per officer that the capacity check accepts; None if none does."""
    if not _fits(bodies, None, per_day):
        return None
    lo, hi = 0, max((d * per_day for b in bodies for d in b.days), default=0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _fits(bodies, mid, per_day) else (mid, hi)
    return hi


def diagnose(session: Session, code: str, actor: Actor) -> Diagnosis:
    """The capacity check, the reasons officers are out, and single-change suggestions."""
    plan = require_plan(session, code, actor, VIEW)
    report = capacity.report(session, plan)
    out = Diagnosis(
        plan.code,
        report.feasible,
        report,
        {b.body: dict(b.ineligible) for b in report.bodies},
    )
    drawn = plan.state not in (PlanState.DRAFT.value, PlanState.FROZEN.value)
    exact_cap = None
    if drawn and plan.state != PlanState.CANCELLED.value:
        out.pairs_out, exact_cap, match_ok = _pairs_out(session, plan)
        out.feasible = out.feasible and match_ok
    if out.feasible:
        return out
    rules = plan.rules
    cap, per_day = rules.get("cap_per_officer"), int(rules.get("cap_per_day", 4))
    bodies = _bodies(session, plan, report, plan.window_end)
    if not report.no_working_day:
        best = exact_cap if drawn else _smallest_cap(bodies, per_day)
        if best is not None and (cap is None or best > cap or drawn):
            settings = {"cap_per_officer": best}
            if rules["mode"] == "random" or cap is not None:
                out.suggestions.append(
                    Suggestion(
                        "cap_per_officer",
                        settings,
                        Msg(
                            f"建议：每人上限改为 {best}（flask plan set {plan.code} "
                            f"cap_per_officer={best}）",
                            f"suggestion: a cap per officer of {best} (flask plan set "
                            f"{plan.code} cap_per_officer={best})",
                        ),
                    )
                )
        if per_day < capacity.CAP_PER_DAY_MAX:
            for more in range(per_day + 1, capacity.CAP_PER_DAY_MAX + 1):
                if _fits(bodies, cap, more):
                    out.suggestions.append(
                        Suggestion(
                            "cap_per_day",
                            {"cap_per_day": more},
                            Msg(
                                f"建议：每人每日上限改为 {more}",
                                f"suggestion: a daily cap of {more} per officer",
                            ),
                        )
                    )
                    break
        for b in bodies:
            for team in range(b.team - 1, TEAM_MIN - 1, -1):
                if _fits(bodies, cap, per_day, {b.code: team}):
                    out.suggestions.append(
                        Suggestion(
                            "team_size",
                            {f"team_size.{b.code}": team},
                            Msg(
                                f"建议：{b.code} 检查组人数改为 {team}",
                                f"suggestion: teams of {team} for {b.code}",
                            ),
                        )
                    )
                    break
        for b in bodies:
            demand = b.inspections * b.team
            per_officer = (
                min(cap, max(b.days, default=0) * per_day)
                if cap is not None
                else max(b.days, default=0) * per_day
            )
            supply = sum(min(cap, d * per_day) if cap is not None else d * per_day for d in b.days)
            if demand > supply and per_officer > 0:
                extra = max(math.ceil((demand - supply) / per_officer), b.team - len(b.days))
                out.suggestions.append(
                    Suggestion(
                        "officers",
                        {f"officers.{b.code}": extra},
                        Msg(
                            f"建议：{b.code} 增加 {extra} 名合格执法人员",
                            f"suggestion: {extra} more eligible officers for {b.code}",
                        ),
                    )
                )
    if not drawn or report.no_working_day:
        end = _longer_window(session, plan, report, cap, per_day)
        if end is not None:
            out.suggestions.append(
                Suggestion(
                    "window",
                    {"window.end": end.isoformat()},
                    Msg(
                        f"建议：检查期延长至 {end}",
                        f"suggestion: extend the window to {end}",
                    ),
                )
            )
    if report.no_working_day and not any(s.kind == "window" for s in out.suggestions):
        out.suggestions.append(
            Suggestion(
                "window",
                {},
                Msg(
                    "检查期内没有工作日：没有可行的上限，须另定检查期",
                    "the window has no working day: no cap can work; choose another window",
                ),
            )
        )
    return out


def _longer_window(session, plan, report, cap, per_day) -> dt.date | None:
    for weeks in range(1, MAX_WINDOW_WEEKS + 1):
        end = plan.window_end + dt.timedelta(weeks=weeks)
        if _fits(_bodies(session, plan, report, end), cap, per_day):
            return end
    return None


def _pairs_out(session: Session, plan: Plan) -> tuple[dict, int | None, bool]:
    """(pairs excluded per body and reason, the smallest cap of a full match, whether a
    full match exists at the plan's cap) of a drawn plan."""
    import numpy as np

    from scheduler.plans import matching
    from solver import match as matcher

    built = matching.build_problem(session, plan)
    out = {}
    for code, pool in built.pools.items():
        base = np.array([r is None for r in pool.base_reason], dtype=bool)
        wanted = (pool.demand > 0)[:, None] & base[None, :]
        left = wanted
        counts = {}
        for reason, mask in (
            ("competence", ~pool.competent),
            ("jurisdiction", pool.same_town),
            ("conflict", pool.conflicted),
            ("rotation", pool.rotation),
        ):
            hit = left & mask
            if hit.any():
                counts[reason] = int(hit.sum())
            left = left & ~mask
        out[code] = counts
    best = matcher.smallest_limited_cap(built.problem, built.limit)
    cap = plan.rules.get("cap_per_officer")
    ok = best is not None and (cap is None or best <= cap)
    return out, best, ok
