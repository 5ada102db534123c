"""`flask calendar import|show`: the working-day calendar (holidays, adjusted weekends)."""

from __future__ import annotations

import datetime as dt

import click

from scheduler.cli.base import CLI_ACTOR, domain_command, fail
from scheduler.db import db
from scheduler.errors import Msg
from scheduler.workdays import import_official, parse_official, working_days


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
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        fail(Msg(f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"))
    n = import_official(db.session, year, parse_official(data, year), CLI_ACTOR, note)
    db.session.commit()
    click.echo(f"calendar {year}: {n} days imported (official)")


@calendar_cli.command("show")
@click.argument("year", type=int)
@domain_command
def calendar_show(year):
    """Print a year's source and its working days per month."""
    cal = working_days(db.session, dt.date(year, 1, 1), dt.date(year, 12, 31))
    click.echo(f"{year}: {cal.sources[year]}, {len(cal.days)} working days")
    for month in range(1, 13):
        days = [d for d in cal.days if d.month == month]
        click.echo(f"  {year}-{month:02d}: {len(days)}")
