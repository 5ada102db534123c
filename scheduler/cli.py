"""Flask CLI commands of the domain. Every command exits non-zero with its message on stderr."""

from __future__ import annotations

import functools
import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from scheduler.db import db
from scheduler.schema import SchemaBehind, ensure_current


def fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def domain_command(fn):
    """App context, schema-at-head check, and one rollback-on-error transaction."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapped(*args, **kwargs):
        try:
            ensure_current(db.engine)
        except SchemaBehind as exc:
            fail(str(exc))
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except Exception:
            db.session.rollback()
            raise

    return wrapped


@click.group("reference")
def reference_cli():
    """Reference tables (bodies, towns, units, items)."""


@reference_cli.command("load")
@domain_command
def reference_load():
    """Load or update bodies, towns, units and items from data/reference/."""
    from scheduler.reference import load_reference

    changed = load_reference(db.session, actor="cli")
    db.session.commit()
    click.echo(f"reference data loaded: {changed} rows created or changed")


@click.group("user")
def user_cli():
    """User accounts."""


@user_cli.command("create")
@click.argument("username", required=False)
@click.option("--username", "username_opt", help="login name")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "planner", "officer", "auditor"])
)
@click.option("--body", "body_code", help="body code, e.g. SC (planners)")
@click.option("--cert-no", help="certificate number (officers)")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="FAIRDRAW_PASSWORD"
)
@domain_command
def user_create(username, username_opt, role, body_code, cert_no, password):
    """Create a user: flask user create NAME --role planner --body SC."""
    from scheduler.users import UserError, create_user

    name = username or username_opt
    if not name:
        fail("a username is required (argument or --username)")
    try:
        create_user(db.session, name, password, role, body_code, cert_no, actor="cli")
    except UserError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"user {name} created with role {role}")


def register_cli(app: Flask) -> None:
    from scheduler.demo import demo_cli
    from scheduler.plan_cli import plan_cli
    from scheduler.transfer import export_cli, import_cli

    for group in (reference_cli, user_cli, demo_cli, import_cli, export_cli, plan_cli):
        app.cli.add_command(group)
