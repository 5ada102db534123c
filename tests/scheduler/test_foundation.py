"""Migrations, the schema check, configuration, user accounts and model constraints."""

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scheduler.actors import Actor
from scheduler.db import db
from scheduler.db_version import SchemaBehind, ensure_current
from scheduler.models import Body, Conflict, Entity, LeavePeriod, Officer, Town, Unit

ACTOR = Actor.system("test")


def _app(url, **extra):
    from web import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "FAIRDRAW_ENV": "test", "SECRET_KEY": "t", **extra}
    )


def test_migrations_upgrade_from_empty_match_the_models_and_downgrade(empty_db_url):
    from flask_migrate import downgrade, upgrade

    app = _app(empty_db_url)
    with app.app_context():
        with pytest.raises(SchemaBehind, match="flask db upgrade"):
            ensure_current(db.engine)
        upgrade()
        ensure_current(db.engine)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "entity" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_cli_refuses_to_work_on_an_unmigrated_database(empty_db_url):
    app = _app(empty_db_url)
    result = app.test_cli_runner().invoke(args=["reference", "load"])
    assert result.exit_code != 0
    assert "flask db upgrade" in result.output
    with app.app_context():
        db.engine.dispose()


def test_wsgi_refuses_to_start_on_an_unmigrated_database(empty_db_url, monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SECRET_KEY", "x")
    sys.modules.pop("wsgi", None)
    with pytest.raises(SchemaBehind, match="flask db upgrade"):
        importlib.import_module("wsgi")
    sys.modules.pop("wsgi", None)


def test_production_without_secret_key_is_a_clear_error(tmp_path, monkeypatch):
    from scheduler import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.secret_key("production")
    assert len(config.secret_key("development")) == 64
    stored = config.generate_secret_key_file()
    assert stored.stat().st_mode & 0o077 == 0
    assert config.secret_key("production") == stored.read_text().strip()
    assert config.generate_secret_key_file().read_text() == stored.read_text()


def test_database_url_normalises_postgres_scheme(monkeypatch):
    from scheduler.config import database_url

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"


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


def _ref(session):
    town = session.scalar(sa.select(Town).where(Town.code == "TJ"))
    body = session.scalar(sa.select(Body).where(Body.code == "SC"))
    unit = session.scalar(sa.select(Unit).where(Unit.code == "SC-TJ"))
    return town, body, unit


def _entity(town, **kw):
    values = dict(
        uscc="91370282MA3C5T4R2M",
        name="青岛示例商贸有限公司",
        type="E",
        industry="F",
        town=town,
        registered_on=dt.date(2020, 1, 1),
        status="active",
        credit_class="A",
    )
    values.update(kw)
    return Entity(**values)


@pytest.mark.parametrize(
    "field,value",
    [
        ("uscc", "91370282MA3C5T4R2"),
        ("type", "X"),
        ("status", "closed"),
        ("credit_class", "E"),
        ("industry", "Z"),
    ],
)
def test_entity_check_constraints(db_session, field, value):
    town, _, _ = _ref(db_session)
    db_session.add(_entity(town, **{field: value}))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_natural_keys_are_unique(db_session):
    town, body, unit = _ref(db_session)
    db_session.add(_entity(town))
    db_session.flush()
    db_session.add(_entity(town, name="another"))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_officer_leave_and_conflict_constraints(db_session):
    town, body, unit = _ref(db_session)
    entity = _entity(town)
    officer = Officer(
        cert_no="37028201000009",
        name="李四",
        body=body,
        unit=unit,
        cert_valid_from=dt.date(2024, 1, 1),
        cert_valid_to=dt.date(2029, 1, 1),
    )
    db_session.add_all([entity, officer])
    db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            LeavePeriod(officer=officer, starts_on=dt.date(2027, 3, 2), ends_on=dt.date(2027, 3, 1))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    with db_session.begin_nested():
        officer.cert_valid_to = dt.date(2023, 1, 1)
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    officer.cert_valid_to = dt.date(2029, 1, 1)
    db_session.add(
        Conflict(officer=officer, entity=entity, kind="relative", declared_on=dt.date(2026, 1, 1))
    )
    db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            Conflict(officer=officer, entity=entity, kind="other", declared_on=dt.date(2026, 1, 2))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            Conflict(officer=officer, entity=entity, kind="enemy", declared_on=dt.date(2026, 1, 2))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    db_session.rollback()


def test_reference_load_is_idempotent(db_session):
    from scheduler.reference import load_reference

    assert load_reference(db_session, ACTOR) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Body)) == 25
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Town)) == 18
