"""Typed, append-only audit events (执法全过程记录), written in the caller's transaction,
chained so that a later change shows (防篡改审计链).

Every event stores the SHA-256 of the previous event's canonical form, once over the whole
log in id order (`prev_hash`) and once among the events of the same subject, e.g. one
plan (`subject_prev_hash`), and its own hash (`hash`, over its content and both links).
`record` computes and writes the event at once while holding a lock (PostgreSQL: an
advisory transaction lock; SQLite: the database write lock), so that two writers cannot
fork the chain. `verify` walks the chains and names the first broken link. On PostgreSQL
a trigger refuses UPDATE, DELETE and TRUNCATE on `audit_event` (migration 0008); commitments
and bundles publish the chain head of their moment (`Plan.frozen_chain_head`,
`Plan.published_chain_head`), so that a rewritten log contradicts what was published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.db import begin_write
from scheduler.errors import Msg
from scheduler.models import AuditEvent, Plan


class EventKind(enum.StrEnum):
    DIRECTORY_IMPORTED = "directory_imported"
    DEMO_LOADED = "demo_loaded"
    REFERENCE_LOADED = "reference_loaded"
    USER_CREATED = "user_created"
    USER_LOGGED_IN = "user_logged_in"
    USER_LOGIN_FAILED = "user_login_failed"
    USER_LOGGED_OUT = "user_logged_out"
    USER_DEACTIVATED = "user_deactivated"
    LOGIN_LOCKED = "login_locked"
    PLAN_CREATED = "plan_created"
    PLAN_FROZEN = "plan_frozen"
    PLAN_SEEDED = "plan_seeded"
    PLAN_DRAWN = "plan_drawn"
    PLAN_PUBLISHED = "plan_published"
    CALENDAR_IMPORTED = "calendar_imported"
    PLAN_MATCHED = "plan_matched"
    PLAN_SCHEDULED = "plan_scheduled"
    TEAM_MEMBER_REPLACED = "team_member_replaced"
    PLAN_AUDITOR_BUNDLE = "plan_auditor_bundle"  # who took a sealed plan's strata key
    PLAN_CAPACITY_FORCED = "plan_capacity_forced"
    PLAN_SETTINGS_CHANGED = "plan_settings_changed"
    PLAN_REMATCHED = "plan_rematched"
    TEAM_MEMBER_ASSIGNED = "team_member_assigned"
    VISIT_MOVED = "visit_moved"
    PLAN_RESCHEDULED = "plan_rescheduled"
    PLAN_CANCELLED = "plan_cancelled"
    TEAM_FLAGGED = "team_flagged"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
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


# The `prev_hash` of the first event, globally and of each subject.
GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock that serialises the writers of the chain.
CHAIN_LOCK_KEY = 0x0FA1_4D2A_A0D1_7000


def canonical(
    at: dt.datetime,
    kind: str,
    actor: str,
    subject: str,
    payload: dict,
    prev_hash: str,
    subject_prev_hash: str,
) -> bytes:
    """The canonical form of an event that its hash covers: compact JSON, sorted keys,
    UTF-8, the time in ISO 8601 to the microsecond (stored UTC). The id is not part of it:
    the order is the chain itself."""
    return json.dumps(
        {
            "at": at.isoformat(timespec="microseconds"),
            "kind": kind,
            "actor": actor,
            "subject": subject,
            "payload": payload,
            "prev_hash": prev_hash,
            "subject_prev_hash": subject_prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def event_hash(event) -> str:
    """SHA-256 (hex) of the canonical form of `event` (an `AuditEvent` or a row with the
    same attributes)."""
    return hashlib.sha256(
        canonical(
            event.at,
            event.kind,
            event.actor,
            event.subject,
            event.payload,
            event.prev_hash,
            event.subject_prev_hash,
        )
    ).hexdigest()


def lock_chain(session: Session) -> None:
    """Hold the chain's lock until the transaction ends (PostgreSQL: an advisory lock;
    SQLite: the database write lock)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
    else:
        begin_write(session)


def chain_head(session: Session, subject: str | None = None) -> str:
    """The hash of the last event (of `subject` if given), or `GENESIS` for an empty chain.
    Read it inside the transaction that holds `lock_chain` to build on it."""
    query = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    return session.scalar(query) or GENESIS


def record(
    session: Session, kind: EventKind, actor: Actor, subject: str = "", **payload
) -> AuditEvent:
    """Write an audit event now, chained to the previous ones; it commits (or rolls back)
    with the change it records. The actor's name goes into the `actor` column, its role
    into the payload's `actor_role`. Takes the chain's lock for the rest of the transaction.
    """
    if not isinstance(kind, EventKind):
        raise TypeError(f"unknown audit event kind {kind!r}")
    if not isinstance(actor, Actor):
        raise TypeError(f"an audit event needs an Actor, got {actor!r}")
    # What is stored is exactly what is hashed (tuples become lists, and so on).
    payload = json.loads(json.dumps({**payload, "actor_role": actor.role}, ensure_ascii=False))
    lock_chain(session)
    event = AuditEvent(
        at=now_utc(),
        kind=kind.value,
        actor=actor.name,
        subject=subject,
        payload=payload,
        prev_hash=chain_head(session),
        subject_prev_hash=chain_head(session, subject),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


# ---------------------------------------------------------------------------- verification


@dataclasses.dataclass
class Verification:
    """What `verify` found: the number of events checked, the head, the first problem."""

    events: int
    head: str
    problem: Msg | None = None
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _where(row) -> str:
    return f"#{row.id} ({row.kind}, {row.subject or '-'}, {row.at.isoformat(sep=' ')})"


def verify(session: Session) -> Verification:
    """Walk the global chain and every subject's chain in id order; stop at the first
    broken link. Then check that the chain heads the plans published are events of the
    chain. Read-only."""
    columns = (
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.kind,
        AuditEvent.actor,
        AuditEvent.subject,
        AuditEvent.payload,
        AuditEvent.prev_hash,
        AuditEvent.subject_prev_hash,
        AuditEvent.hash,
    )
    head, previous, count = GENESIS, None, 0
    subject_heads: dict[str, str] = {}
    rows = session.execute(select(*columns).order_by(AuditEvent.id)).yield_per(2000)
    for row in rows:
        where = _where(row)
        if row.prev_hash != head:
            before = f"#{previous.id}" if previous is not None else "the start"
            return Verification(
                count,
                head,
                Msg(
                    f"审计链在事件 {where} 处断开：它记录的前一事件哈希与 {before} 不符"
                    "（其间的事件被删除或改动）",
                    f"the audit chain is broken at event {where}: its previous-event hash "
                    f"does not match {before} (an event between them was deleted or altered)",
                ),
                row.id,
            )
        expected_subject = subject_heads.get(row.subject, GENESIS)
        if row.subject_prev_hash != expected_subject:
            return Verification(
                count,
                head,
                Msg(
                    f"审计链（对象 {row.subject}）在事件 {where} 处断开：该对象的前一事件"
                    "被删除或改动",
                    f"the audit chain of {row.subject!r} is broken at event {where}: the "
                    "previous event of that subject was deleted or altered",
                ),
                row.id,
            )
        if event_hash(row) != row.hash:
            return Verification(
                count,
                head,
                Msg(
                    f"审计事件 {where} 的内容已被改动（哈希不符）",
                    f"audit event {where} was altered: its content does not match its hash",
                ),
                row.id,
            )
        head = subject_heads[row.subject] = row.hash
        previous = row
        count += 1
    for code, column in _published_heads(session):
        found = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.hash == column, AuditEvent.subject == code)
        )
        if not found:
            return Verification(
                count,
                head,
                Msg(
                    f"计划 {code} 公布的审计链头 {column[:16]}… 不在审计链中（日志被改写）",
                    f"the audit chain head {column[:16]}... published by plan {code} is not "
                    "in the chain: the log was rewritten",
                ),
            )
    return Verification(count, head)


def _published_heads(session: Session):
    for code, frozen, published in session.execute(
        select(Plan.code, Plan.frozen_chain_head, Plan.published_chain_head).order_by(Plan.code)
    ):
        for value in (frozen, published):
            if value:
                yield code, value
