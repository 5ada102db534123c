"""Login throttling: slow, then lock, per username and per address; audited once per
lock; unknown usernames cost the same password check as known ones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from scheduler import throttle, users
from scheduler.actors import Actor
from scheduler.models import AuditEvent, LoginThrottle
from scheduler.throttle import ADDRESS_POLICY, USER_POLICY, LoginThrottled

ADMIN = Actor.system("test")
T0 = dt.datetime(2027, 3, 1, 8, 0, 0)


@pytest.fixture
def planner(db_session):
    users.create_user(db_session, "plan1", "planner-pass-1", "planner", body_code="SC", actor=ADMIN)
    db_session.commit()


def _events(session, kind):
    return session.scalar(select(func.count()).where(AuditEvent.kind == kind))


def _try(session, name, password, addr="10.0.0.1", at=T0):
    user = users.login(session, name, password, addr, now=at)
    session.commit()
    return user


def _fail_until_locked(session, name, addr="10.0.0.1", start=T0, policy=USER_POLICY):
    """Fail `policy.lock_after` times, each after the wait the throttle imposes."""
    at = start
    for _ in range(policy.lock_after):
        assert _try(session, name, "wrong-password", addr, at) is None
        at += throttle.wait_after(USER_POLICY.lock_after, USER_POLICY) + dt.timedelta(seconds=1)
    return at


def test_a_few_mistakes_are_not_slowed(db_session, planner):
    for i in range(USER_POLICY.slow_after - 1):
        assert _try(db_session, "plan1", "wrong", at=T0 + dt.timedelta(seconds=i)) is None
    assert _try(db_session, "plan1", "planner-pass-1", at=T0 + dt.timedelta(seconds=5))


def test_repeated_failures_slow_down(db_session, planner):
    for _ in range(USER_POLICY.slow_after):
        assert _try(db_session, "plan1", "wrong") is None
    with pytest.raises(LoginThrottled, match="seconds") as refused:
        _try(db_session, "plan1", "planner-pass-1", at=T0 + dt.timedelta(seconds=1))
    assert refused.value.status == 429 and refused.value.retry_after >= 1
    db_session.rollback()
    later = T0 + throttle.wait_after(USER_POLICY.slow_after, USER_POLICY)
    assert _try(db_session, "plan1", "planner-pass-1", at=later) is not None
    assert db_session.get(LoginThrottle, "user:plan1") is None  # success clears it


def test_then_lock_audited_once_and_refuse_even_the_right_password(db_session, planner):
    at = _fail_until_locked(db_session, "plan1")
    assert "user:plan1" in throttle.locked_keys(db_session, at)
    failed = _events(db_session, "user_login_failed")
    for i in range(5):  # refused attempts: not checked, not audited
        with pytest.raises(LoginThrottled, match="minutes"):
            _try(db_session, "plan1", "planner-pass-1", at=at + dt.timedelta(seconds=i))
        db_session.rollback()
    assert _events(db_session, "login_locked") == 1
    assert _events(db_session, "user_login_failed") == failed
    after = at + USER_POLICY.lock_for + dt.timedelta(seconds=1)
    assert _try(db_session, "plan1", "planner-pass-1", at=after) is not None


def test_unknown_usernames_are_throttled_alike(db_session, planner):
    at = _fail_until_locked(db_session, "nobody")
    with pytest.raises(LoginThrottled, match="minutes"):
        _try(db_session, "nobody", "whatever", at=at)
    db_session.rollback()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "login_locked"))
    assert event.subject == "user:nobody" and event.payload["failures"] == USER_POLICY.lock_after


def test_one_address_trying_many_names_is_locked(db_session, planner):
    at = T0
    for i in range(ADDRESS_POLICY.lock_after):
        assert _try(db_session, f"guess{i}", "pw", "10.9.9.9", at) is None
        at += throttle.wait_after(ADDRESS_POLICY.lock_after, ADDRESS_POLICY)
    with pytest.raises(LoginThrottled):
        _try(db_session, "plan1", "planner-pass-1", "10.9.9.9", at)
    db_session.rollback()
    assert _try(db_session, "plan1", "planner-pass-1", "10.1.1.1", at) is not None
    assert "addr:10.9.9.9" in throttle.locked_keys(db_session, at)


def test_old_rows_are_pruned(db_session, planner):
    for i in range(20):
        _try(db_session, f"typo{i}", "pw", f"10.0.1.{i}", T0)
    assert db_session.scalar(select(func.count()).select_from(LoginThrottle)) == 40
    _try(db_session, "plan1", "wrong", "10.0.0.1", T0 + dt.timedelta(hours=1))
    keys = db_session.scalars(select(LoginThrottle.key)).all()
    assert sorted(keys) == ["addr:10.0.0.1", "user:plan1"]


def test_unknown_user_costs_one_password_check_like_a_known_one(db_session, planner, monkeypatch):
    calls = []
    real = users.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    _try(db_session, "plan1", "wrong-password")
    known = list(calls)
    calls.clear()
    _try(db_session, "no-such-user", "wrong-password", "10.0.0.2")
    assert len(known) == 1 and calls == known  # same number, same hash method
