"""Real concurrent processes and killed processes, on the suite's database (SQLite or
PostgreSQL): two `flask plan draw|match|schedule` (or two imports) released together
give exactly one winner, one audit event and no traceback; a command killed (SIGKILL)
between its last write and its commit leaves the database as before, and a rerun works.

Processes are caught with the test-only checkpoints of `scheduler.checkpoints`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler import audit
from scheduler.actors import Actor
from scheduler.checkpoints import ENV, RELEASE_ENV
from scheduler.models import AuditEvent, Entity, Inspection, Plan
from scheduler.plans import create, draw, matching
from tests.conftest import make_uscc

ROOT = Path(__file__).resolve().parents[2]
ACTOR = Actor.system("test")
CODE = "SC-2027-001"
SEED = "16180339887498948482045868"


@pytest.fixture
def flask_processes(migrated_url, tmp_path):
    """`start(*args, checkpoint=None)`: a `flask ARGS` process on the test database;
    `release()` lets every process waiting at its checkpoint go on."""
    procs = []
    release_file = tmp_path / "release"

    def start(*args, checkpoint=None):
        env = {
            **os.environ,
            "DATABASE_URL": migrated_url,
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "test-secret",
            "FLASK_APP": "web",
            RELEASE_ENV: str(release_file),
        }
        env.pop(ENV, None)
        if checkpoint:
            env[ENV] = checkpoint
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        proc.seen = ""
        procs.append(proc)
        return proc

    def release():
        release_file.touch()

    start.release = release
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _wait_checkpoint(proc, name):
    """Read the process's stderr up to its checkpoint line (or its end)."""
    while True:
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"process ended before checkpoint {name}: {proc.seen}")
        proc.seen += line
        if line.startswith(f"checkpoint {name} "):
            return


def _finish(proc):
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, proc.seen + err


def _race(flask_processes, *args):
    procs = [flask_processes(*args, checkpoint="start") for _ in range(2)]
    for proc in procs:
        _wait_checkpoint(proc, "start")
    flask_processes.release()
    return [_finish(proc) for proc in procs]


def _count(session, *where):
    session.rollback()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(*where))


def _plan_state(session):
    session.rollback()
    return session.scalar(select(Plan.state).where(Plan.code == CODE))


def _prepare(db_session, plan_file, until):
    """The plan created and taken up to `until` (frozen, seeded or drawn, or matched)."""
    create.create_plan(
        db_session,
        plan_file(
            strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}},
            exclusions={"months_since_last": None, "max_per_year": None},
        ),
        ACTOR,
    )
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    if until in ("drawn", "matched"):
        draw.draw(db_session, CODE, ACTOR)
    if until == "matched":
        matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    db_session.close()


def _one_winner(results, loser_says):
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, _, err in results if code == 1)
    assert loser_says in loser, loser
    assert "Traceback" not in loser and "IntegrityError" not in loser
    assert "UniqueViolation" not in loser


@pytest.mark.parametrize(
    "step, before, after, kind, says",
    [
        ("draw", "seeded", "drawn", "plan_drawn", "cannot draw"),
        ("match", "drawn", "matched", "plan_matched", "cannot match"),
        ("schedule", "matched", "scheduled", "plan_scheduled", "cannot schedule"),
    ],
)
def test_two_processes_race_for_one_plan_step(
    flask_processes, db_session, small_district, plan_file, step, before, after, kind, says
):
    _prepare(db_session, plan_file, before)
    results = _race(flask_processes, "plan", step, CODE)
    _one_winner(results, says)
    assert _plan_state(db_session) == after
    assert _count(db_session, AuditEvent.kind == kind) == 1
    assert audit.verify(db_session).ok


def _entities_csv(tmp_path, n=30):
    lines = ["uscc,name,type,industry,town,registered_on"]
    lines += [f"{make_uscc(90000 + i)},并发主体{i},E,F,TJ,2020-01-01" for i in range(n)]
    path = tmp_path / "entities.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_two_concurrent_imports_write_each_row_once(flask_processes, db_session, tmp_path):
    path = _entities_csv(tmp_path)
    db_session.close()
    results = _race(flask_processes, "import", "entities", str(path))
    for code, out, err in results:
        assert "Traceback" not in err and "IntegrityError" not in err, err
        assert code == 0 or "同时" in err, (code, out, err)
    assert sum(code == 0 for code, _, _ in results) >= 1
    db_session.rollback()
    usccs = db_session.scalars(select(Entity.uscc).where(Entity.name.like("并发主体%"))).all()
    assert len(usccs) == len(set(usccs)) == 30
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "directory_imported")
    ).all()
    assert sum(e.payload.get("created", 0) for e in events) == 30
    assert audit.verify(db_session).ok


def _killed_at_commit(flask_processes, *args):
    proc = flask_processes(*args, checkpoint="commit")
    _wait_checkpoint(proc, "commit")
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def _snapshot(session):
    session.rollback()
    return {
        "state": session.scalar(select(Plan.state).where(Plan.code == CODE)),
        "events": session.scalar(select(func.count()).select_from(AuditEvent)),
        "dated": session.scalar(
            select(func.count()).select_from(Inspection).where(Inspection.visit_date.is_not(None))
        ),
        "entities": session.scalar(select(func.count()).select_from(Entity)),
    }


@pytest.mark.parametrize("step, before", [("match", "drawn"), ("schedule", "matched")])
def test_a_killed_plan_step_leaves_the_plan_as_before(
    flask_processes, db_session, small_district, plan_file, step, before
):
    _prepare(db_session, plan_file, before)
    snapshot = _snapshot(db_session)
    _killed_at_commit(flask_processes, "plan", step, CODE)
    assert _snapshot(db_session) == snapshot
    code, out, err = _finish(flask_processes("plan", step, CODE))
    assert code == 0, err
    assert _plan_state(db_session) == {"match": "matched", "schedule": "scheduled"}[step]
    assert audit.verify(db_session).ok


def test_a_killed_import_writes_nothing(flask_processes, db_session, tmp_path):
    path = _entities_csv(tmp_path)
    snapshot = _snapshot(db_session)
    db_session.close()
    _killed_at_commit(flask_processes, "import", "entities", str(path))
    assert _snapshot(db_session) == snapshot
    code, out, err = _finish(flask_processes("import", "entities", str(path)))
    assert code == 0, err
    assert _snapshot(db_session)["entities"] == snapshot["entities"] + 30
    assert audit.verify(db_session).ok
