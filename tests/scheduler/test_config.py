"""Configuration from the environment: the secret key and the database URL."""

import pytest


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
