"""Is the database's schema at the head of the Alembic migrations?"""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from scheduler.config import ROOT

MIGRATIONS_DIR = ROOT / "migrations"


class SchemaBehind(RuntimeError):
    """The database has not been migrated to the code's schema."""


def head_revisions() -> set[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def ensure_current(engine: Engine) -> None:
    """Raise `SchemaBehind` with the fixing command unless the schema is at head."""
    current, heads = current_revisions(engine), head_revisions()
    if current != heads:
        url = engine.url.render_as_string(hide_password=True)
        raise SchemaBehind(
            f"The database schema of {url} is at {sorted(current) or 'nothing (empty)'} "
            f"but the code needs {sorted(heads)}. Run `flask db upgrade` "
            "(or `make migrate`) to migrate it. / 数据库结构未更新，请运行 flask db upgrade。"
        )
