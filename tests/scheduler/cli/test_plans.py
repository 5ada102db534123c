"""`flask plan ...` end to end: exit codes, messages, and a bundle the verifier accepts."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEED = "16180339887498948482045868"


def test_cli_lifecycle_and_standalone_verification(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_file(), ensure_ascii=False), encoding="utf-8")

    def ok(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    assert "created" in ok("plan", "create", "--from", str(path))
    out = ok("plan", "freeze", "SC-2027-001")
    assert "digest" in out and "摘要" in out
    assert re.search(r"^  A +\d+  3% +\d+$", out, re.M)  # stratum A: N, 300 bp, k
    early = runner.invoke(args=["plan", "publish", "SC-2027-001"])
    assert early.exit_code == 1 and "cannot publish" in early.output
    bad_seed = runner.invoke(args=["plan", "seed", "SC-2027-001", "12345"])
    assert bad_seed.exit_code == 1 and "20" in bad_seed.output
    ok("plan", "seed", "SC-2027-001", SEED)
    assert "random" in ok("plan", "draw", "SC-2027-001")
    shown = json.loads(ok("plan", "show", "SC-2027-001", "--json"))
    assert shown["state"] == "drawn" and shown["seed"] == SEED
    bundle = tmp_path / "bundle.json"
    ok("plan", "bundle", "SC-2027-001", "--out", str(bundle))
    verified = subprocess.run(
        [sys.executable, "-m", "solver.verify", str(bundle)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK" in verified.stdout
    data = json.loads(bundle.read_text())
    data["selected"][0], data["selected"][1] = data["selected"][1], data["selected"][0]
    bundle.write_text(json.dumps(data))
    tampered = subprocess.run(
        [sys.executable, "-m", "solver.verify", str(bundle)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert tampered.returncode == 1
    # The auditor bundle of this sealed plan re-draws bit for bit, against the commitment.
    auditor = tmp_path / "auditor.json"
    assert "审计包" in ok("plan", "bundle", "SC-2027-001", "--auditor", "--out", str(auditor))
    assert json.loads(auditor.read_text())["strata_key"]
    commitment = tmp_path / "commitment.json"
    with app.app_context():
        from scheduler.db import db
        from scheduler.plans.public import public_commitment

        commitment.write_text(json.dumps(public_commitment(db.session, "SC-2027-001")))
    verified = subprocess.run(
        [sys.executable, "-m", "solver.verify", str(auditor), "--commitment", str(commitment)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "matched" in ok("plan", "match", "SC-2027-001")
    assert "scheduled" in ok("plan", "schedule", "SC-2027-001")
    audit = tmp_path / "audit.json"
    ok("plan", "audit-export", "SC-2027-001", "--out", str(audit))
    assert json.loads(audit.read_text())["algorithm"] == "sha256-mincost/1"
    assert "published" in ok("plan", "publish", "SC-2027-001")


def test_cli_errors_exit_nonzero(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["plan", "freeze", "NOPE-1"])
    assert missing.exit_code == 1 and "NOPE-1" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    res = runner.invoke(args=["plan", "create", "--from", str(broken)])
    assert res.exit_code == 1 and "JSON" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plan_file(items=["NOPE"])), encoding="utf-8")
    res = runner.invoke(args=["plan", "create", "--from", str(bad)])
    assert res.exit_code == 1 and "NOPE" in res.output


def test_plan_run_one_shot(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_file(code="SC-2027-009")), encoding="utf-8")
    res = runner.invoke(args=["plan", "run", "--from", str(path), "--seed", SEED])
    assert res.exit_code == 0, res.output
    assert "drawn" in res.output and "scheduled" in res.output
    again = runner.invoke(args=["plan", "run", "--from", str(path), "--seed", SEED])
    assert again.exit_code == 1 and "exists" in again.output


def test_plan_run_says_where_it_stopped(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    # A cap of 1 cannot staff 20+ inspections with 8 officers: the capacity check at the
    # freeze says so before the seed, and the plan stays a draft that can be fixed.
    data = plan_file(code="SC-2027-010", mode="random", cap_per_officer=1)
    path.write_text(json.dumps(data), encoding="utf-8")
    res = runner.invoke(args=["plan", "run", "--from", str(path), "--seed", SEED])
    assert res.exit_code == 1
    assert "cannot be matched with the officers available" in res.output
    assert "8 officers x cap 1 = 8" in res.output and "stopped in state draft" in res.output
