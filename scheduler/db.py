"""Database handle shared by the domain and the web layer, and the chunking of IN lists."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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
