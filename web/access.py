"""Access rules: every view declares who may use it, and the app refuses to start otherwise.

@public                      anyone, logged in or not
@roles("planner", "admin")   a logged-in user with one of these roles

These rules only open the door to a page; the scope (which plan, which inspection) is
checked by the services with `current_actor()` (see `scheduler.access`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, abort, current_app
from flask_login import current_user

from scheduler.actors import Actor
from scheduler.models import Role

# Endpoints that Flask itself registers: static files are public.
BUILTIN_PUBLIC = {"static"}


class MissingAccessRule(RuntimeError):
    pass


def public(view: Callable) -> Callable:
    view.access_rule = "public"
    return view


def roles(*allowed: str) -> Callable[[Callable], Callable]:
    unknown = set(allowed) - {r.value for r in Role}
    if not allowed or unknown:
        raise ValueError(f"roles() needs known roles, got {allowed!r}")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = "roles:" + ",".join(sorted(allowed))
        return wrapped

    return decorator


def current_actor() -> Actor:
    """The logged-in user as the `Actor` the services take (views with `@roles` only)."""
    return Actor.from_user(current_user._get_current_object())


STAFF = (Role.ADMIN.value, Role.PLANNER.value, Role.AUDITOR.value)
LOGGED_IN = tuple(r.value for r in Role)


def check_access_rules(app: Flask) -> dict[str, str]:
    """Return endpoint -> rule; raise if a route has no declared rule."""
    rules, missing = {}, []
    for endpoint, view in app.view_functions.items():
        if endpoint in BUILTIN_PUBLIC or endpoint.endswith(".static"):
            rules[endpoint] = "public"
            continue
        rule = getattr(view, "access_rule", None)
        if rule is None:
            missing.append(endpoint)
        else:
            rules[endpoint] = rule
    if missing:
        raise MissingAccessRule(
            "These routes declare no access rule (@public or @roles(...)): " + ", ".join(missing)
        )
    return rules
