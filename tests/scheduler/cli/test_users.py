"""`flask user create`: accounts, refusals with a clear message, hashed passwords."""

import sqlalchemy as sa

from scheduler.db import db


def test_user_create_cli(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=[
            "user",
            "create",
            "p1",
            "--role",
            "planner",
            "--body",
            "SC",
            "--password",
            "secret-123",
        ]
    )
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(
        args=[
            "user",
            "create",
            "p1",
            "--role",
            "planner",
            "--body",
            "SC",
            "--password",
            "secret-123",
        ]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    nobody = runner.invoke(
        args=["user", "create", "p2", "--role", "planner", "--password", "x" * 9]
    )
    assert nobody.exit_code == 1 and "--body" in nobody.output
    short = runner.invoke(args=["user", "create", "p3", "--role", "admin", "--password", "short"])
    assert short.exit_code == 1 and "8" in short.output
    from scheduler.models import User

    user = db.session.scalar(sa.select(User).where(User.username == "p1"))
    assert user.password_hash != "secret-123" and user.password_hash.startswith(
        ("scrypt", "pbkdf2")
    )
