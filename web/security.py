"""Security of every response and request (安全防护): headers, the reverse proxy, and a
guard that answers 400 to bad bytes before any view or query sees them.

- Headers: a Content-Security-Policy without inline script or style (templates load
  `static/` files only), Referrer-Policy, Permissions-Policy, X-Content-Type-Options,
  X-Frame-Options, Cross-Origin-Opener-Policy, and HSTS when the request came over HTTPS.
- `FAIRDRAW_PROXIES` = N trusts N reverse proxies' X-Forwarded-For/-Proto/-Host (werkzeug's
  ProxyFix), so that the client address (login throttling) and HTTPS (HSTS, secure
  cookies) are the real ones; 0 (the default) trusts no such header.
- The input guard: a NUL or other control character, or an over-long value, in the path
  answers 404, in the query string or a form field (or an uploaded file's name) a clear
  400; never a 500 from the database. Form bodies are bounded by werkzeug
  (`MAX_FORM_MEMORY_SIZE`, 413).
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from scheduler.errors import Msg

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"

MAX_PATH = 1024
MAX_QUERY_STRING = 8192
MAX_QUERY_VALUE = 2048
MAX_FIELD_NAME = 256
# C0 controls but tab, newline and carriage return (which text areas legitimately send).
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a path or a query value even tab, newline and carriage return are bad.
_BAD_URL = re.compile(r"[\x00-\x1f\x7f]")

BAD_INPUT = Msg(
    "请求含有不允许的字符（如 NUL 控制字符）或过长的值",
    "The request contains a forbidden character (such as a NUL control character) or an "
    "over-long value",
)


def _bad_request(where: str):
    from web import errors

    details = [f"{where}"]
    return errors.error_response(400, BAD_INPUT, "bad_input", details=details)


def _invalid_api_input(where: str):
    """The JSON API's answer to bad bytes: 422 invalid, as its contract says."""
    from web import errors

    return errors.error_response(422, BAD_INPUT, "invalid", field=where)


def guard_input():
    """Refuse bad bytes and over-long values in the path, the query and the form (the
    JSON API answers 422 `invalid` for all of them, its contract for a bad value)."""
    path = request.path
    if path.startswith("/api/"):
        bad = guard_values(path)
        if bad and not _has_nul():
            return _invalid_api_input(bad)
        return None  # a NUL: the API refuses it itself (code `nul_character`)
    if len(path) > MAX_PATH or _BAD_URL.search(path):
        from web import errors  # such a path names no page: 404, before any query

        return errors.error_response(404, errors.HTTP_MESSAGES[404], errors.HTTP_CODES[404])
    bad = guard_values(path)
    return _bad_request(bad) if bad else None


def _has_nul() -> bool:
    values = [request.path, *request.args.keys(), *request.args.values()]
    return any("\x00" in v for v in values)


def guard_values(path: str) -> str | None:
    """Where a request carries bad bytes or an over-long value ("path", "query", "form"),
    or None."""
    if len(path) > MAX_PATH or _BAD_URL.search(path):
        return "path"
    if len(request.query_string) > MAX_QUERY_STRING:
        return "query"
    for key, value in request.args.items(multi=True):
        if len(key) > MAX_FIELD_NAME or len(value) > MAX_QUERY_VALUE:
            return "query"
        if _BAD_URL.search(key) or _BAD_URL.search(value):
            return "query"
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            if len(key) > MAX_FIELD_NAME or _BAD_URL.search(key) or _BAD_TEXT.search(value):
                return "form"
        for key, upload in request.files.items(multi=True):
            name = upload.filename or ""
            if len(key) > MAX_FIELD_NAME or len(name) > MAX_FIELD_NAME or _BAD_URL.search(name):
                return "form"
    return None


def set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Install the proxy fix, the input guard (first of the before-request hooks) and the
    headers."""
    proxies = int(app.config.get("FAIRDRAW_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.before_request_funcs.setdefault(None, []).insert(0, guard_input)
    app.after_request(set_headers)
