"""Login throttling (登录限速): repeated failures per username and per client address first
slow down (a growing wait before the next attempt), then lock for a while.

Counted in the table `login_throttle`, one row per key (`user:NAME`, `addr:IP`); a key
counts its failures until a quiet `window` without any passes; after `slow_after` failures
each further attempt must wait 2, 4, 8 ... seconds (at most a minute), after `lock_after`
the key is locked for `lock_for`. A lock is audited once (`login_locked`), not each
failure, so that anonymous clients cannot grow the audit log at will; attempts refused
by the throttle are neither checked nor audited. Unknown and known usernames are
throttled alike (nothing leaks). Expired rows are pruned as failures come in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import FairdrawError, Msg
from scheduler.models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    """How one kind of key is throttled."""

    slow_after: int
    lock_after: int
    window: dt.timedelta
    lock_for: dt.timedelta
    max_wait: dt.timedelta = dt.timedelta(seconds=60)


# A person mistyping a password a few times is not slowed; a guesser gets ten tries per
# quarter of an hour per username. An address (offices share one behind NAT) gets more.
USER_POLICY = Policy(3, 10, dt.timedelta(minutes=15), dt.timedelta(minutes=15))
ADDRESS_POLICY = Policy(10, 50, dt.timedelta(minutes=15), dt.timedelta(minutes=15))


class LoginThrottled(FairdrawError):
    """Too many failed logins for this username or from this address (429)."""

    status = 429
    code = "login_throttled"

    def __init__(self, message: Msg, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _keys(username: str, client_addr: str | None) -> list[tuple[str, Policy]]:
    keys = [("user:" + username.strip().lower()[:64], USER_POLICY)]
    if client_addr:
        keys.append(("addr:" + client_addr[:64], ADDRESS_POLICY))
    return keys


def wait_after(failures: int, policy: Policy) -> dt.timedelta:
    """The wait imposed after `failures` failures in the window."""
    if failures < policy.slow_after:
        return dt.timedelta(0)
    seconds = 2 ** min(failures - policy.slow_after + 1, 10)
    return min(dt.timedelta(seconds=seconds), policy.max_wait)


def check(session: Session, username: str, client_addr: str | None, now=None) -> None:
    """Raise `LoginThrottled` if a key of this attempt is locked or must still wait."""
    now = now or now_utc()
    for key, policy in _keys(username, client_addr):
        row = session.get(LoginThrottle, key)
        if row is None:
            continue
        if row.locked_until is not None and row.locked_until > now:
            minutes = math.ceil((row.locked_until - now).total_seconds() / 60)
            raise LoginThrottled(
                Msg(
                    f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试",
                    f"Too many failed logins: locked for now, try again in {minutes} minutes",
                ),
                minutes * 60,
            )
        if row.locked_until is None and now - row.last_failure_at <= policy.window:
            ready = row.last_failure_at + wait_after(row.failures, policy)
            if ready > now:
                seconds = math.ceil((ready - now).total_seconds())
                raise LoginThrottled(
                    Msg(
                        f"登录失败次数较多，请 {seconds} 秒后再试",
                        f"Several failed logins: wait {seconds} seconds before trying again",
                    ),
                    seconds,
                )


def failure(session: Session, username: str, client_addr: str | None, now=None) -> None:
    """Count a failed login against each key; lock a key that reaches its limit (audited
    once per lock). Prunes rows that no longer hold anything back."""
    now = now or now_utc()
    for key, policy in _keys(username, client_addr):
        _insert_missing(session, key, now)  # two concurrent first failures: one row
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        expired_lock = row.locked_until is not None and row.locked_until <= now
        if expired_lock or now - row.last_failure_at > policy.window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= policy.lock_after and row.locked_until is None:
            row.locked_until = now + policy.lock_for
            record(
                session,
                EventKind.LOGIN_LOCKED,
                Actor.anonymous(username[:64]),
                subject=key[:64],
                failures=row.failures,
                locked_until=row.locked_until.isoformat(timespec="seconds") + "Z",
            )
    session.flush()
    horizon = now - max(USER_POLICY.window, ADDRESS_POLICY.window)
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < horizon,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )


def _insert_missing(session: Session, key: str, now: dt.datetime) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, window_start=now, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def success(session: Session, username: str) -> None:
    """A successful login clears its username's failures (not its address's)."""
    key = _keys(username, None)[0][0]
    row = session.get(LoginThrottle, key)
    if row is not None and (row.locked_until is None or row.locked_until <= now_utc()):
        session.delete(row)


def locked_keys(session: Session, now=None) -> list[str]:
    """The keys locked at `now` (for the console and tests)."""
    now = now or now_utc()
    return list(
        session.scalars(
            select(LoginThrottle.key)
            .where(LoginThrottle.locked_until > now)
            .order_by(LoginThrottle.key)
        )
    )
