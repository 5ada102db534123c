"""`flask user create|deactivate`: user accounts."""

from __future__ import annotations

import click

from scheduler.cli.base import CLI_ACTOR, domain_command, fail
from scheduler.db import db
from scheduler.errors import Msg
from scheduler.models import Role
from scheduler.users import create_user, deactivate


@click.group("user")
def user_cli():
    """User accounts."""


@user_cli.command("create")
@click.argument("username", required=False)
@click.option("--username", "username_opt", help="login name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--body", "body_code", help="body code, e.g. SC (planners)")
@click.option("--cert-no", help="certificate number (officers)")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="FAIRDRAW_PASSWORD"
)
@domain_command
def user_create(username, username_opt, role, body_code, cert_no, password):
    """Create a user: flask user create NAME --role planner --body SC."""
    name = username or username_opt
    if not name:
        fail(
            Msg(
                "须给出用户名（参数或 --username）",
                "a username is required (argument or --username)",
            )
        )
    create_user(db.session, name, password, role, body_code, cert_no, actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"user {name} created with role {role}")


@user_cli.command("deactivate")
@click.argument("username")
@domain_command
def user_deactivate(username):
    """Deactivate a user: no more logins, open sessions end at once."""
    deactivate(db.session, username, actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"user {username} deactivated; its sessions have ended")
