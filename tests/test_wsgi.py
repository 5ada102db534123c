"""wsgi.py: gunicorn refuses an unmigrated database, `FLASK_APP=wsgi flask db upgrade` works
on an empty one, and the app serves nothing until the schema is current."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.db_version import SchemaBehind, current_revisions, head_revisions

ROOT = Path(__file__).resolve().parents[1]


def test_gunicorn_entry_refuses_to_start_on_an_unmigrated_database(empty_db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    sys.modules.pop("wsgi", None)
    with pytest.raises(SchemaBehind, match="flask db upgrade"):
        importlib.import_module("wsgi")
    sys.modules.pop("wsgi", None)


def test_flask_app_wsgi_db_upgrade_migrates_an_empty_database(empty_db_url):
    env = {**os.environ, "DATABASE_URL": empty_db_url, "SECRET_KEY": "x", "FLASK_APP": "wsgi"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    engine = sa.create_engine(empty_db_url)
    try:
        assert current_revisions(engine) == head_revisions()
    finally:
        engine.dispose()


def test_app_serves_nothing_until_migrated_and_leaks_no_url(empty_db_url):
    from flask_migrate import upgrade

    from scheduler.db import db
    from web import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_db_url, "FAIRDRAW_ENV": "test", "SECRET_KEY": "t"}
    )
    client = app.test_client()
    for path in ("/", "/healthz", "/login"):
        resp = client.get(path)
        assert resp.status_code == 503, path
        text = resp.get_data(as_text=True)
        assert "flask db upgrade" in text and "数据库尚未迁移" in text
        assert sa.make_url(empty_db_url).database not in text  # no URL, no file name
    assert client.get("/api/plans").get_json()["errors"][0]["code"] == "schema_behind"
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert client.get("/healthz").status_code == 200
