"""Flask CLI commands of the domain (`flask plan ...`, `flask import ...`, ...), one module
per command group; `base` holds what they share. Only this package uses click."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Add every command group to `app.cli`."""
    from scheduler.cli import (
        audit,
        calendar,
        demo,
        directory,
        plan_repair,  # noqa: F401  (adds its commands to `plan`)
        plans,
        reference,
        results,
        tokens,
        users,
    )

    for group in (
        reference.reference_cli,
        users.user_cli,
        demo.demo_cli,
        directory.import_cli,
        directory.export_cli,
        plans.plan_cli,
        calendar.calendar_cli,
        audit.audit_cli,
        tokens.token_cli,
        results.result_cli,
    ):
        app.cli.add_command(group)
