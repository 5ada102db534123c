"""User accounts: creation and password checks (passwords hashed with scrypt/pbkdf2)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.audit import EventKind, record
from scheduler.models import Body, Officer, Role, User

MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    pass


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    body_code: str | None = None,
    cert_no: str | None = None,
    actor: str = "system",
) -> User:
    """Validate, then add a user (and its audit event) to the session; the caller commits."""
    if role not in {r.value for r in Role}:
        raise UserError(f"未知角色 / unknown role {role!r}; use one of {[r.value for r in Role]}")
    if not username or len(username) > 64:
        raise UserError("用户名须为 1-64 个字符 / username must be 1-64 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位 / password must have at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(f"用户名已存在 / username {username!r} already exists")
    body = officer = None
    if body_code:
        body = session.scalar(select(Body).where(Body.code == body_code))
        if body is None:
            raise UserError(f"未知执法主体 / unknown body code {body_code!r}")
    if role == Role.PLANNER and body is None:
        raise UserError("计划员须指定执法主体 / a planner needs --body")
    if role == Role.OFFICER:
        if not cert_no:
            raise UserError("执法人员账号须指定执法证号 / an officer account needs --cert-no")
        officer = session.scalar(select(Officer).where(Officer.cert_no == cert_no))
        if officer is None:
            raise UserError(f"未知执法证号 / unknown certificate number {cert_no!r}")
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


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
