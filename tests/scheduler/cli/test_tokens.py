"""`flask token create|list|revoke`."""

from sqlalchemy import select

from scheduler import tokens
from scheduler.models import ApiToken


def test_create_list_revoke(app, db_session, small_district):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["token", "create", "platform", "--role", "planner", "--body", "SC", "--days", "30"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("fd_")
    row = db_session.scalar(select(ApiToken))
    assert row.token_hash == tokens.hash_secret(secret) and row.body.code == "SC"
    listing = runner.invoke(args=["token", "list"])
    assert "platform\tplanner\tSC" in listing.output and "\tactive\t" in listing.output
    assert secret not in listing.output
    assert runner.invoke(args=["token", "revoke", str(row.id)]).exit_code == 0
    assert "\trevoked\t" in runner.invoke(args=["token", "list"]).output
    again = runner.invoke(args=["token", "revoke", str(row.id)])
    assert again.exit_code == 1 and "already revoked" in again.output


def test_a_planner_token_needs_a_body(app, small_district):
    result = app.test_cli_runner().invoke(args=["token", "create", "x", "--role", "planner"])
    assert result.exit_code == 1 and "needs a body" in result.output
    assert "Traceback" not in result.output
