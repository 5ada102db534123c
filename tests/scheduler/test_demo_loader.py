"""`flask demo load`: the demo district in the database (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from stdnum.cn.uscc import calc_check_digit

from data import demo_district as demo
from scheduler.models import (
    AuditEvent,
    Body,
    Conflict,
    Entity,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Unit,
    User,
    history_officer,
)

ARGS = ["demo", "load", "--seed", "3", "--scale", "0.01"]


@pytest.fixture(scope="module")
def expected():
    return demo.generate(seed=3, scale=0.01)


def count(session, table) -> int:
    return session.scalar(select(func.count()).select_from(table))


def db_counts(session) -> dict[str, int]:
    return {
        "officers": count(session, Officer),
        "entities": count(session, Entity),
        "conflicts": count(session, Conflict),
        "leave_periods": count(session, LeavePeriod),
        "history": count(session, InspectionHistory),
    }


def invoke(app, *extra):
    return app.test_cli_runner().invoke(args=[*ARGS, *extra])


def test_load_gives_the_expected_rows(app, db_session, expected):
    result = invoke(app)
    assert result.exit_code == 0, result.output + str(result.exception)
    assert db_counts(db_session) == expected.counts()
    assert expected.counts()["entities"] == sum(demo.planned_counts(0.01)["entities"].values())
    assert count(db_session, history_officer) == 2 * expected.counts()["history"]

    # The rows are the generator's, mapped to ids.
    assert set(db_session.scalars(select(Entity.uscc))) == set(expected.entities["uscc"])
    assert set(db_session.scalars(select(Officer.cert_no))) == set(expected.officers["cert_no"])
    mismatched = db_session.scalar(
        select(func.count())
        .select_from(Officer)
        .join(Unit, Unit.id == Officer.unit_id)
        .where(Unit.body_id != Officer.body_id)
    )
    assert mismatched == 0
    i = 17
    ent = db_session.scalar(select(Entity).where(Entity.uscc == expected.entities["uscc"][i]))
    assert ent.name == expected.entities["name"][i]
    assert ent.town.code == expected.entities["town"][i]
    assert ent.registered_on == expected.entities["registered_on"][i]
    assert ent.key_supervision is expected.entities["key_supervision"][i]
    hist = db_session.scalars(select(InspectionHistory).order_by(InspectionHistory.id)).first()
    assert hist.entity.uscc == expected.history["entity"][0]
    assert sorted(o.cert_no for o in hist.officers) == sorted(expected.history["officers"][0])
    assert all(o.body_id == hist.body_id for o in hist.officers)

    # One audit event with seed, scale, counts and the digest of the district.
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "demo_loaded")).all()
    assert len(events) == 1
    payload = events[0].payload
    assert payload["seed"] == 3 and payload["scale"] == 0.01
    assert payload["counts"] == expected.counts()
    assert payload["digest"] == demo.district_digest(expected)

    # The logins are printed.
    for user in expected.users:
        assert user["username"] in result.output and user["password"] in result.output


def test_demo_users_exist_with_their_roles(app, db_session, expected):
    assert invoke(app).exit_code == 0
    users = {u.username: u for u in db_session.scalars(select(User))}
    assert {u.role for u in users.values()} == {"admin", "planner", "auditor", "officer"}
    planner = next(u for u in users.values() if u.role == "planner")
    assert planner.body.code == "SC"
    officer = next(u for u in users.values() if u.role == "officer")
    assert officer.officer is not None and officer.officer.body.code == "SC"
    assert officer.officer.cert_status == "valid"
    assert officer.officer.cert_valid_to > demo.DEMO_TODAY


@pytest.mark.parametrize("role", ["admin", "planner", "auditor", "officer"])
def test_demo_users_can_log_in(app, client, expected, role):
    assert invoke(app).exit_code == 0
    user = next(u for u in expected.users if u["role"] == role)
    wrong = client.post("/login", data={"username": user["username"], "password": "wrong-pass"})
    assert wrong.status_code == 401
    resp = client.post("/login", data={"username": user["username"], "password": user["password"]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def test_second_load_refuses_and_changes_nothing(app, db_session):
    assert invoke(app).exit_code == 0
    before = db_counts(db_session)
    again = app.test_cli_runner().invoke(args=["demo", "load", "--seed", "4", "--scale", "0.01"])
    assert again.exit_code != 0
    assert "拒绝" in again.output and "refusing" in again.output.lower()
    db_session.expire_all()
    assert db_counts(db_session) == before
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "demo_loaded"))
    assert len(list(kinds)) == 1


def test_if_empty_loads_an_empty_database_and_skips_otherwise(app, db_session, expected):
    first = invoke(app, "--if-empty")
    assert first.exit_code == 0
    assert db_counts(db_session) == expected.counts()
    second = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert second.exit_code == 0
    assert "not loaded" in second.output
    db_session.expire_all()
    assert db_counts(db_session) == expected.counts()


def test_refuses_when_officers_exist_without_entities(app, db_session):
    body = db_session.scalar(select(Body).where(Body.code == "SC"))
    unit = db_session.scalar(select(Unit).where(Unit.code == "SC-TJ"))
    db_session.add(
        Officer(
            cert_no="X-1",
            name="张三",
            body=body,
            unit=unit,
            cert_valid_from=dt.date(2025, 1, 1),
            cert_valid_to=dt.date(2030, 1, 1),
        )
    )
    db_session.commit()
    result = invoke(app)
    assert result.exit_code != 0
    assert count(db_session, Entity) == 0


def test_load_is_all_or_nothing(app, db_session, monkeypatch):
    import scheduler.users

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure after the bulk inserts")

    monkeypatch.setattr(scheduler.users, "create_user", broken)
    result = invoke(app)
    assert result.exit_code != 0
    db_session.rollback()
    assert db_counts(db_session) == dict.fromkeys(db_counts(db_session), 0)
    assert count(db_session, User) == 0
    monkeypatch.undo()
    assert invoke(app).exit_code == 0  # nothing was left behind to refuse over


def test_new_rows_after_load_get_fresh_ids(app, db_session, expected):
    """Ids are assigned by the loader; the database must not hand them out again."""
    assert invoke(app).exit_code == 0
    town = db_session.scalar(select(Entity.town_id).limit(1))
    first17 = "91370215MA3YYYYY" + demo.org_code_check_digit("MA3YYYYY")
    code = first17 + calc_check_digit(first17)
    assert code not in expected.entities["uscc"]
    entity = Entity(
        uscc=code,
        name="青岛新开商贸有限公司",
        type="E",
        industry="F",
        town_id=town,
        registered_on=dt.date(2026, 11, 20),
    )
    db_session.add(entity)
    db_session.flush()
    assert entity.id > db_session.scalar(select(func.max(Entity.id)).where(Entity.uscc != code))
    db_session.commit()


def test_scale_and_seed_are_validated(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load", "--scale", "0"]).exit_code != 0
    assert runner.invoke(args=["demo", "load", "--seed", "-1"]).exit_code != 0


def test_load_demo_reports_progress_through_the_callable_it_is_given(db_session, expected):
    from scheduler.actors import Actor
    from scheduler.demo_loader import load_demo

    bars = []

    class Bar:
        def __init__(self, iterable=None, total=None, desc="", **kwargs):
            self.total, self.desc, self.done = total, desc, 0
            bars.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n=1):
            self.done += n

        def set_postfix_str(self, text):
            pass

    result = load_demo(db_session, 3, 0.01, actor=Actor.system("test"), progress=Bar)
    assert result.counts == expected.counts()
    assert [b.done for b in bars] == [b.total for b in bars] and len(bars) == 2
    assert bars[0].total == len(demo.STAGES)


def test_only_an_admin_loads_the_demo(db_session):
    from scheduler.actors import Actor
    from scheduler.demo_loader import load_demo
    from scheduler.errors import Forbidden

    with pytest.raises(Forbidden):
        load_demo(db_session, 3, 0.01, actor=Actor("p", "planner", body="SC"))
    assert db_counts(db_session) == dict.fromkeys(db_counts(db_session), 0)
