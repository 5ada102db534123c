"""Migrations and the schema check: upgrade from empty, match the models, downgrade."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scheduler.db import db
from scheduler.db_version import SchemaBehind, ensure_current


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
