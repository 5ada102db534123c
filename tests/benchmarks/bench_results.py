"""Benchmark: enter and disclose the results of a district plan by the command line.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_results.py [--bp 550] [--keep DIR]

Loads the full demo district into a temp SQLite file, runs the market-supervision bureau's
plan (credit-class strata at `--bp` basis points, about 11,000 inspections, window
2026-09-01..2026-10-30) through match, schedule and publish, writes a results workbook
(one row per inspection: a team member, categories, the visit date, findings for one in
five), then times, each as its own `flask` process as an office would run them:

- `flask result import CODE results.xlsx --approve` (validation of every row, then the
  writes, all or nothing);
- `flask result disclose CODE --all-approved` (which also closes the plan).

Target: both together under 30 s on SQLite. Prints markdown table rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30
CODE = "SC-2026-901"
SEED = "31415926535897932384626433"
TABLE_HEADER = (
    "| benchmark | inspections | file MiB | import s (CPU s) | disclose s (CPU s) | "
    "import + disclose s (target < 30) | plan state |\n|---|---:|---:|---:|---:|---:|---|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bp", type=int, default=550, help="sampling ratio per class")
    parser.add_argument("--keep", type=Path, help="keep the files and database here")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="fairdraw-bench-results-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> int:
    from flask_migrate import upgrade
    from openpyxl import Workbook
    from sqlalchemy import select

    from scheduler.actors import Actor
    from scheduler.db import db
    from scheduler.models import Assignment, Inspection, Officer
    from scheduler.plans import create, draw, matching, public, scheduling
    from scheduler.plans.core import get_plan
    from web import create_app

    db_path = workdir / "bench.db"
    db_path.unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FAIRDRAW_ENV": "test", "SECRET_KEY": "x"})
    bench = Actor.system("bench")
    xlsx = workdir / "results.xlsx"
    t0 = time.perf_counter()
    with app.app_context():
        upgrade()
        res = app.test_cli_runner().invoke(args=["demo", "load", "--seed", "1"])
        assert res.exit_code == 0, res.output
        plan_file = {
            "code": CODE,
            "name": "结果录入基准",
            "lead_body": "SC",
            "bodies": ["SC"],
            "items": ["SC-01", "SC-05"],
            "window": {"start": "2026-09-01", "end": "2026-10-30"},
            "filters": {"towns": []},
            "strata": {"by": "credit_class", "ratios_bp": dict.fromkeys("ABCD", args.bp)},
            "team_size": {"SC": 2},
            "cap_per_officer": 200,
            "mode": "balanced",
            "cross_jurisdiction": False,
            "exclusions": {"months_since_last": None, "max_per_year": None},
            "key_supervision": {"flagged": False},
        }
        create.create_plan(db.session, plan_file, bench)
        for step in (
            draw.freeze,
            lambda s, c, a: draw.set_seed(s, c, SEED, a),
            draw.draw,
            matching.match,
            scheduling.schedule,
            public.publish,
        ):
            step(db.session, CODE, bench)
            db.session.commit()
        plan = get_plan(db.session, CODE)
        rows = db.session.execute(
            select(Inspection.uscc, Inspection.visit_date, Officer.cert_no)
            .join(Assignment, Assignment.inspection_id == Inspection.id)
            .join(Officer, Officer.id == Assignment.officer_id)
            .where(Inspection.plan_id == plan.id, Assignment.is_leader, Assignment.active)
            .order_by(Inspection.uscc)
        ).all()
        db.engine.dispose()
    print(f"set up {len(rows):,} inspections in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("results")
    ws.append(
        ["统一社会信用代码", "录入人执法证号", "检查结果", "检查日期", "检查情况", "公示说明"]
    )
    for n, (uscc, day, cert) in enumerate(rows):
        if n % 5 == 0:
            ws.append(
                [uscc, cert, "CORRECTED;NOT_DISCLOSED", day.isoformat(), "未公示年报", "已责令改正"]
            )
        else:
            ws.append([uscc, cert, "OK", day.isoformat(), "", "未发现问题"])
    wb.save(xlsx)

    env = {**os.environ, "DATABASE_URL": url, "FAIRDRAW_ENV": "test", "FLASK_APP": "web"}
    flask = str(Path(sys.executable).parent / "flask")

    cpu = {}

    def timed(*cmd) -> float:
        t = time.perf_counter()
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([flask, *cmd], env=env, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        d = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[cmd[1]] = d.ru_utime + d.ru_stime - c.ru_utime - c.ru_stime
        if out.returncode:
            print(out.stdout, out.stderr[:3000], file=sys.stderr)
            raise SystemExit(1)
        print(out.stdout.strip(), f"({elapsed:.1f} s)", file=sys.stderr)
        return elapsed

    imp = timed("result", "import", CODE, str(xlsx), "--approve")
    dis = timed("result", "disclose", CODE, "--all-approved")
    with app.app_context():
        state = get_plan(db.session, CODE).state
        db.engine.dispose()
    print(TABLE_HEADER)
    print(
        f"| results import + disclose by CLI (SQLite, XLSX) | {len(rows):,} | "
        f"{xlsx.stat().st_size / 2**20:.1f} | {imp:.1f} ({cpu['import']:.1f}) | "
        f"{dis:.1f} ({cpu['disclose']:.1f}) | {imp + dis:.1f} | {state} |"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nSet-up (demo district, plan to publication) peak RSS {rss:.0f} MiB.")
    return 0 if imp + dis < TARGET_SECONDS and state == "closed" else 1


if __name__ == "__main__":
    sys.exit(main())
