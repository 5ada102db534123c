"""One error handler for the whole app (错误页面).

Fed by the domain's `FairdrawError` (its status, code, message, field and details) and by
werkzeug's `HTTPException` (404, 405, CSRF's 400, 413...). Pages get an HTML page in both
languages, Chinese first and English beneath; paths under /api/ (and `.json` files) get
the JSON envelope `{"errors": [{"code", "message", "field"}, ...]}` with messages in the
request's language. An unexpected exception becomes a generic 500 page: Flask logs it
(with the traceback) before this handler runs, and the page shows nothing of it, no
traceback and no SQL. Every error rolls the session back.
"""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from scheduler.db import db
from scheduler.errors import FairdrawError, Msg, detail_text
from web.i18n import select_locale

HTTP_MESSAGES = {
    400: Msg("请求无效", "Bad request"),
    401: Msg("请先登录", "Please log in"),
    403: Msg("无权访问此页面", "You may not open this page"),
    404: Msg("页面不存在", "Page not found"),
    405: Msg("不支持此请求方法", "This method is not allowed here"),
    413: Msg("上传的内容过大", "The upload is too large"),
    500: Msg(
        "服务器内部错误，已记录，请稍后再试",
        "Internal server error; it has been logged, please try again later",
    ),
    503: Msg("服务暂不可用，请稍后再试", "Service unavailable; please try again later"),
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "internal_error",
    503: "unavailable",
}
CSRF_MESSAGE = Msg(
    "表单已过期或缺少安全令牌，请刷新页面后重试",
    "The form's security token is missing or has expired; reload the page and try again",
)


def wants_json() -> bool:
    """JSON for the API and for `.json` files, HTML pages otherwise."""
    return request.path.startswith("/api/") or request.path.endswith(".json")


def error_response(
    status: int,
    message: Msg,
    code: str,
    field: str | None = None,
    entries: list[dict] | None = None,
    details: list[str] | None = None,
):
    """The error as JSON (`entries`, or one entry from `message`) or as a bilingual page."""
    if wants_json():
        lang = select_locale()
        body = entries or [{"code": code, "message": message.text(lang), "field": field}]
        return {"errors": body}, status
    page = render_template(
        "errors/error.html", status=status, message=message, details=details or [], code=code
    )
    return page, status


def handle_domain_error(error: FairdrawError):
    db.session.rollback()
    if wants_json():
        entries = error.entries(select_locale())
        return error_response(error.status, error.message, error.code, entries=entries)
    details = [detail_text(d) for d in error.details]
    return error_response(error.status, error.message, error.code, error.field, details=details)


def handle_http_error(error: HTTPException):
    if error.code is None or error.response is not None:
        return error  # a redirect, or a response someone built on purpose
    db.session.rollback()
    status = error.code
    if isinstance(error, CSRFError):
        message, code = CSRF_MESSAGE, "csrf_invalid"
    else:
        message = HTTP_MESSAGES.get(status, Msg(error.name, error.name))
        code = HTTP_CODES.get(status, f"http_{status}")
    response = error_response(status, message, code)
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        return (*response, {"Allow": ", ".join(valid_methods)})
    return response


def handle_internal_error(error: InternalServerError):
    """Flask has logged the original exception and its traceback; show nothing of it."""
    db.session.rollback()
    return error_response(500, HTTP_MESSAGES[500], HTTP_CODES[500])


def _database_reachable() -> bool:
    """Whether a fresh connection to the database answers `SELECT 1`."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def handle_database_error(error: Exception):
    """A database error: 503 when the database cannot be reached (down, unreachable, pool
    exhausted), so that a load balancer and `/healthz` tell an outage from a bug; otherwise
    it is a bug (a bad query): logged with its traceback, a generic 500. Nothing shown."""
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone
        db.session.rollback()
    if isinstance(error, PoolTimeout) or not _database_reachable():
        current_app.logger.error("database unavailable: %s", error)
        return error_response(503, HTTP_MESSAGES[503], "database_unavailable")
    current_app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=error)
    return error_response(500, HTTP_MESSAGES[500], HTTP_CODES[500])


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(FairdrawError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
