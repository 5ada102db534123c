"""API tokens: only admins create them, only the hash is stored, expiry and revocation."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler import tokens
from scheduler.actors import Actor
from scheduler.errors import Forbidden, Invalid, NotFound, StateConflict
from scheduler.models import ApiToken, AuditEvent

ACTOR = Actor.system("test")


def test_secret_is_shown_once_and_only_its_hash_is_stored(db_session, small_district):
    created = tokens.create_token(db_session, "provincial platform", "auditor", actor=ACTOR)
    db_session.commit()
    row = db_session.scalar(select(ApiToken))
    assert created.secret.startswith("fd_") and len(created.secret) > 40
    assert created.secret not in (row.token_hash, row.prefix, row.name)
    assert row.token_hash == tokens.hash_secret(created.secret)
    assert created.secret.startswith(row.prefix) and len(row.prefix) < 12
    assert tokens.status(row) == "active"
    assert row.expires_at - row.created_at == dt.timedelta(days=tokens.DEFAULT_DAYS)
    events = db_session.scalars(select(AuditEvent.kind)).all()
    assert "token_created" in events


def test_token_acts_with_its_role_and_scope(db_session, small_district):
    officer = small_district["officers"][0]
    created = tokens.create_token(
        db_session, "phone app", "officer", cert_no=officer.cert_no, actor=ACTOR
    )
    token = tokens.authenticate(db_session, created.secret)
    actor = tokens.actor_of(token)
    assert (actor.role, actor.body, actor.cert_no) == ("officer", "SC", officer.cert_no)
    planner = tokens.create_token(db_session, "sc", "planner", body_code="SC", actor=ACTOR)
    actor = tokens.actor_of(tokens.authenticate(db_session, planner.secret))
    assert (actor.role, actor.body, actor.cert_no) == ("planner", "SC", None)
    assert actor.name.startswith("token:") and actor.name.endswith(":sc")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"role": "planner"}, "body"),
        ({"role": "planner", "body_code": "NOPE"}, "body"),
        ({"role": "officer"}, "cert_no"),
        ({"role": "officer", "cert_no": "000"}, "cert_no"),
        ({"role": "auditor", "body_code": "SC"}, "body"),
        ({"role": "planner", "body_code": "SC", "cert_no": "37028201000000"}, "cert_no"),
        ({"role": "root"}, "role"),
        ({"role": "admin", "days": 0}, "days"),
        ({"role": "admin", "days": tokens.MAX_DAYS + 1}, "days"),
        ({"role": "admin", "name": ""}, "name"),
        ({"role": "admin", "name": "x" * 49}, "name"),
    ],
)
def test_invalid_token_requests_name_the_field(db_session, small_district, kwargs, field):
    kwargs = {"name": "t", **kwargs}
    name = kwargs.pop("name")
    role = kwargs.pop("role")
    with pytest.raises(Invalid) as info:
        tokens.create_token(db_session, name, role, actor=ACTOR, **kwargs)
    assert info.value.field == field


def test_only_an_admin_creates_lists_or_revokes(db_session, small_district):
    planner = Actor("p", "planner", "SC")
    with pytest.raises(Forbidden):
        tokens.create_token(db_session, "t", "admin", actor=planner)
    with pytest.raises(Forbidden):
        tokens.list_tokens(db_session, Actor("a", "auditor"))
    created = tokens.create_token(db_session, "t", "admin", actor=Actor("root", "admin"))
    with pytest.raises(Forbidden):
        tokens.revoke_token(db_session, created.token.id, planner)


def test_revoked_and_expired_tokens_authenticate_nobody(db_session, small_district):
    a = tokens.create_token(db_session, "a", "auditor", actor=ACTOR)
    b = tokens.create_token(db_session, "b", "auditor", actor=ACTOR)
    db_session.commit()
    assert tokens.authenticate(db_session, a.secret) is not None
    tokens.revoke_token(db_session, a.token.id, ACTOR)
    b.token.expires_at = tokens.now_utc() - dt.timedelta(seconds=1)
    db_session.commit()
    assert tokens.authenticate(db_session, a.secret) is None
    assert tokens.authenticate(db_session, b.secret) is None
    assert tokens.status(a.token) == "revoked" and tokens.status(b.token) == "expired"
    with pytest.raises(StateConflict):
        tokens.revoke_token(db_session, a.token.id, ACTOR)
    for missing in (99999, 0, -1, 2**63):
        with pytest.raises(NotFound):
            tokens.revoke_token(db_session, missing, ACTOR)
    assert tokens.authenticate(db_session, "fd_" + "x" * 43) is None
    assert tokens.authenticate(db_session, "not-a-token") is None
    assert len(tokens.list_tokens(db_session, ACTOR)) == 2  # kept, never deleted


def test_last_use_is_recorded_at_most_once_a_minute(db_session, small_district):
    created = tokens.create_token(db_session, "a", "auditor", actor=ACTOR)
    assert created.token.last_used_at is None
    tokens.authenticate(db_session, created.secret)
    first = created.token.last_used_at
    assert first is not None
    tokens.authenticate(db_session, created.secret)
    assert created.token.last_used_at == first
    created.token.last_used_at = first - dt.timedelta(minutes=5)
    tokens.authenticate(db_session, created.secret)
    assert created.token.last_used_at > first - dt.timedelta(minutes=5)
