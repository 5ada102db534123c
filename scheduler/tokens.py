"""API tokens (接口令牌) for machine clients of the JSON API.

An administrator creates a token for a role and a body (and, for an officer, his or her
registry entry); the secret is shown once and only its SHA-256 is stored. A token acts as
an `Actor` with that role and scope, so the services check it like a logged-in user. It
expires, records when it was last used, and can be revoked; revoked and expired tokens
are kept (nothing is deleted) and authenticate nobody.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.errors import Invalid, Msg, NotFound, StateConflict
from scheduler.models import ApiToken, Body, Officer, Role

PREFIX = "fd_"  # every secret starts so; tells a token from a password in a log or a paste
DEFAULT_DAYS = 90
MAX_DAYS = 730
NAME_MAX = 48
# last_used_at is written at most once a minute per token, not on every request
TOUCH_EVERY = dt.timedelta(seconds=60)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    """A new token and its secret (shown once, never stored)."""

    token: ApiToken
    secret: str


def _error(zh: str, en: str, field: str) -> Invalid:
    return Invalid(Msg(zh, en), field=field, code="token_invalid")


def create_token(
    session: Session,
    name: str,
    role: str,
    *,
    actor: Actor,
    body_code: str | None = None,
    cert_no: str | None = None,
    days: int = DEFAULT_DAYS,
) -> Created:
    """Create a token for `role` (a planner's needs `body_code`, an officer's `cert_no`,
    whose body it takes). Only an administrator creates tokens."""
    access.require_role(actor, Role.ADMIN, action=Msg("创建接口令牌", "create API tokens"))
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise _error(
            f"令牌名称须为 1-{NAME_MAX} 个字符", f"a token name has 1-{NAME_MAX} characters", "name"
        )
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise _error(
            f"未知角色 {role!r}，可选：{roles}", f"unknown role {role!r}; one of {roles}", "role"
        )
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise _error(f"有效天数须为 1-{MAX_DAYS}", f"days must be between 1 and {MAX_DAYS}", "days")
    body = officer = None
    if body_code:
        body = session.scalar(select(Body).where(Body.code == body_code))
        if body is None:
            raise _error(f"未知执法主体 {body_code!r}", f"unknown body code {body_code!r}", "body")
    if role == Role.PLANNER and body is None:
        raise _error("计划员令牌须指定执法主体", "a planner's token needs a body", "body")
    if role == Role.OFFICER:
        if not cert_no:
            raise _error(
                "执法人员令牌须指定执法证号", "an officer's token needs a cert_no", "cert_no"
            )
        officer = session.scalar(select(Officer).where(Officer.cert_no == cert_no))
        if officer is None:
            raise _error(
                f"未知执法证号 {cert_no!r}", f"unknown certificate number {cert_no!r}", "cert_no"
            )
        if body is not None and body.id != officer.body_id:
            raise _error(
                f"执法人员 {cert_no} 不属于 {body_code}",
                f"officer {cert_no} does not belong to {body_code}",
                "body",
            )
        body = officer.body
    elif cert_no:
        raise _error(
            "只有执法人员令牌带执法证号", "only an officer's token has a cert_no", "cert_no"
        )
    if role in (Role.ADMIN, Role.AUDITOR) and body is not None:
        raise _error(
            "管理员和审计员令牌不限于执法主体",
            "an admin's or auditor's token is not limited to a body",
            "body",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    now = now_utc().replace(microsecond=0)
    token = ApiToken(
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        role=role,
        body=body,
        officer=officer,
        created_at=now,
        created_by=actor.name,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record(
        session,
        EventKind.TOKEN_CREATED,
        actor,
        subject=f"token:{token.id}",
        name=name,
        role=role,
        body=body.code if body else None,
        cert_no=officer.cert_no if officer else None,
        expires_at=token.expires_at.isoformat(),
    )
    return Created(token, secret)


def get_token(session: Session, token_id: int, actor: Actor) -> ApiToken:
    access.require_role(actor, Role.ADMIN, action=Msg("查看接口令牌", "view API tokens"))
    token = (
        session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    )  # an integer id column
    if token is None:
        raise NotFound(
            Msg(f"没有编号为 {token_id} 的令牌", f"no token with id {token_id}"),
            code="token_not_found",
        )
    return token


def revoke_token(session: Session, token_id: int, actor: Actor) -> ApiToken:
    """Revoke a token for good (the row is kept). Revoking a revoked token is a 409."""
    token = get_token(session, token_id, actor)
    if token.revoked_at is not None:
        raise StateConflict(
            Msg(f"令牌 {token_id} 已吊销", f"token {token_id} is already revoked"),
            code="token_revoked",
        )
    token.revoked_at = now_utc().replace(microsecond=0)
    token.revoked_by = actor.name
    record(session, EventKind.TOKEN_REVOKED, actor, subject=f"token:{token.id}", name=token.name)
    session.flush()
    return token


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    access.require_role(actor, Role.ADMIN, action=Msg("查看接口令牌", "view API tokens"))
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def status(token: ApiToken, now: dt.datetime | None = None) -> str:
    """`active`, `expired` or `revoked`."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or now_utc()):
        return "expired"
    return "active"


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The active token with this secret, its last use noted; None for an unknown, expired
    or revoked one (the caller answers 401 without saying which)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = now_utc()
    if token is None or status(token, now) != "active":
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now.replace(microsecond=0)
    return token


def actor_of(token: ApiToken) -> Actor:
    """The actor a token acts as: its role and scope, named after the token."""
    return Actor(
        f"token:{token.id}:{token.name}",
        token.role,
        token.body.code if token.body is not None else None,
        token.officer.cert_no if token.officer is not None else None,
    )
