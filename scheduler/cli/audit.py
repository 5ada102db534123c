"""`flask audit verify|show`: the tamper-evident audit trail (防篡改审计链)."""

from __future__ import annotations

import json

import click
from sqlalchemy import func, select

from scheduler import audit
from scheduler.cli.base import domain_command, fail
from scheduler.db import db
from scheduler.models import AuditEvent


@click.group("audit")
def audit_cli():
    """The audit trail: verify its hash chains, show events."""


@audit_cli.command("verify")
@domain_command(write=False)
def audit_verify():
    """Walk the audit chains; name the first broken link and exit 1, or print the head."""
    result = audit.verify(db.session)
    db.session.rollback()
    if not result.ok:
        fail(result.problem)
    click.echo(f"audit chain intact: {result.events} events, head {result.head}")


@audit_cli.command("show")
@click.option("--subject", help="only the events of this subject (a plan code, a username)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@domain_command(write=False)
def audit_show(subject, limit, as_json):
    """The last events (oldest first) with their hashes, and the chain head."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    events = list(reversed(db.session.scalars(query).all()))
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for e in events:
        if as_json:
            row = {
                "id": e.id,
                "at": e.at.isoformat(timespec="microseconds") + "Z",
                "kind": e.kind,
                "actor": e.actor,
                "subject": e.subject,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "subject_prev_hash": e.subject_prev_hash,
                "hash": e.hash,
            }
            click.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        else:
            click.echo(
                f"#{e.id} {e.at.isoformat(sep=' ', timespec='seconds')}Z {e.kind} "
                f"{e.actor} {e.subject or '-'} {e.hash[:16]}"
            )
    if not as_json:
        click.echo(f"{total} events, head {audit.chain_head(db.session)}")
    db.session.rollback()
