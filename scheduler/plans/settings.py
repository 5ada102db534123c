"""Match settings (匹配参数) changed after the draw: `flask plan set CODE key=value ...`.

The cap per officer, the daily cap, the team sizes, the mode and cross-jurisdiction are
not part of the draw's commitment, so they may change until the plan is scheduled. In a
matched plan the change drops the match: its assignments and solved problem move to
`plan_match_history` (nothing is lost) and the plan is drawn again, ready to match. Every
change is audited with its reason.
"""

from __future__ import annotations

import csv
import difflib
import io
import zlib

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from scheduler.access import MANAGE
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Invalid, Msg
from scheduler.models import (
    Assignment,
    Body,
    Inspection,
    Officer,
    Plan,
    PlanMatchHistory,
    PlanMatchInput,
    PlanState,
)
from scheduler.plans.core import require_plan, require_state

KEYS = ("cap_per_officer", "cap_per_day", "team_size.BODY", "mode", "cross_jurisdiction")
SETTABLE = (PlanState.DRAFT, PlanState.FROZEN, PlanState.DRAWN, PlanState.MATCHED)
MODES = ("balanced", "random")
TEAM_SIZE = (2, 10)  # as in the plan file
CAP_PER_DAY = (1, 20)
TRUE, FALSE = {"true", "yes", "1", "on", "是"}, {"false", "no", "0", "off", "否"}
NONE = {"none", "null", ""}


def _bad(key: str, zh: str, en: str) -> Invalid:
    return Invalid(Msg(f"{key}：{zh}", f"{key}: {en}"), field=key, code="setting_invalid")


def _int(key: str, text: str, low: int, high: int | None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _bad(
            key, f"应为整数，而不是 {text!r}", f"expected a whole number, not {text!r}"
        ) from None
    if value < low or (high is not None and value > high):
        span = f"{low}-{high}" if high is not None else f">= {low}"
        raise _bad(key, f"应在 {span} 之间，而不是 {value}", f"must be {span}, not {value}")
    return value


def parse(plan: Plan, pairs: list[str]) -> dict[str, object]:
    """`key=value` strings as {rule path: value}; `Invalid` naming the key otherwise."""
    out: dict[str, object] = {}
    bodies = [b.code for b in plan.bodies]
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip(), text.strip()
        if not sep:
            raise _bad(pair, "应写成 键=值", "expected key=value")
        if key == "cap_per_officer":
            out[key] = None if text.lower() in NONE else _int(key, text, 1, None)
        elif key == "cap_per_day":
            out[key] = _int(key, text, *CAP_PER_DAY)
        elif key.startswith("team_size."):
            body = key.split(".", 1)[1]
            if body not in bodies:
                raise _bad(
                    key,
                    f"{body} 不是本计划的执法主体（{'、'.join(bodies)}）",
                    f"{body} is not one of the plan's bodies ({', '.join(bodies)})",
                )
            out[key] = _int(key, text, *TEAM_SIZE)
        elif key == "mode":
            if text not in MODES:
                raise _bad(key, f"应为 {' 或 '.join(MODES)}", f"must be {' or '.join(MODES)}")
            out[key] = text
        elif key == "cross_jurisdiction":
            if text.lower() not in TRUE | FALSE:
                raise _bad(key, "应为 true 或 false", "must be true or false")
            out[key] = text.lower() in TRUE
        else:
            known = [k.replace("BODY", b) for k in KEYS for b in (bodies if "BODY" in k else [""])]
            near = difflib.get_close_matches(key, known, n=1)
            hint = (Msg(f"，是否应为 {near[0]}？", f"; did you mean {near[0]}?")) if near else None
            raise _bad(
                key,
                "不是可修改的匹配参数" + (hint.zh if hint else f"（可用：{', '.join(known)}）"),
                "is not a match setting" + (hint.en if hint else f" (known: {', '.join(known)})"),
            )
    if not out:
        raise Invalid(Msg("没有给出要修改的参数", "no setting given"), code="setting_invalid")
    return out


def apply(rules: dict, changes: dict[str, object]) -> dict:
    """A copy of `rules` with `changes` (paths as from `parse`) applied and checked."""
    new = {**rules, "team_size": dict(rules["team_size"])}
    for key, value in changes.items():
        if key.startswith("team_size."):
            new["team_size"][key.split(".", 1)[1]] = value
        else:
            new[key] = value
    if new["mode"] == "random" and not new.get("cap_per_officer"):
        raise _bad(
            "cap_per_officer", "random 模式须给出每人上限", "mode random needs a cap per officer"
        )
    return new


def _value(rules: dict, key: str):
    if key.startswith("team_size."):
        return rules["team_size"].get(key.split(".", 1)[1])
    return rules.get(key)


def drop_match(session: Session, plan: Plan, actor: Actor, reason: str) -> PlanMatchHistory:
    """Move the plan's match to `plan_match_history` and make the plan drawn again."""
    rows = session.execute(
        select(
            Inspection.uscc,
            Body.code,
            Officer.cert_no,
            Assignment.is_leader,
            Assignment.cost,
            Assignment.active,
            Assignment.end_reason,
        )
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Inspection.plan_id == plan.id)
        .order_by(Inspection.uscc, Body.code, Assignment.id)
    ).all()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["uscc", "body", "cert_no", "leader", "cost", "active", "end_reason"])
    for uscc, body, cert, leader, cost, active, end in rows:
        writer.writerow([uscc, body, cert, int(leader), cost, int(active), end or ""])
    problem = session.get(PlanMatchInput, plan.id)
    history = PlanMatchHistory(
        plan_id=plan.id,
        matched_at=plan.matched_at,
        dropped_at=now_utc(),
        dropped_by=actor.name,
        reason=reason,
        match_summary=plan.match_summary,
        assignments_zlib=zlib.compress(buf.getvalue().encode(), 6),
        problem_npz=problem.problem_npz if problem else None,
    )
    session.add(history)
    inspections = select(Inspection.id).where(Inspection.plan_id == plan.id)
    # Replacements point at the rows they replace: delete those first.
    session.execute(
        delete(Assignment).where(
            Assignment.inspection_id.in_(inspections), Assignment.replaces_id.is_not(None)
        )
    )
    session.execute(delete(Assignment).where(Assignment.inspection_id.in_(inspections)))
    if problem is not None:
        session.delete(problem)
    session.execute(
        update(Inspection)
        .where(Inspection.plan_id == plan.id)
        .values(short_reason=None, team_flag=None)
    )
    plan.state = PlanState.DRAWN.value
    plan.matched_at = None
    plan.match_summary = None
    session.flush()
    return history


def change(
    session: Session, code: str, pairs: list[str], reason: str, actor: Actor
) -> tuple[Plan, dict[str, tuple], PlanMatchHistory | None]:
    """Change match settings; returns the plan, {key: (old, new)} of what changed, and the
    archived match when a matched plan had to drop it."""
    plan = require_plan(session, code, actor, MANAGE, lock=True)
    require_state(plan, Msg("修改匹配参数", "change the match settings of"), *SETTABLE)
    if not reason or not reason.strip():
        raise Invalid(
            Msg("须说明修改原因（--reason）", "give the reason for the change (--reason)"),
            field="reason",
            code="reason_required",
        )
    changes = parse(plan, pairs)
    new_rules = apply(plan.rules, changes)
    changed = {
        k: (_value(plan.rules, k), _value(new_rules, k))
        for k in changes
        if _value(plan.rules, k) != _value(new_rules, k)
    }
    history = None
    if changed:
        if plan.state == PlanState.MATCHED.value:
            history = drop_match(session, plan, actor, reason)
        plan.rules = new_rules
        record(
            session,
            EventKind.PLAN_SETTINGS_CHANGED,
            actor,
            subject=plan.code,
            reason=reason,
            changed={k: {"old": old, "new": new} for k, (old, new) in changed.items()},
            match_dropped=history is not None,
            match_history_id=history.id if history else None,
            dropped_match=history.match_summary if history else None,
        )
        session.flush()
    return plan, changed, history
