"""Shared fixtures.

The suite runs once on SQLite and once on PostgreSQL (`DATABASE_URL=postgresql+psycopg://...`).
In the PostgreSQL run only tests that touch the database run. Without a PostgreSQL server
or chromium those tests skip with a message; `FAIRDRAW_REQUIRE_ALL=1` (set by `.ci/run`)
turns such skips into failures.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

REQUIRE_ALL = os.environ.get("FAIRDRAW_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")
DB_FIXTURES = {"app", "db_session", "client", "migrated_url", "empty_db_url"}


def skip_or_fail(message: str):
    """Skip, or fail where the environment promised every dependency."""
    if REQUIRE_ALL:
        pytest.fail(message + " (FAIRDRAW_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(message)


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRES:
        return
    keep, drop = [], []
    for item in items:
        (keep if DB_FIXTURES & set(getattr(item, "fixturenames", ())) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _new_database_url() -> str:
    """A fresh, empty database: a temp SQLite file or a new PostgreSQL database."""
    if not ON_POSTGRES:
        return ""  # filled in by the caller with tmp_path
    url = sa.make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"fairdraw_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except sa.exc.OperationalError as exc:
        skip_or_fail(
            f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)}: "
            f"{exc.orig}. Start it with `pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start` or run `.ci/run`."
        )
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    u = sa.make_url(url)
    admin = sa.create_engine(
        u.set(database=sa.make_url(PG_URL).database), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_db_url(tmp_path):
    """URL of a brand-new empty database (no schema)."""
    url = _new_database_url() or f"sqlite:///{tmp_path / 'empty.db'}"
    yield url
    _drop_database(url)


def make_app(url: str, **extra):
    from web import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **extra,
        }
    )


def upgrade(app) -> None:
    from flask_migrate import upgrade as fm_upgrade

    with app.app_context():
        fm_upgrade()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory):
    """A database migrated to head with the reference tables loaded, shared by the session."""
    url = _new_database_url() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'fairdraw.db'}"
    # FAIRDRAW_TEST_DB_TEMPLATE (SQLite only; `make mutants` sets it): a migrated database
    # file to copy instead of migrating again in every one of its many short pytest runs.
    template = os.environ.get("FAIRDRAW_TEST_DB_TEMPLATE")
    if template and not ON_POSTGRES and os.path.exists(template):
        import shutil

        shutil.copyfile(template, sa.make_url(url).database)
        yield url
        return
    app = make_app(url)
    upgrade(app)
    from scheduler.actors import Actor
    from scheduler.db import db
    from scheduler.reference import load_reference

    with app.app_context():
        load_reference(db.session, Actor.system("test"))
        db.session.commit()
        db.engine.dispose()
    if template and not ON_POSTGRES:
        import shutil

        shutil.copyfile(sa.make_url(url).database, template)
    yield url
    _drop_database(url)


# Tables holding reference data survive between tests; everything else is emptied.
REFERENCE_TABLES = {"town", "body", "unit", "item", "result_category", "alembic_version"}


@pytest.fixture
def app(migrated_url):
    """The app on the session's migrated database, emptied of directory data after the test."""
    application = make_app(migrated_url, WTF_CSRF_ENABLED=False)
    from scheduler.db import db

    with application.app_context():
        yield application
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def csrf_app(app, migrated_url):
    """A second app on the same database with CSRF protection on, as in production."""
    return make_app(migrated_url)


@pytest.fixture
def db_session(app):
    from scheduler.db import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(name="skip_or_fail")
def skip_or_fail_fixture():
    return skip_or_fail


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(
            "chromium is not installed: `apt-get install chromium fonts-wqy-microhei` "
            "(or run `.ci/run`) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield b
        b.close()


@pytest.fixture
def live_server(app, migrated_url):
    """The app (CSRF on) served by werkzeug on a free localhost port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    served = make_app(migrated_url)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


USCC_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(serial: int, type_digit: str = "1") -> str:
    """A valid unified social credit code (GB 32100-2015) built from a serial number."""
    from stdnum.cn import uscc

    body, n = "", serial
    for _ in range(8):
        n, r = divmod(n, len(USCC_BODY_CHARS))
        body = USCC_BODY_CHARS[r] + body
    partial = f"9{type_digit}370282{body}0"  # 17 chars
    return partial + uscc.calc_check_digit(partial + "0")


@pytest.fixture(name="make_uscc")
def make_uscc_fixture():
    return make_uscc


@pytest.fixture
def small_district(db_session):
    """A hand-sized directory: 400 active entities over 4 towns and classes, a few others,
    and SC officers with history. Returns a dict of handy objects."""
    import datetime as dt

    from sqlalchemy import select

    from scheduler.models import Body, Entity, InspectionHistory, Officer, Town, Unit

    towns = {t.code: t for t in db_session.scalars(select(Town))}
    sc = db_session.scalar(select(Body).where(Body.code == "SC"))
    entities = []
    town_codes = ["TJ", "HX", "CH", "LK"]
    for i in range(400):
        entities.append(
            Entity(
                uscc=make_uscc(1000 + i, "1" if i % 4 else "2"),
                name=f"测试主体{i:04d}",
                type="E" if i % 4 else "I",
                industry="FHCO"[i % 4],
                town=towns[town_codes[i % 4]],
                registered_on=dt.date(2015, 1, 1) + dt.timedelta(days=i),
                status="active",
                credit_class="AAAAAABBBCD"[i % 11],
                key_supervision=(i % 97 == 5),
            )
        )
    for i, status in enumerate(["deregistered", "revoked"]):
        entities.append(
            Entity(
                uscc=make_uscc(5000 + i),
                name=f"已注销主体{i}",
                type="E",
                industry="F",
                town=towns["TJ"],
                registered_on=dt.date(2010, 1, 1),
                status=status,
                credit_class="A",
            )
        )
    db_session.add_all(entities)
    officers = []
    for i, unit_code in enumerate(["SC-TJ", "SC-HX", "SC-CH", "SC-LK"] * 2):
        unit = db_session.scalar(select(Unit).where(Unit.code == unit_code))
        officers.append(
            Officer(
                cert_no=f"3702820100{i:04d}",
                name=f"执法员{i}",
                body=sc,
                unit=unit,
                cert_valid_from=dt.date(2023, 1, 1),
                cert_valid_to=dt.date(2028, 12, 31),
                cert_status="valid",
            )
        )
    db_session.add_all(officers)
    db_session.flush()
    history = []
    for i in range(0, 40):
        history.append(
            InspectionHistory(
                entity=entities[i],
                body=sc,
                inspected_on=dt.date(2026, 12, 1) if i < 20 else dt.date(2027, 1, 10),
                officers=officers[:2],
            )
        )
    db_session.add_all(history)
    db_session.commit()
    return {"entities": entities, "officers": officers, "body": sc}


def plan_file(**overrides) -> dict:
    data = {
        "code": "SC-2027-001",
        "name": "2027年第一批市场监管随机抽查",
        "lead_body": "SC",
        "bodies": ["SC"],
        "items": ["SC-01", "SC-05", "SC-10"],
        "window": {"start": "2027-03-01", "end": "2027-04-30"},
        "filters": {"towns": []},
        "strata": {"by": "credit_class", "ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 2000}},
        "team_size": {"SC": 2},
        "cap_per_officer": 30,
        "mode": "balanced",
        "cross_jurisdiction": False,
        "exclusions": {"months_since_last": 6, "max_per_year": 2},
    }
    data.update(overrides)
    return data


@pytest.fixture(name="plan_file")
def plan_file_fixture():
    return plan_file
