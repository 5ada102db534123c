"""Operations of the administrator (管理): API tokens; the audit trail for auditors and
administrators; and `GET /me`: who the caller is."""

from __future__ import annotations

from flask_wtf.csrf import generate_csrf

from scheduler import tokens
from scheduler.db import db
from scheduler.listings import audit_events
from scheduler.models import Role
from web.api import schemas as s
from web.api.core import ALL_ROLES, operation, page, via

ADMIN = (Role.ADMIN.value,)


class _WithSecret:
    """A new token as `TokenCreated` dumps it: the token's attributes and the secret."""

    def __init__(self, created: tokens.Created):
        self._token, self.secret = created.token, created.secret

    def __getattr__(self, name):
        return getattr(self._token, name)


@operation(
    "/me",
    summary="当前调用者 / Who is calling",
    tag="auth",
    roles=ALL_ROLES,
    response=s.Me,
)
def me(actor):
    """The caller's name, role and scope; for a browser session also the CSRF token that
    unsafe requests send in `X-CSRFToken`."""
    how = via()
    return {
        "name": actor.name,
        "role": actor.role,
        "body": actor.body,
        "cert_no": actor.cert_no,
        "via": how,
        "csrf_token": generate_csrf() if how == "session" else None,
    }


@operation(
    "/tokens",
    summary="接口令牌列表 / API tokens",
    tag="admin",
    roles=ADMIN,
    response=s.TokenList,
)
def list_tokens(actor):
    """Every token, revoked and expired ones included (never its secret)."""
    return {"items": tokens.list_tokens(db.session, actor)}


@operation(
    "/tokens",
    "POST",
    summary="创建接口令牌 / Create an API token",
    tag="admin",
    roles=ADMIN,
    body=s.TokenCreate,
    response=s.TokenCreated,
    status=201,
)
def create_token(actor, body):
    """A token for a role and a body (an officer's for his or her certificate number); the
    secret is in this answer only."""
    created = tokens.create_token(
        db.session,
        body["name"],
        body["role"],
        actor=actor,
        body_code=body["body"],
        cert_no=body["cert_no"],
        days=body["days"],
    )
    db.session.commit()
    return _WithSecret(created)


@operation(
    "/tokens/<int:token_id>",
    summary="一个接口令牌 / One API token",
    tag="admin",
    roles=ADMIN,
    response=s.Token,
)
def get_token(actor, token_id):
    return tokens.get_token(db.session, token_id, actor)


@operation(
    "/tokens/<int:token_id>",
    "DELETE",
    summary="吊销接口令牌 / Revoke an API token",
    tag="admin",
    roles=ADMIN,
    response=s.Token,
    errors=(409,),
)
def revoke_token(actor, token_id):
    """Revoke the token for good; it is kept, marked revoked. 409 if already revoked."""
    token = tokens.revoke_token(db.session, token_id, actor)
    db.session.commit()
    return token


@operation(
    "/audit",
    summary="审计记录 / Audit trail",
    tag="audit",
    roles=(Role.AUDITOR.value, Role.ADMIN.value),
    query=s.AuditQuery,
    response=s.AuditPage,
)
def list_audit(actor, query):
    """Every recorded act, oldest first, a page at a time; `subject` (a plan code, a user
    name...) and `kind` filter."""
    events = audit_events(
        db.session,
        actor,
        after=query["cursor"],
        limit=query["limit"],
        subject=query["subject"],
        kind=query["kind"],
    )
    return page(events, query["limit"], lambda e: e.id)
