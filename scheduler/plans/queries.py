"""Reads about one plan for pages and the CLI: its summary, teams, counts. No writes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import Assignment, Inspection, Plan
from scheduler.plans.core import iso_utc


def inspection_counts(session: Session, plan: Plan) -> dict[str, int]:
    """The plan's inspections by origin: {"random": n, "key": m}."""
    counts = dict(
        session.execute(
            select(Inspection.origin, func.count())
            .where(Inspection.plan_id == plan.id)
            .group_by(Inspection.origin)
        ).all()
    )
    return {"random": counts.get("random", 0), "key": counts.get("key", 0)}


def short_teams(session: Session, plan: Plan) -> list[tuple[str, str]]:
    """(uscc, reason) of the inspections whose team a recusal left incomplete, or whose
    team a directory change flagged (`team_flag`): none may be published."""
    return [
        (uscc, "; ".join(r for r in (short, flag) if r))
        for uscc, short, flag in session.execute(
            select(Inspection.uscc, Inspection.short_reason, Inspection.team_flag)
            .where(
                Inspection.plan_id == plan.id,
                Inspection.short_reason.is_not(None) | Inspection.team_flag.is_not(None),
            )
            .order_by(Inspection.uscc)
        )
    ]


def team_of(session: Session, inspection_id: int, body_id: int | None = None) -> list[Assignment]:
    """The active members of an inspection's team (of one body, or of all), by body, cost."""
    query = select(Assignment).where(Assignment.inspection_id == inspection_id, Assignment.active)
    if body_id is not None:
        query = query.where(Assignment.body_id == body_id)
    return session.scalars(query.order_by(Assignment.body_id, Assignment.cost)).all()


def summary(session: Session, plan: Plan) -> dict:
    """What `flask plan show` prints and the console shows (staff: rules, counts, digests)."""
    frozen = plan.freeze_summary or {}
    return {
        "code": plan.code,
        "name": plan.name,
        "state": plan.state,
        "lead_body": plan.lead_body.code,
        "bodies": [b.code for b in plan.bodies],
        "items": [i.code for i in plan.items],
        "window": {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()},
        "rules": plan.rules,
        "frozen_at": iso_utc(plan.frozen_at) if plan.frozen_at else None,
        "population_digest": plan.population_digest,
        "population_size": plan.population_size,
        "strata": frozen.get("strata"),
        "excluded": frozen.get("excluded"),
        "key_supervision": len(frozen.get("key_supervision", [])),
        "seed": plan.seed,
        "inspections": inspection_counts(session, plan),
        "short_teams": [
            {"inspection": f"{plan.code}/{u}", "reason": r} for u, r in short_teams(session, plan)
        ],
        "match": plan.match_summary,
        "schedule": plan.schedule_summary,
        "published_at": iso_utc(plan.published_at) if plan.published_at else None,
        "cancelled_at": iso_utc(plan.cancelled_at) if plan.cancelled_at else None,
        "cancel_reason": plan.cancel_reason,
    }
