"""User accounts: creation, password checks (passwords hashed with scrypt/pbkdf2),
throttled logins, logout and deactivation that end sessions on the server side."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler import access, throttle
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.errors import Msg, NotFound, UserError
from scheduler.models import Body, Officer, Role, User

MIN_PASSWORD_LENGTH = 8


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    body_code: str | None = None,
    cert_no: str | None = None,
    *,
    actor: Actor,
) -> User:
    """Validate, then add a user (and its audit event) to the session; the caller commits.
    Only an administrator creates users."""
    access.require_role(actor, Role.ADMIN, action=Msg("创建用户", "create users"))
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise UserError(
            Msg(f"未知角色 {role!r}，可选：{roles}", f"unknown role {role!r}; use one of {roles}"),
            field="role",
        )
    if not username or len(username) > 64:
        raise UserError(
            Msg("用户名须为 1-64 个字符", "username must be 1-64 characters"), field="username"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            Msg(
                f"密码至少 {MIN_PASSWORD_LENGTH} 位",
                f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            ),
            field="password",
        )
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(
            Msg(f"用户名 {username!r} 已存在", f"username {username!r} already exists"),
            field="username",
            code="username_taken",
        )
    body = officer = None
    if body_code:
        body = session.scalar(select(Body).where(Body.code == body_code))
        if body is None:
            raise UserError(
                Msg(f"未知执法主体 {body_code!r}", f"unknown body code {body_code!r}"), field="body"
            )
    if role == Role.PLANNER and body is None:
        raise UserError(Msg("计划员须指定执法主体", "a planner needs --body"), field="body")
    if role == Role.OFFICER:
        if not cert_no:
            raise UserError(
                Msg("执法人员账号须指定执法证号", "an officer account needs --cert-no"),
                field="cert_no",
            )
        officer = session.scalar(select(Officer).where(Officer.cert_no == cert_no))
        if officer is None:
            raise UserError(
                Msg(f"未知执法证号 {cert_no!r}", f"unknown certificate number {cert_no!r}"),
                field="cert_no",
            )
        body = officer.body
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        body=body,
        officer=officer,
    )
    session.add(user)
    record(session, EventKind.USER_CREATED, actor, subject=username, role=role)
    session.flush()
    return user


def login(
    session: Session,
    username: str,
    password: str,
    client_addr: str | None,
    now: dt.datetime | None = None,
) -> User | None:
    """Check a login and record it in the audit log: USER_LOGGED_IN by the user, or
    USER_LOGIN_FAILED by the name given (no account is revealed either way). Returns the
    user, or None. The caller commits in both cases, so that failures are kept too.

    Throttled (`scheduler.throttle`): raises `LoginThrottled` without checking the password
    while the username or the address must wait or is locked; failures count towards it."""
    throttle.check(session, username, client_addr, now)
    user = authenticate(session, username, password)
    if user is None:
        record(
            session,
            EventKind.USER_LOGIN_FAILED,
            Actor.anonymous(username),
            subject=username[:64],
            client=client_addr,
        )
        throttle.failure(session, username, client_addr, now)
        return None
    throttle.success(session, username)
    record(
        session,
        EventKind.USER_LOGGED_IN,
        Actor.from_user(user),
        subject=user.username,
        client=client_addr,
    )
    return user


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash made like every password's, checked for unknown usernames so that they take
    as long as known ones (the answer time does not reveal which names exist)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash("fairdraw-no-such-user"))
    return _DUMMY_HASH[0]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (no audit event). Exactly
    one password hash is checked whether the user exists or not."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def logout(session: Session, user: User) -> None:
    """End every session of `user` on the server side (the session version changes), and
    record it. The caller commits."""
    user.session_version = (user.session_version or 0) + 1
    record(session, EventKind.USER_LOGGED_OUT, Actor.from_user(user), subject=user.username)
    session.flush()


def deactivate(session: Session, username: str, *, actor: Actor) -> User:
    """Deactivate an account (停用账号): no more logins, and its open sessions end at their
    next request. Only an administrator (or the command line) does this."""
    access.require_role(actor, Role.ADMIN, action=Msg("停用用户", "deactivate users"))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(
            Msg(f"没有用户 {username!r}", f"no user {username!r}"),
            field="username",
            code="user_not_found",
        )
    user.active = False
    user.session_version = (user.session_version or 0) + 1
    record(session, EventKind.USER_DEACTIVATED, actor, subject=user.username)
    session.flush()
    return user
