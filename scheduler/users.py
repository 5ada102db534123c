"""User accounts: creation and password checks (passwords hashed with scrypt/pbkdf2)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.errors import Msg, UserError
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


def login(session: Session, username: str, password: str, client_addr: str | None) -> User | None:
    """Check a login and record it in the audit log: USER_LOGGED_IN by the user, or
    USER_LOGIN_FAILED by the name given (no account is revealed either way). Returns the
    user, or None. The caller commits in both cases, so that failures are kept too."""
    user = authenticate(session, username, password)
    if user is None:
        record(
            session,
            EventKind.USER_LOGIN_FAILED,
            Actor.anonymous(username),
            subject=username[:64],
            client=client_addr,
        )
        return None
    record(
        session,
        EventKind.USER_LOGGED_IN,
        Actor.from_user(user),
        subject=user.username,
        client=client_addr,
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (no audit event)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
