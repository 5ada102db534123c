"""The reference tables: loading twice changes nothing; only an admin loads them."""

import pytest
import sqlalchemy as sa

from scheduler.actors import Actor
from scheduler.errors import Forbidden
from scheduler.models import Body, Town
from scheduler.reference import load_reference

ACTOR = Actor.system("test")


def test_reference_load_is_idempotent(db_session):
    assert load_reference(db_session, ACTOR) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Body)) == 25
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Town)) == 18


def test_only_an_admin_loads_the_reference_tables(db_session):
    with pytest.raises(Forbidden):
        load_reference(db_session, Actor("p", "planner", body="SC"))
    assert load_reference(db_session, Actor("a", "admin")) == 0
