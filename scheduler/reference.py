"""Load the reference tables (bodies, towns, units, items) from `data/reference/`."""

from __future__ import annotations

import csv

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import REFERENCE_DIR
from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, record
from scheduler.errors import Msg
from scheduler.models import Body, Item, Role, Town, Unit


def read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _upsert(session: Session, model, rows: list[dict]) -> int:
    existing = {obj.code: obj for obj in session.scalars(select(model))}
    changed = 0
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            session.add(model(**row))
            changed += 1
            continue
        for key, value in row.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed += 1
    session.flush()
    return changed


def load_reference(session: Session, actor: Actor) -> int:
    """Upsert the reference tables; returns the number of rows created or changed.
    Only an administrator (or the system) loads them."""
    access.require_role(actor, Role.ADMIN, action=Msg("载入参考数据", "load the reference data"))
    changed = _upsert(
        session,
        Town,
        [{k: r[k] for k in ("code", "name_zh", "name_en")} for r in read_csv("towns.csv")],
    )
    changed += _upsert(
        session,
        Body,
        [{k: r[k] for k in ("code", "name_zh", "name_en")} for r in read_csv("bodies.csv")],
    )
    bodies = {b.code: b.id for b in session.scalars(select(Body))}
    towns = {t.code: t.id for t in session.scalars(select(Town))}
    changed += _upsert(
        session,
        Unit,
        [
            {
                "code": r["code"],
                "body_id": bodies[r["body"]],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "town_id": towns[r["town"]] if r["town"] else None,
            }
            for r in read_csv("units.csv")
        ],
    )
    changed += _upsert(
        session,
        Item,
        [
            {
                "code": r["code"],
                "body_id": bodies[r["body"]],
                "category_zh": r["category_zh"],
                "category_en": r["category_en"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "entity_types": r["entity_types"],
                "industries": r["industries"],
                "kind": r["kind"],
            }
            for r in read_csv("items.csv")
        ],
    )
    if changed:
        record(session, EventKind.REFERENCE_LOADED, actor, changed=changed)
    return changed
