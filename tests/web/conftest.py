"""Fixtures of the web tests: two staff accounts and a login helper."""

import pytest

from scheduler.actors import Actor
from scheduler.users import create_user

ACTOR = Actor.system("test")


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture(name="login")
def login_fixture():
    """`login(client, username, password)`: POST the login form."""
    return _login


@pytest.fixture
def users(db_session):
    """A planner of SC (plan1 / planner-pass-1) and an auditor (audit1 / auditor-pass-1)."""
    create_user(db_session, "plan1", "planner-pass-1", "planner", body_code="SC", actor=ACTOR)
    create_user(db_session, "audit1", "auditor-pass-1", "auditor", actor=ACTOR)
    db_session.commit()
