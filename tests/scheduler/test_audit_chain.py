"""The tamper-evident audit trail: chained events, `flask audit verify`, the PostgreSQL
append-only trigger, and chain heads published with a plan's commitment and bundle."""

from __future__ import annotations

import datetime as dt
import json
import types

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from scheduler import audit
from scheduler.actors import Actor
from scheduler.audit import GENESIS, EventKind, record
from scheduler.models import AuditEvent
from scheduler.plans import create, draw, public

ACTOR = Actor.system("test")
SEED = "16180339887498948482045868"


def _events(session):
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def _three(session):
    """Three events, subjects a, b, a (after whatever the log held already)."""
    events = [
        record(session, EventKind.USER_CREATED, ACTOR, subject="a", role="planner"),
        record(session, EventKind.USER_CREATED, ACTOR, subject="b", role="officer"),
        record(session, EventKind.USER_LOGGED_IN, ACTOR, subject="a", client="10.0.0.1"),
    ]
    session.commit()
    return events


def _copy(event, **changes):
    """A detached copy of an event's hashed fields, with `changes`."""
    fields = ("at", "kind", "actor", "subject", "payload", "prev_hash", "subject_prev_hash")
    return types.SimpleNamespace(**({f: getattr(event, f) for f in fields} | changes))


def _tamper(session, sql: str, **params):
    """Change audit_event behind the application's back, as someone with database rights
    would (on PostgreSQL past the append-only trigger, which a superuser can switch off)."""
    with session.get_bind().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(sql), params)
    session.expire_all()


def test_events_are_chained_globally_and_per_subject(db_session):
    before = audit.chain_head(db_session)
    a1, b1, a2 = _three(db_session)
    assert a1.prev_hash == before and a1.subject_prev_hash == GENESIS
    assert b1.prev_hash == a1.hash and b1.subject_prev_hash == GENESIS
    assert a2.prev_hash == b1.hash and a2.subject_prev_hash == a1.hash
    assert len({a1.hash, b1.hash, a2.hash}) == 3
    assert all(e.hash == audit.event_hash(e) for e in (a1, b1, a2))
    assert audit.chain_head(db_session) == a2.hash
    assert audit.chain_head(db_session, "b") == b1.hash
    result = audit.verify(db_session)
    assert result.ok and result.events == len(_events(db_session)) and result.head == a2.hash


def test_record_writes_the_event_at_once(db_session):
    event = record(db_session, EventKind.USER_CREATED, ACTOR, subject="x", n=(1, 2))
    assert event.id is not None  # flushed, in the caller's transaction
    assert event.payload == {"n": [1, 2], "actor_role": "system"}
    db_session.rollback()
    assert db_session.get(AuditEvent, event.id) is None


def test_an_edited_row_fails_verification_naming_it(app, db_session):
    _a1, b1, _a2 = _three(db_session)
    _tamper(
        db_session,
        "UPDATE audit_event SET actor = 'someone-else' WHERE id = :id",
        id=b1.id,
    )
    result = audit.verify(db_session)
    assert not result.ok and result.event_id == b1.id
    assert "altered" in result.problem.en and f"#{b1.id}" in result.problem.en
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1
    assert f"#{b1.id}" in out.output and "改动" in out.output


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(db_session):
    a1, b1, a2 = _three(db_session)
    forged = audit.event_hash(_copy(b1, actor="someone-else"))
    _tamper(
        db_session,
        "UPDATE audit_event SET actor = 'someone-else', hash = :h WHERE id = :id",
        h=forged,
        id=b1.id,
    )
    result = audit.verify(db_session)
    assert not result.ok and result.event_id == a2.id
    assert "broken" in result.problem.en and f"#{b1.id}" in result.problem.en


def test_a_deleted_row_fails_verification(app, db_session):
    _a1, b1, a2 = _three(db_session)
    _tamper(db_session, "DELETE FROM audit_event WHERE id = :id", id=b1.id)
    result = audit.verify(db_session)
    assert not result.ok and result.event_id == a2.id
    assert "deleted or altered" in result.problem.en
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and f"#{a2.id}" in out.output


def test_a_deleted_row_of_one_subject_breaks_that_subject_chain(db_session):
    a1, b1, a2 = _three(db_session)
    # Forge a consistent global chain without a1: a rewrite that forgets the subject links.
    start = a1.prev_hash
    new_b1 = audit.event_hash(_copy(b1, prev_hash=start))
    new_a2 = audit.event_hash(_copy(a2, prev_hash=new_b1))
    _tamper(db_session, "DELETE FROM audit_event WHERE id = :id", id=a1.id)
    _tamper(
        db_session,
        "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id",
        p=start,
        h=new_b1,
        id=b1.id,
    )
    _tamper(
        db_session,
        "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id",
        p=new_b1,
        h=new_a2,
        id=a2.id,
    )
    result = audit.verify(db_session)
    assert not result.ok and result.event_id == a2.id
    assert "'a'" in result.problem.en


def test_cli_verify_and_show_on_an_intact_log(app, db_session):
    _a1, _b1, a2 = _three(db_session)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0, out.output
    assert f"{len(_events(db_session))} events" in out.output and a2.hash in out.output
    shown = runner.invoke(args=["audit", "show", "--subject", "a"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("user_") == 2 and a2.hash in shown.output


def test_postgres_refuses_update_delete_and_truncate(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _three(db_session)
    count = len(_events(db_session))
    db_session.rollback()  # TRUNCATE would wait for this session's table lock
    for sql in (
        "UPDATE audit_event SET actor = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db_session.get_bind().begin() as conn:
                conn.execute(sa.text(sql))
    assert len(_events(db_session)) == count


def _published_plan(db_session, plan_file):
    """A plan frozen, drawn and published (scheduled state forced for the publication)."""
    from scheduler.plans.core import get_plan

    create.create_plan(
        db_session,
        plan_file(
            strata={"by": "credit_class", "counts": {"A": 2, "B": 1, "C": 1, "D": 1}},
            exclusions={"months_since_last": None, "max_per_year": None},
        ),
        ACTOR,
    )
    plan = draw.freeze(db_session, "SC-2027-001", ACTOR)
    draw.set_seed(db_session, plan.code, SEED, ACTOR)
    draw.draw(db_session, plan.code, ACTOR)
    plan = get_plan(db_session, plan.code)
    plan.state = "scheduled"
    public.publish(db_session, plan.code, ACTOR)
    db_session.commit()
    return plan


def test_commitment_and_bundle_publish_the_chain_head_of_their_moment(
    db_session, small_district, plan_file
):
    plan = _published_plan(db_session, plan_file)
    frozen = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "plan_frozen"))
    published = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "plan_published"))
    assert draw.commitment(plan)["audit_chain_head"] == frozen.hash
    assert public.public_bundle(db_session, plan.code)["audit_chain_head"] == published.hash
    assert audit.verify(db_session).ok


def test_a_fully_rewritten_log_contradicts_the_published_heads(
    db_session, small_district, plan_file
):
    plan = _published_plan(db_session, plan_file)
    # Rewrite the seed event and recompute every hash after it: the chain is consistent
    # again, but the heads the plan published are no longer in it.
    events = _events(db_session)
    seeded = next(e for e in events if e.kind == "plan_seeded")
    rows = [
        {
            "id": e.id,
            "at": e.at,
            "kind": e.kind,
            "actor": e.actor,
            "subject": e.subject,
            "payload": dict(e.payload),
            "prev_hash": e.prev_hash,
            "subject_prev_hash": e.subject_prev_hash,
        }
        for e in events
    ]
    db_session.rollback()
    head, heads = GENESIS, {}
    updates = []
    for r in rows:
        if r["id"] == seeded.id:
            r["payload"]["seed"] = "99999999999999999999999"
        r["prev_hash"], r["subject_prev_hash"] = head, heads.get(r["subject"], GENESIS)
        head = heads[r["subject"]] = audit.event_hash(types.SimpleNamespace(**r))
        updates.append((r, head))
    for r, h in updates:
        _tamper(
            db_session,
            "UPDATE audit_event SET payload = :payload, prev_hash = :p, "
            "subject_prev_hash = :sp, hash = :h WHERE id = :id",
            payload=json.dumps(r["payload"], ensure_ascii=False),
            p=r["prev_hash"],
            sp=r["subject_prev_hash"],
            h=h,
            id=r["id"],
        )
    result = audit.verify(db_session)
    assert not result.ok
    assert plan.code in result.problem.en and "rewritten" in result.problem.en


def test_migration_chains_existing_events(empty_db_url):
    """Events written before the chain existed are chained by migration 0008."""
    from flask_migrate import upgrade

    from scheduler.db import db
    from tests.conftest import make_app

    app = make_app(empty_db_url)
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            for i, subject in enumerate(["p", "q", "p"]):
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_event (at, kind, actor, subject, payload) "
                        "VALUES (:at, 'plan_created', 'cli', :s, :p)"
                    ),
                    {"at": dt.datetime(2026, 1, 1, 8, i), "s": subject, "p": json.dumps({"n": i})},
                )
        upgrade()
        result = audit.verify(db.session)
        assert result.ok and result.events == 3, result.problem
        record(db.session, EventKind.PLAN_CREATED, ACTOR, subject="p")
        db.session.commit()
        assert audit.verify(db.session).ok and audit.verify(db.session).events == 4
        db.session.remove()
        db.engine.dispose()
