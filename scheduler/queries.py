"""Counts of the directories for pages (home, console) and for the demo loader's
emptiness check. Reads about one plan are in `scheduler.plans.queries`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent, Body, Conflict, Entity, EntityStatus, LeavePeriod, Officer

# name -> (model, conditions)
COUNTED = {
    "bodies": (Body, ()),
    "officers": (Officer, ()),
    "entities": (Entity, ()),
    "active_entities": (Entity, (Entity.status == EntityStatus.ACTIVE.value,)),
    "conflicts": (Conflict, ()),
    "leave": (LeavePeriod, ()),
    "audit": (AuditEvent, ()),
}


def directory_counts(session: Session, *names: str) -> dict[str, int]:
    """Row counts by name (all of `COUNTED` when no name is given), one query each."""
    out = {}
    for name in names or tuple(COUNTED):
        model, where = COUNTED[name]
        out[name] = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return out
