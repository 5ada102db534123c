"""`flask token create|revoke|list`: API tokens for machine clients (接口令牌)."""

from __future__ import annotations

import click

from scheduler import tokens
from scheduler.cli.base import CLI_ACTOR, domain_command
from scheduler.db import db
from scheduler.models import Role


@click.group("token")
def token_cli():
    """API tokens: create (the secret is shown once), revoke, list."""


@token_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--body", "body_code", help="body code, e.g. SC (planners)")
@click.option("--cert-no", help="certificate number (officers)")
@click.option(
    "--days",
    type=click.IntRange(1, tokens.MAX_DAYS),
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    help="days until the token expires",
)
@domain_command
def token_create(name, role, body_code, cert_no, days):
    """Create a token: flask token create NAME --role planner --body SC. Prints the secret
    once; only its SHA-256 is stored."""
    created = tokens.create_token(
        db.session,
        name,
        role,
        actor=CLI_ACTOR,
        body_code=body_code,
        cert_no=cert_no,
        days=days,
    )
    db.session.commit()
    t = created.token
    click.echo(f"token {t.id} ({t.name}, {t.role}) expires {t.expires_at.isoformat()}Z", err=True)
    click.echo(created.secret)


@token_cli.command("revoke")
@click.argument("token_id", type=int)
@domain_command
def token_revoke(token_id):
    """Revoke a token by its id (flask token list shows them)."""
    token = tokens.revoke_token(db.session, token_id, CLI_ACTOR)
    db.session.commit()
    click.echo(f"token {token.id} ({token.name}) revoked")


@token_cli.command("list")
@domain_command
def token_list():
    """Every token: id, name, role, body, officer, status, expiry, last use."""
    rows = tokens.list_tokens(db.session, CLI_ACTOR)
    click.echo("id\tname\trole\tbody\tcert_no\tstatus\texpires_at\tlast_used_at\tprefix")
    for t in rows:
        click.echo(
            "\t".join(
                str(v)
                for v in (
                    t.id,
                    t.name,
                    t.role,
                    t.body.code if t.body else "-",
                    t.officer.cert_no if t.officer else "-",
                    tokens.status(t),
                    t.expires_at.isoformat() + "Z",
                    t.last_used_at.isoformat() + "Z" if t.last_used_at else "-",
                    t.prefix + "…",
                )
            )
        )
