"""What every domain command shares: the app context, the schema check, one transaction,
and one place where a domain error becomes a message on stderr and exit status 1.

A command decorated with `domain_command` runs in the app context on a database at the
head of the migrations. It commits what it wants kept; when it raises a `FairdrawError`
the session is rolled back and the error is printed (Chinese first, then English, then
the details and any notes added with `add_note`), without a traceback. Any other error
rolls back too and propagates as a bug.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError, OperationalError

from scheduler import checkpoints
from scheduler.actors import Actor
from scheduler.db import begin_write, db
from scheduler.db_version import SchemaBehind, ensure_current
from scheduler.errors import FairdrawError, Msg, StateConflict

# The command line acts as a named system actor with full rights; commands with an
# --actor option act as a system actor of that name.
CLI_ACTOR = Actor.system("cli")


def fail(message: Msg | str | FairdrawError) -> NoReturn:
    """Print `message` on stderr and exit with status 1."""
    click.echo(str(message), err=True)
    sys.exit(1)


def say(zh: str, en: str, err: bool = False) -> None:
    """A success (or warning) message: the Chinese line, then the English one."""
    click.echo(zh, err=err)
    click.echo(en, err=err)


def say_lines(zh: list[str], en: list[str], err: bool = False) -> None:
    """A longer text: all Chinese lines, an empty line, then all English lines."""
    click.echo("\n".join([*zh, "", *en]), err=err)


CONCURRENT_WRITE = Msg(
    "另一操作同时写入了相同的数据，本次未做任何更改；请查看当前状态后重新运行",
    "another operation wrote the same data at the same time; nothing was changed: check the "
    "current state and run the command again",
)
DATABASE_BUSY = Msg(
    "数据库正忙（另一操作持有写锁），本次未做任何更改，请稍后重试",
    "the database is busy (another operation holds the write lock); nothing was changed, "
    "try again later",
)


def domain_command(fn=None, *, write: bool = True):
    """App context, schema-at-head check, and one rollback-and-report on a domain error.

    A command that writes (`write=True`, the default) takes the database write lock at the
    start of its transaction (`scheduler.db.begin_write`: `BEGIN IMMEDIATE` on SQLite), so
    that of two processes changing the same plan the second waits and then sees the
    first's result (the plan-state message). A unique-key race that still slips through
    (two imports of new rows on PostgreSQL) becomes a clear message, not a traceback."""
    if fn is None:
        return functools.partial(domain_command, write=write)

    @functools.wraps(fn)
    @with_appcontext
    def wrapped(*args, **kwargs):
        try:
            ensure_current(db.engine)
        except SchemaBehind as exc:
            fail(exc.message)
        checkpoints.install()
        checkpoints.checkpoint("start")
        try:
            if write:
                begin_write(db.session)
            return fn(*args, **kwargs)
        except FairdrawError as exc:
            db.session.rollback()
            fail("\n".join([str(exc), *getattr(exc, "__notes__", ())]))
        except IntegrityError:
            db.session.rollback()
            fail(StateConflict(CONCURRENT_WRITE, code="concurrent_write"))
        except OperationalError as exc:
            db.session.rollback()
            if "locked" in str(exc.orig).lower():  # SQLite's busy timeout ran out
                fail(StateConflict(DATABASE_BUSY, code="database_busy"))
            raise
        except BaseException:  # a bug, ^C, or click's own exit: nothing is kept
            db.session.rollback()
            raise

    return wrapped


def progress_bar():
    """A tqdm progress bar on stderr, shown on a terminal once an operation takes a while;
    a `scheduler.progress.Progress`."""
    from tqdm import tqdm

    return functools.partial(tqdm, file=sys.stderr, disable=None, delay=1.0, leave=False)


def read_json(path: str | Path, what: Msg) -> dict:
    """A JSON file's content; a clear message (naming `what` it should be) if unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(Msg(f"无法读取{what.zh} {path}：{exc}", f"cannot read the {what.en} {path}: {exc}"))
    except json.JSONDecodeError as exc:
        fail(
            Msg(
                f"{what.zh}不是合法 JSON：{path} 第 {exc.lineno} 行：{exc.msg}",
                f"{path} is not valid JSON: line {exc.lineno}: {exc.msg}",
            )
        )


def write_json(path: str | Path, data: dict) -> None:
    try:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    except OSError as exc:
        fail(Msg(f"无法写入 {path}：{exc}", f"cannot write {path}: {exc}"))
