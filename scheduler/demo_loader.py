"""Load the deterministic demo district into the database (`flask demo load`).

`data.demo_district` generates the district as plain rows keyed by natural keys; this module
loads the reference tables, maps the keys to ids (assigned here, in generation order) and
bulk-inserts everything in the caller's transaction, with one DEMO_LOADED audit event.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data import demo_district as gen
from scheduler import access, users
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.errors import DemoNotEmpty, Msg
from scheduler.models import (
    Body,
    Conflict,
    Entity,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Role,
    Town,
    Unit,
    User,
    history_officer,
)
from scheduler.progress import Progress, no_progress
from scheduler.queries import directory_counts
from scheduler.reference import load_reference

CHUNK = 10_000
# Tables whose ids the loader assigns; PostgreSQL sequences are moved past them afterwards.
ID_TABLES = (Officer, Entity, LeavePeriod, Conflict, InspectionHistory)


@dataclass
class DemoLoadResult:
    seed: int
    scale: float
    counts: dict[str, int]
    digest: str
    # username, password, role, body, created (False: the username existed, left alone)
    users: list[dict] = field(default_factory=list)


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
    *,
    actor: Actor,
    district: gen.District | None = None,
    progress: Progress = no_progress,
) -> DemoLoadResult:
    """Add the demo district to `session` (the caller commits; nothing on error).

    Raises `DemoNotEmpty` when entities or officers exist. `district` may be passed in
    pre-generated (it must match `seed` and `scale`); otherwise it is generated here.
    `progress` is told of the generation stages and the inserted rows. Administrators only.
    """
    access.require_role(actor, Role.ADMIN, action=Msg("载入演示辖区", "load the demo district"))
    existing = directory_counts(session, "entities", "officers")
    if existing["entities"] or existing["officers"]:
        e, o = existing["entities"], existing["officers"]
        raise DemoNotEmpty(
            Msg(
                f"拒绝载入：数据库中已有 {e} 个市场主体、{o} 名执法人员。"
                "演示数据只能载入空数据库（不会删除任何数据）。",
                f"Refusing to load: the database already holds {e} entities and {o} officers. "
                "The demo district only loads into an empty database (nothing is ever "
                "deleted); use a new database, e.g. another FAIRDRAW_INSTANCE or DATABASE_URL.",
            )
        )
    load_reference(session, actor=actor)

    if district is None:
        with progress(total=len(gen.STAGES), desc="生成 / generating", unit="stage") as bar:

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
        progress(total=total, desc="写入 / inserting", unit="rows", unit_scale=True) as bar,
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

    logins = []
    for spec in district.users:
        exists = session.scalar(select(User.id).where(User.username == spec["username"]))
        if exists is None:
            users.create_user(
                session,
                spec["username"],
                spec["password"],
                spec["role"],
                body_code=spec["body"] if spec["role"] == "planner" else None,
                cert_no=spec["cert_no"],
                actor=actor,
            )
        logins.append({**spec, "created": exists is None})

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
    return DemoLoadResult(seed, scale, counts, digest, logins)
