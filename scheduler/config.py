"""Configuration from environment variables (documented in README.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("FAIRDRAW_INSTANCE", ROOT / "instance"))


class ConfigError(RuntimeError):
    """A start-up configuration problem, with the fix in its message."""


def database_url() -> str:
    """`DATABASE_URL`, defaulting to the embedded SQLite file `instance/fairdraw.db`."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):  # Heroku-style URLs
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    INSTANCE.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE / 'fairdraw.db'}"


def secret_key(env: str) -> str:
    """`SECRET_KEY`, else the key `make run` generated in `instance/secret_key`.

    Production refuses to start without one; development and test make one up.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    stored = INSTANCE / "secret_key"
    if stored.exists():
        return stored.read_text().strip()
    if env in ("development", "test"):
        return secrets.token_hex(32)
    raise ConfigError(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
        "(e.g. `export SECRET_KEY=$(python -c 'import secrets;print(secrets.token_hex(32))')`), "
        "or run `make run`, which generates instance/secret_key. "
        "/ 未设置 SECRET_KEY：请设置环境变量 SECRET_KEY，或运行 make run 自动生成。"
    )


def generate_secret_key_file() -> Path:
    """Create `instance/secret_key` once (used by `make run`)."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    stored = INSTANCE / "secret_key"
    if not stored.exists():
        stored.write_text(secrets.token_hex(32) + "\n")
        stored.chmod(0o600)
    return stored


def load(overrides: dict | None = None) -> dict:
    env = os.environ.get("FAIRDRAW_ENV", "production")
    overrides = overrides or {}
    env = overrides.get("FAIRDRAW_ENV", env)
    cfg = {
        "FAIRDRAW_ENV": env,
        "SQLALCHEMY_DATABASE_URI": overrides.get("SQLALCHEMY_DATABASE_URI") or database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FAIRDRAW_SECURE_COOKIES", "0") == "1",
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "web" / "translations"),
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,  # a form's token lasts four hours
        "FAIRDRAW_SESSION_IDLE_MINUTES": float(os.environ.get("FAIRDRAW_SESSION_IDLE_MINUTES", 30)),
        "FAIRDRAW_SESSION_MAX_HOURS": float(os.environ.get("FAIRDRAW_SESSION_MAX_HOURS", 12)),
        "FAIRDRAW_PROXIES": int(os.environ.get("FAIRDRAW_PROXIES", 0)),
        "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
        # Result attachments (photos, signed records), named by their SHA-256.
        "FAIRDRAW_ATTACHMENTS_DIR": os.environ.get(
            "FAIRDRAW_ATTACHMENTS_DIR", str(INSTANCE / "attachments")
        ),
    }
    cfg.update(overrides)
    if str(cfg["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A writer waits up to this long for another's write lock (BEGIN IMMEDIATE).
        options = dict(cfg["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": 60})
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if "SECRET_KEY" not in cfg:
        cfg["SECRET_KEY"] = secret_key(env)
    return cfg
