"""The JSON API `/api/v1` (接口): importing this module registers every operation on `bp`.

Operations live by audience: `public` (no login), `admin` (tokens, `/me`), `plans` (the
plan lifecycle for staff); `spec` serves the OpenAPI document and its browsable page.
"""

from __future__ import annotations

from flask import request

from web.api import admin, directories, plans, public, results, spec  # noqa: F401  (each registers its operations)
from web.api.core import bp

__all__ = ["bp"]


@bp.after_request
def announce_bearer(response):
    """A 401 names the scheme it expects (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fairdraw"'
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
