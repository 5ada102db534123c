"""The machinery of the JSON API (接口): one decorator per operation, authentication,
parsing, the error envelope, cursor pagination and conditional GETs.

`operation(...)` registers a view on the blueprint, declares its access rule (checked at
start-up like every page's), parses the query and the JSON body with marshmallow schemas,
dumps the response with one, and records everything the OpenAPI document needs
(`web.api.spec`). A view takes `actor` (an `Actor` or None) plus its path arguments and
`query`/`body` when declared, calls a service and returns data to dump.

Authentication: `Authorization: Bearer <token>` (an API token, `scheduler.tokens`), or
the browser's login session; unsafe methods with the session need the CSRF token (in the
`X-CSRFToken` header; `GET /api/v1/me` hands it out), token requests do not.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from scheduler import tokens
from scheduler.actors import Actor
from scheduler.db import db
from scheduler.errors import BadRequest, FairdrawError, Forbidden, Invalid, Msg
from scheduler.models import Role
from scheduler.plans.plan_file import field_errors

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

ACTOR_KEY, VIA_KEY = "fairdraw.api_actor", "fairdraw.api_via"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
JSON_LIMIT = 2 * 1024 * 1024  # a JSON body; file uploads use the app's MAX_CONTENT_LENGTH
PUBLIC = "public"
ALL_ROLES = tuple(r.value for r in Role)
STAFF = (Role.ADMIN.value, Role.PLANNER.value, Role.AUDITOR.value)


class Unauthorized(FairdrawError):
    """No credentials, or a token that is unknown, expired or revoked (401)."""

    status = 401
    code = "unauthorized"


NO_CREDENTIALS = Msg(
    "请登录，或在 Authorization 头中提供接口令牌",
    "log in, or send an API token in the Authorization header",
)
BAD_TOKEN = Msg("接口令牌无效、已过期或已吊销", "the API token is invalid, expired or revoked")


@dataclass
class Operation:
    """What the OpenAPI document says about one view."""

    rule: str  # OpenAPI form: /plans/{code}
    flask_rule: str  # Flask's: /plans/<code>
    method: str
    endpoint: str
    summary: str
    tag: str
    roles: tuple[str, ...] | None  # None: public
    query: type[Schema] | None
    body: type[Schema] | None
    response: type[Schema] | None
    status: int
    errors: tuple[int, ...]
    description: str = ""
    conditional: bool = False
    media: dict = field(default_factory=dict)  # a non-JSON response: media type -> schema
    upload: bool = False  # multipart/form-data with one `file`
    request_schema: type[Schema] | None = None  # a JSON body the view parses itself


OPERATIONS: list[Operation] = []


# ---------------------------------------------------------------------- authentication


def authenticate() -> Actor | None:
    """The actor of this request: the token's, the session user's, or None (anonymous).
    A malformed or unusable Authorization header is a 401, even on a public operation."""
    if ACTOR_KEY in request.environ:  # per request (g may outlive it in tests)
        return request.environ[ACTOR_KEY]
    header = request.headers.get("Authorization")
    actor = None
    if header is not None:
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(BAD_TOKEN, code="token_invalid")
        token = tokens.authenticate(db.session, secret.strip())
        if token is None:
            db.session.rollback()
            raise Unauthorized(BAD_TOKEN, code="token_invalid")
        actor = tokens.actor_of(token)
        request.environ[VIA_KEY] = "token"
        db.session.commit()  # its last use; the operation's own commit comes later
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            from web import csrf

            csrf.protect()  # a CSRFError is the envelope's 400 csrf_invalid
        actor = Actor.from_user(current_user._get_current_object())
        request.environ[VIA_KEY] = "session"
    request.environ[ACTOR_KEY] = actor
    return actor


def via() -> str | None:
    """How this request authenticated: "token", "session" or None."""
    return request.environ.get(VIA_KEY)


def require_roles(actor: Actor | None, allowed: tuple[str, ...] | None) -> None:
    if allowed is None:
        return
    if actor is None:
        raise Unauthorized(NO_CREDENTIALS)
    if not actor.has_role(*allowed):
        raise Forbidden(
            Msg(
                f"{actor.name} 的角色（{actor.role}）无权使用此接口",
                f"{actor.name} (role {actor.role}) may not use this operation",
            ),
            code="forbidden_role",
        )


# ---------------------------------------------------------------------- parsing

NUL_IN_REQUEST = Msg("请求中含有空字符（NUL）", "the request contains a NUL character")


@bp.before_request
def refuse_nul_characters():
    """No database stores a NUL in text: such a path, query or body is refused up front
    (422: well-formed, but no value may hold one)."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)):
        raise Invalid(NUL_IN_REQUEST, code="nul_character")


def invalid(exc: ValidationError, prefix: str | None = None) -> Invalid:
    """Marshmallow's errors as one 422 with an entry per field (messages in both languages)."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    details = [
        {"field": path, "message": msg}
        for path, msgs in field_errors(messages, prefix).items()
        for msg in msgs
    ]
    return Invalid(Msg("请求参数有误", "the request is invalid"), details)


def json_body() -> object:
    """The request's JSON, or a 400 naming what is wrong (missing, not JSON, malformed)."""
    request.max_content_length = min(
        JSON_LIMIT, current_app.config.get("MAX_CONTENT_LENGTH") or JSON_LIMIT
    )
    raw = request.get_data(cache=True)  # 413 when over the limit
    if not request.is_json:
        raise BadRequest(
            Msg(
                "请求体须为 JSON（Content-Type: application/json）",
                "the body must be JSON (Content-Type: application/json)",
            ),
            code="not_json",
        )
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(
            Msg(f"JSON 格式错误：{exc}", f"malformed JSON: {exc}"), code="malformed_json"
        ) from None
    if _has_nul(data):
        raise Invalid(NUL_IN_REQUEST, code="nul_character")
    return data


def _has_nul(value, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def load_query(schema: type[Schema]) -> dict:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    try:
        return schema(unknown=EXCLUDE).load(args)
    except ValidationError as exc:
        raise invalid(exc) from None


def load_body(schema: type[Schema]) -> dict:
    data = json_body()
    if data is None:
        data = {}
    try:
        return schema(unknown=RAISE).load(data)
    except ValidationError as exc:
        raise invalid(exc) from None


# ---------------------------------------------------------------------- responses


def conditional(response: Response, last_modified=None) -> Response:
    """Strong ETag of the body (and Last-Modified when known); 304 when the client has it."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


def _converter_rule(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def operation(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    roles: Sequence[str] | None = None,
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
    description: str = "",
    conditional_get: bool = False,
    media: dict | None = None,
    upload: bool = False,
    last_modified: Callable | None = None,
    request_schema: type[Schema] | None = None,
) -> Callable[[Callable], Callable]:
    """Register `fn` as the operation `method rule` (see the module's docstring).

    `roles=None` makes it public; `errors` lists the statuses it answers besides those
    every operation may (400, 401, 404, 413, 422, 503); `conditional_get` sends an ETag
    and answers 304. `fn` may return a `Response` (files) to bypass the dump.
    `request_schema` documents a JSON body that the view reads itself (`json_body()`)
    and hands to a service that validates it (the plan file).
    """
    allowed = tuple(roles) if roles is not None else None

    def decorator(fn: Callable) -> Callable:
        endpoint = fn.__name__

        @functools.wraps(fn)
        def view(**kwargs):
            actor = authenticate()
            require_roles(actor, allowed)
            if query is not None:
                kwargs["query"] = load_query(query)
            if body is not None:
                kwargs["body"] = load_body(body)
            result = fn(actor=actor, **kwargs)
            if isinstance(result, Response):
                return result
            data = response().dump(result) if response is not None else result
            resp = jsonify(data)
            resp.status_code = status
            if conditional_get:
                return conditional(resp, last_modified(result) if last_modified else None)
            return resp

        view.access_rule = PUBLIC if allowed is None else "roles:" + ",".join(sorted(allowed))
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=_converter_rule(rule),
                flask_rule=rule,
                method=method.lower(),
                endpoint=endpoint,
                summary=summary,
                tag=tag,
                roles=allowed,
                query=query,
                body=body,
                response=response,
                status=status,
                errors=tuple(errors),
                description=description or (fn.__doc__ or "").strip(),
                conditional=conditional_get,
                media=media or {},
                upload=upload,
                request_schema=request_schema,
            )
        )
        return view

    return decorator


# ---------------------------------------------------------------------- pagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageQuery(Schema):
    """`cursor` (the previous page's `next_cursor`: the key of its last row) and `limit`."""

    cursor = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=256),
        metadata={"description": "the previous page's next_cursor; absent for the first page"},
    )
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))


class IdPageQuery(PageQuery):
    """Pages of a list ordered by a numeric id."""

    cursor = fields.Integer(
        load_default=None,
        validate=validate.Range(0, 2**31 - 1),
        metadata={"description": "the previous page's next_cursor; absent for the first page"},
    )


def page(rows: list, limit: int, key: Callable) -> dict:
    """`rows` fetched with limit + 1, in the order of their key: the page's items and the
    cursor of the next page (the key of this page's last row), None on the last page.
    A cursor is a plain key, so a page stays valid whatever is added before it."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": str(key(rows[-1])) if more and rows else None}
