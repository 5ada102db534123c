"""Session lifetime (会话期限): a login session ends after a configurable idle time and
after an absolute maximum, whatever the cookie says, and on the server side when the
user's `session_version` changes (logout, deactivation; see `web.load_user`).

`start()` stamps the session at login; `enforce()` runs before every request and logs an
expired session out (the page then asks to log in again, with a message).
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask, current_app, flash, session
from flask_babel import gettext as _
from flask_login import logout_user

LOGIN_AT = "_fd_login_at"
SEEN_AT = "_fd_seen_at"
# The last-seen stamp is renewed at most this often, so that not every request rewrites
# the session cookie.
SEEN_RESOLUTION = 60


def _now() -> float:
    return time.time()


def _limits() -> tuple[float, float]:
    cfg = current_app.config
    return (
        float(cfg["FAIRDRAW_SESSION_IDLE_MINUTES"]) * 60,
        float(cfg["FAIRDRAW_SESSION_MAX_HOURS"]) * 3600,
    )


def start() -> None:
    """Call right after `login_user`: stamp the login and the last activity."""
    now = _now()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.permanent = True  # the cookie itself ends at PERMANENT_SESSION_LIFETIME


def end() -> None:
    """Forget the login on this browser (the server-side revocation is the caller's)."""
    logout_user()
    session.pop(LOGIN_AT, None)
    session.pop(SEEN_AT, None)


def enforce() -> None:
    """Log out a session that has been idle too long or has lived too long; a session
    without stamps (made before this check existed) counts as expired."""
    if "_user_id" not in session:
        return
    idle, absolute = _limits()
    now = _now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if (
        not isinstance(login_at, (int, float))
        or not isinstance(seen_at, (int, float))
        or now - seen_at > idle
        or now - login_at > absolute
    ):
        end()
        flash(_("Your session has expired; please log in again."), "info")
        return
    if now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT] = now


def init_app(app: Flask) -> None:
    app.config.setdefault("FAIRDRAW_SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("FAIRDRAW_SESSION_MAX_HOURS", 12)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        hours=float(app.config["FAIRDRAW_SESSION_MAX_HOURS"])
    )
    app.before_request(enforce)
