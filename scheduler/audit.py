"""Typed, append-only audit events (执法全过程记录), written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.models import AuditEvent


class EventKind(enum.StrEnum):
    DIRECTORY_IMPORTED = "directory_imported"
    DEMO_LOADED = "demo_loaded"
    REFERENCE_LOADED = "reference_loaded"
    USER_CREATED = "user_created"
    USER_LOGGED_IN = "user_logged_in"
    USER_LOGIN_FAILED = "user_login_failed"
    PLAN_CREATED = "plan_created"
    PLAN_FROZEN = "plan_frozen"
    PLAN_SEEDED = "plan_seeded"
    PLAN_DRAWN = "plan_drawn"
    PLAN_PUBLISHED = "plan_published"
    CALENDAR_IMPORTED = "calendar_imported"
    PLAN_MATCHED = "plan_matched"
    PLAN_SCHEDULED = "plan_scheduled"
    TEAM_MEMBER_REPLACED = "team_member_replaced"
    TEAM_SCHEDULE_REPAIRED = "team_schedule_repaired"
    RESULT_SAVED = "result_saved"
    RESULT_SUBMITTED = "result_submitted"
    RESULT_RETURNED = "result_returned"
    RESULT_APPROVED = "result_approved"
    RESULT_DISCLOSED = "result_disclosed"
    RESULTS_IMPORTED = "results_imported"
    ATTACHMENT_ADDED = "attachment_added"
    INSPECTION_CANCELLED = "inspection_cancelled"
    PLAN_CLOSED = "plan_closed"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    session: Session, kind: EventKind, actor: Actor, subject: str = "", **payload
) -> AuditEvent:
    """Add an audit event to `session`; it commits (or rolls back) with the change it records.
    The actor's name goes into the `actor` column, its role into the payload's `actor_role`."""
    if not isinstance(kind, EventKind):
        raise TypeError(f"unknown audit event kind {kind!r}")
    if not isinstance(actor, Actor):
        raise TypeError(f"an audit event needs an Actor, got {actor!r}")
    event = AuditEvent(
        at=now_utc(),
        kind=kind.value,
        actor=actor.name,
        subject=subject,
        payload={**payload, "actor_role": actor.role},
    )
    session.add(event)
    return event
