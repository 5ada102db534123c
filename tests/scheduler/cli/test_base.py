"""The shared command wrapper: a domain error rolls back, prints both languages, exits 1."""

import datetime as dt

import click
import pytest
from sqlalchemy import func, select

from scheduler.cli.base import domain_command
from scheduler.db import db
from scheduler.errors import Msg, StateConflict
from scheduler.models import Body, Officer, Unit


@pytest.fixture
def failing(app):
    """A command that writes an officer, flushes, then refuses with a domain error."""

    @click.command("failing")
    @domain_command
    def failing_cmd():
        body = db.session.scalar(select(Body).where(Body.code == "SC"))
        unit = db.session.scalar(select(Unit).where(Unit.code == "SC-TJ"))
        db.session.add(
            Officer(
                cert_no="X-1",
                name="张三",
                body=body,
                unit=unit,
                cert_valid_from=dt.date(2025, 1, 1),
                cert_valid_to=dt.date(2030, 1, 1),
            )
        )
        db.session.flush()
        raise StateConflict(Msg("不能这样做", "cannot do that"), [Msg("原因", "because")])

    app.cli.add_command(failing_cmd)
    return app


def test_domain_error_rolls_back_and_prints_both_languages(failing, db_session):
    result = failing.test_cli_runner().invoke(args=["failing"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["不能这样做 / cannot do that", "  - 原因 / because"]
    assert "Traceback" not in result.output
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Officer)) == 0


def test_unknown_plan_is_one_line_on_stderr(app):
    result = app.test_cli_runner().invoke(args=["plan", "show", "NOPE-1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "没有编号为 NOPE-1 的计划 / no plan with code 'NOPE-1'"
    assert result.stdout == ""
