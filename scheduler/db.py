"""Database handle shared by the domain and the web layer, the chunking of IN lists, and
the write lock taken at the start of a transaction (`begin_write`)."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names so that Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

T = TypeVar("T")


# Keeps `IN (...)` lists under SQLite's limit of bound parameters (999 before 3.32).
IN_CHUNK = 900


def chunks(seq: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`seq` in consecutive slices of at most `size` items (for `IN (...)` lists)."""
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def begin_write(session: Session) -> None:
    """Take the database write lock now, at the start of the transaction, so that two
    processes cannot both read a plan's state and then both change it.

    SQLite: `BEGIN IMMEDIATE` unless the connection is already inside a transaction (the
    driver opens one at the first write, which holds the write lock already). PostgreSQL
    locks rows instead (`SELECT ... FOR UPDATE` in the services), so nothing to do there.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    if not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
