"""Load the deterministic demo district into the database (`flask demo load`).

`data.demo_district` generates the district as plain rows keyed by natural keys; this module loads
the reference tables, maps the keys to ids (assigned here, in generation order) and
bulk-inserts everything in the caller's transaction, with one DEMO_LOADED audit event.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field

import click
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from tqdm import tqdm

from data import demo_district as gen
from scheduler.audit import EventKind, record
from scheduler.cli import domain_command, fail
from scheduler.db import db
from scheduler.models import (
    Body,
    Conflict,
    Entity,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Town,
    Unit,
    User,
    history_officer,
)

CHUNK = 10_000
# Tables whose ids the loader assigns; PostgreSQL sequences are moved past them afterwards.
ID_TABLES = (Officer, Entity, LeavePeriod, Conflict, InspectionHistory)


class DemoNotEmpty(RuntimeError):
    """The database already holds directory data; the demo district is only for empty ones."""


@dataclass
class DemoLoadResult:
    seed: int
    scale: float
    counts: dict[str, int]
    digest: str
    # username, password, role, body, created (False: the username existed, left alone)
    users: list[dict] = field(default_factory=list)


def directory_rows(session: Session) -> dict[str, int]:
    """How many entities and officers the database already holds."""
    return {
        "entities": session.scalar(select(func.count()).select_from(Entity)) or 0,
        "officers": session.scalar(select(func.count()).select_from(Officer)) or 0,
    }


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _execute_insert(session: Session, table, rows: list[dict]) -> None:
    """One bulk insert in the session's transaction: executemany on SQLite, COPY on
    PostgreSQL (psycopg's executemany costs a server round trip per row)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    driver = session.connection().connection.driver_connection  # psycopg.Connection
    with driver.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def _insert(session: Session, table, rows: list[dict], bar) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        _execute_insert(session, table, chunk)
        bar.update(len(chunk))


def _reset_sequences(session: Session) -> None:
    """Explicit ids do not advance PostgreSQL sequences; move them to the tables' maxima."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in ID_TABLES:
        name = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


class _SqliteCache:
    """A larger SQLite page cache while loading: index pages stay in memory instead of
    spilling to the file mid-transaction (the full district loads about a third faster);
    the connection's previous size is restored afterwards."""

    KIB = 262_144  # 256 MiB at most, allocated only as pages are used

    def __init__(self, session: Session):
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.before = None

    def __enter__(self):
        if self.sqlite:
            self.before = self.session.execute(text("PRAGMA cache_size")).scalar()
            self.session.execute(text(f"PRAGMA cache_size = -{self.KIB}"))
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.sqlite and self.before is not None:
            restore = text(f"PRAGMA cache_size = {int(self.before)}")
            if exc_type is None:
                self.session.execute(restore)
            else:  # best effort; never hide the error that is propagating
                with contextlib.suppress(SQLAlchemyError):
                    self.session.execute(restore)
        return False


def load_demo(
    session: Session,
    seed: int = 1,
    scale: float = 1.0,
    actor: str = "cli",
    district: gen.District | None = None,
    progress: bool = False,
) -> DemoLoadResult:
    """Add the demo district to `session` (the caller commits; nothing on error).

    Raises `DemoNotEmpty` when entities or officers exist. `district` may be passed in
    pre-generated (it must match `seed` and `scale`); otherwise it is generated here.
    """
    from scheduler.reference import load_reference
    from scheduler.users import create_user

    existing = directory_rows(session)
    if existing["entities"] or existing["officers"]:
        raise DemoNotEmpty(
            f"数据库中已有 {existing['entities']} 个市场主体、{existing['officers']} 名执法人员，"
            "演示数据只能载入空数据库 / the database already holds "
            f"{existing['entities']} entities and {existing['officers']} officers; "
            "the demo district only loads into an empty database"
        )
    load_reference(session, actor=actor)

    if district is None:
        with tqdm(
            total=len(gen.STAGES),
            desc="生成 / generating",
            unit="stage",
            file=sys.stderr,
            disable=not progress,
        ) as bar:

            def stage_done(stage: str) -> None:
                bar.set_postfix_str(stage)
                bar.update(1)

            district = gen.generate(seed, scale, progress=stage_done)
    elif (district.seed, district.scale) != (seed, scale):
        raise ValueError("the pre-generated district does not match seed and scale")
    counts = district.counts()

    bodies = {code: id_ for code, id_ in session.execute(select(Body.code, Body.id))}
    units = {code: id_ for code, id_ in session.execute(select(Unit.code, Unit.id))}
    towns = {code: id_ for code, id_ in session.execute(select(Town.code, Town.id))}

    total = sum(counts.values()) + 2 * counts["history"]
    with (
        _SqliteCache(session),
        tqdm(
            total=total,
            desc="写入 / inserting",
            unit="rows",
            unit_scale=True,
            file=sys.stderr,
            disable=not progress,
        ) as bar,
    ):
        # Officers
        o = district.officers
        first = _next_id(session, Officer)
        officer_id = {c: first + i for i, c in enumerate(o["cert_no"])}
        rows = [
            {
                "id": first + i,
                "cert_no": o["cert_no"][i],
                "name": o["name"][i],
                "body_id": bodies[o["body"][i]],
                "unit_id": units[o["unit"][i]],
                "cert_valid_from": o["cert_valid_from"][i],
                "cert_valid_to": o["cert_valid_to"][i],
                "cert_status": o["cert_status"][i],
                "competences": o["competences"][i],
                "phone": o["phone"][i],
            }
            for i in range(counts["officers"])
        ]
        _insert(session, Officer.__table__, rows, bar)

        # Entities, chunk by chunk (the largest table)
        e = district.entities
        first = _next_id(session, Entity)
        entity_id = {c: first + i for i, c in enumerate(e["uscc"])}
        cols = gen.COLUMNS["entities"]
        for start in range(0, counts["entities"], CHUNK):
            stop = min(start + CHUNK, counts["entities"])
            rows = []
            for i in range(start, stop):
                row = {c: e[c][i] for c in cols if c != "town"}
                row["id"] = first + i
                row["town_id"] = towns[e["town"][i]]
                rows.append(row)
            _execute_insert(session, Entity.__table__, rows)
            bar.update(len(rows))

        # Leave periods
        lp = district.leave_periods
        first = _next_id(session, LeavePeriod)
        rows = [
            {
                "id": first + i,
                "officer_id": officer_id[lp["officer"][i]],
                "starts_on": lp["starts_on"][i],
                "ends_on": lp["ends_on"][i],
                "reason": lp["reason"][i],
            }
            for i in range(counts["leave_periods"])
        ]
        _insert(session, LeavePeriod.__table__, rows, bar)

        # Conflicts
        c = district.conflicts
        first = _next_id(session, Conflict)
        rows = [
            {
                "id": first + i,
                "officer_id": officer_id[c["officer"][i]],
                "entity_id": entity_id[c["entity"][i]],
                "kind": c["kind"][i],
                "declared_on": c["declared_on"][i],
                "note": c["note"][i],
            }
            for i in range(counts["conflicts"])
        ]
        _insert(session, Conflict.__table__, rows, bar)

        # Inspection history and its teams
        h = district.history
        first = _next_id(session, InspectionHistory)
        rows = [
            {
                "id": first + i,
                "entity_id": entity_id[h["entity"][i]],
                "body_id": bodies[h["body"][i]],
                "inspected_on": h["inspected_on"][i],
                "plan_code": h["plan_code"][i],
            }
            for i in range(counts["history"])
        ]
        _insert(session, InspectionHistory.__table__, rows, bar)
        rows = [
            {"history_id": first + i, "officer_id": officer_id[cert]}
            for i in range(counts["history"])
            for cert in h["officers"][i]
        ]
        _insert(session, history_officer, rows, bar)
        _reset_sequences(session)

    users = []
    for spec in district.users:
        exists = session.scalar(select(User.id).where(User.username == spec["username"]))
        if exists is None:
            create_user(
                session,
                spec["username"],
                spec["password"],
                spec["role"],
                body_code=spec["body"] if spec["role"] == "planner" else None,
                cert_no=spec["cert_no"],
                actor=actor,
            )
        users.append({**spec, "created": exists is None})

    digest = gen.district_digest(district)
    record(
        session,
        EventKind.DEMO_LOADED,
        actor,
        subject=f"seed={seed}",
        seed=seed,
        scale=scale,
        today=district.today.isoformat(),
        counts=counts,
        digest=digest,
    )
    session.flush()
    return DemoLoadResult(seed, scale, counts, digest, users)


@click.group("demo")
def demo_cli():
    """The demo district."""


@demo_cli.command("load")
@click.option(
    "--seed", default=1, show_default=True, type=click.IntRange(min=0), help="随机种子 / seed"
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True, max=10),
    help="规模 / scale (1.0: 2,304 officers, 217,000 entities)",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="数据库非空时跳过并正常退出 / skip (exit 0) when the database is not empty",
)
@domain_command
def demo_load(seed: int, scale: float, if_empty: bool):
    """Load the demo district into an empty database (the same seed gives the same district).

    载入演示辖区（同一种子生成完全相同的数据）；只能载入空数据库。
    """
    existing = directory_rows(db.session)
    if existing["entities"] or existing["officers"]:
        if if_empty:
            click.echo(
                "数据库已有数据，未载入演示辖区 / the database already holds data; "
                "demo district not loaded"
            )
            return
        fail(
            f"拒绝载入：数据库中已有 {existing['entities']} 个市场主体、"
            f"{existing['officers']} 名执法人员。演示数据只能载入空数据库（不会删除任何数据）。\n"
            f"Refusing to load: the database already holds {existing['entities']} entities and "
            f"{existing['officers']} officers. The demo district only loads into an empty "
            "database (nothing is ever deleted); use a new database, e.g. another "
            "FAIRDRAW_INSTANCE or DATABASE_URL."
        )
    if current_app.config.get("FAIRDRAW_ENV") == "production":
        click.echo(
            "注意：演示账号的密码是公开的，请勿在正式系统中使用 / note: the demo accounts have "
            "published passwords; do not use them on a live system",
            err=True,
        )
    try:
        result = load_demo(db.session, seed, scale, actor="cli", progress=True)
    except DemoNotEmpty as exc:  # filled concurrently since the check above
        db.session.rollback()
        fail(str(exc))
    db.session.commit()

    n = result.counts
    click.echo(
        f"演示辖区已载入 / demo district loaded (seed {seed}, scale {scale:g}): "
        f"{n['officers']} officers, {n['entities']} entities, {n['conflicts']} conflicts, "
        f"{n['leave_periods']} leave periods, {n['history']} past inspections"
    )
    click.echo(f"digest {result.digest}")
    click.echo("演示账号 / demo logins:")
    for u in result.users:
        extra = f" ({u['body']})" if u["body"] else ""
        if u["cert_no"]:
            extra += f" 执法证号 / certificate {u['cert_no']}"
        state = "" if u["created"] else "  [已存在，未更改 / exists, unchanged]"
        click.echo(f"  {u['username']:<10} {u['password']:<20} {u['role']}{extra}{state}")
