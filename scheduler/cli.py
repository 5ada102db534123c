"""Flask CLI commands of the domain. Every command exits non-zero with its message on stderr."""

from __future__ import annotations

import functools
import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from scheduler.db import db
from scheduler.db_version import SchemaBehind, ensure_current


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


@click.group("calendar")
def calendar_cli():
    """The working-day calendar (holidays and adjusted working weekends)."""


@calendar_cli.command("import")
@click.argument("year", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", default="", help="e.g. the State Council notice number")
@domain_command
def calendar_import(year, path, note):
    """Import a year's official list: CSV `date,kind,name`, kind holiday or workday."""
    from scheduler.workdays import CalendarError, import_official, parse_official_csv

    try:
        with open(path, encoding="utf-8-sig") as f:
            rows = parse_official_csv(f.read())
        n = import_official(db.session, year, rows, "cli", note)
    except (CalendarError, UnicodeDecodeError) as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"calendar {year}: {n} days imported (official)")


@calendar_cli.command("show")
@click.argument("year", type=int)
@domain_command
def calendar_show(year):
    """Print a year's source and its working days per month."""
    import datetime as dt

    from scheduler.workdays import working_days

    cal = working_days(db.session, dt.date(year, 1, 1), dt.date(year, 12, 31))
    click.echo(f"{year}: {cal.sources[year]}, {len(cal.days)} working days")
    for month in range(1, 13):
        days = [d for d in cal.days if d.month == month]
        click.echo(f"  {year}-{month:02d}: {len(days)}")


def register_cli(app: Flask) -> None:
    from scheduler.demo import demo_cli
    from scheduler.plan_cli import plan_cli
    from scheduler.transfer import export_cli, import_cli

    groups = (reference_cli, user_cli, demo_cli, import_cli, export_cli, plan_cli, calendar_cli)
    for group in groups:
        app.cli.add_command(group)
