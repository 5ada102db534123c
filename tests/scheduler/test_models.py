"""Model constraints: CHECKs, natural keys, dates, the same on SQLite and PostgreSQL."""

import datetime as dt

import pytest
import sqlalchemy as sa

from scheduler.models import Body, Conflict, Entity, LeavePeriod, Officer, Town, Unit


def _ref(session):
    town = session.scalar(sa.select(Town).where(Town.code == "TJ"))
    body = session.scalar(sa.select(Body).where(Body.code == "SC"))
    unit = session.scalar(sa.select(Unit).where(Unit.code == "SC-TJ"))
    return town, body, unit


def _entity(town, **kw):
    values = dict(
        uscc="91370282MA3C5T4R2M",
        name="青岛示例商贸有限公司",
        type="E",
        industry="F",
        town=town,
        registered_on=dt.date(2020, 1, 1),
        status="active",
        credit_class="A",
    )
    values.update(kw)
    return Entity(**values)


@pytest.mark.parametrize(
    "field,value",
    [
        ("uscc", "91370282MA3C5T4R2"),
        ("type", "X"),
        ("status", "closed"),
        ("credit_class", "E"),
        ("industry", "Z"),
    ],
)
def test_entity_check_constraints(db_session, field, value):
    town, _, _ = _ref(db_session)
    db_session.add(_entity(town, **{field: value}))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_natural_keys_are_unique(db_session):
    town, body, unit = _ref(db_session)
    db_session.add(_entity(town))
    db_session.flush()
    db_session.add(_entity(town, name="another"))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_officer_leave_and_conflict_constraints(db_session):
    town, body, unit = _ref(db_session)
    entity = _entity(town)
    officer = Officer(
        cert_no="37028201000009",
        name="李四",
        body=body,
        unit=unit,
        cert_valid_from=dt.date(2024, 1, 1),
        cert_valid_to=dt.date(2029, 1, 1),
    )
    db_session.add_all([entity, officer])
    db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            LeavePeriod(officer=officer, starts_on=dt.date(2027, 3, 2), ends_on=dt.date(2027, 3, 1))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    with db_session.begin_nested():
        officer.cert_valid_to = dt.date(2023, 1, 1)
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    officer.cert_valid_to = dt.date(2029, 1, 1)
    db_session.add(
        Conflict(officer=officer, entity=entity, kind="relative", declared_on=dt.date(2026, 1, 1))
    )
    db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            Conflict(officer=officer, entity=entity, kind="other", declared_on=dt.date(2026, 1, 2))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    with db_session.begin_nested():
        db_session.add(
            Conflict(officer=officer, entity=entity, kind="enemy", declared_on=dt.date(2026, 1, 2))
        )
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()
    db_session.rollback()
