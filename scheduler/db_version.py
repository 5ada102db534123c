"""Is the database's schema at the head of the Alembic migrations?"""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from scheduler.config import ROOT
from scheduler.errors import Msg

MIGRATIONS_DIR = ROOT / "migrations"


class SchemaBehind(RuntimeError):
    """The database has not been migrated to the code's schema: an operator's problem (run
    the migrations), not a domain error; `message` names the fixing command."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


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
        at = sorted(current) or "nothing (empty)"
        raise SchemaBehind(
            Msg(
                f"数据库 {url} 的结构未更新（当前 {at}，需要 {sorted(heads)}），"
                "请运行 flask db upgrade（或 make migrate）。",
                f"The database schema of {url} is at {at} but the code needs {sorted(heads)}. "
                "Run `flask db upgrade` (or `make migrate`) to migrate it.",
            )
        )
