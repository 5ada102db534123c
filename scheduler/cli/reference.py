"""`flask reference load`: bodies, towns, units and items from data/reference/."""

from __future__ import annotations

import click

from scheduler.cli.base import CLI_ACTOR, domain_command
from scheduler.db import db
from scheduler.reference import load_reference


@click.group("reference")
def reference_cli():
    """Reference tables (bodies, towns, units, items)."""


@reference_cli.command("load")
@domain_command
def reference_load():
    """Load or update bodies, towns, units and items from data/reference/."""
    changed = load_reference(db.session, actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"reference data loaded: {changed} rows created or changed")
