"""Benchmark: match + schedule of the district plan of the issue "every accepted match
can be scheduled" (demo district seed 1, official 2027 calendar, SC items 01/05/08/10/11,
March-April 2027, credit classes at 3/5/10/20 %, teams of 2, cap 200, balanced).

    .venv/bin/python tests/benchmarks/bench_fit.py DB_URL

The database must hold the demo district and the 2027 calendar (see `prepare` below,
run with `--prepare`). Prints one markdown row: match s, schedule s, total, repairs.
Run it with another checkout's code on PYTHONPATH to compare versions on one machine.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

if not os.environ.get("PYTHONPATH"):  # else the checkout named there is measured
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PLAN = {
    "code": "SC-2027-015",
    "name": "2027年一季度市场监管随机抽查",
    "lead_body": "SC",
    "bodies": ["SC"],
    "items": ["SC-01", "SC-05", "SC-08", "SC-10", "SC-11"],
    "window": {"start": "2027-03-01", "end": "2027-04-30"},
    "filters": {"towns": []},
    "strata": {"by": "credit_class", "ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 2000}},
    "team_size": {"SC": 2},
    "cap_per_officer": 200,
    "mode": "balanced",
    "cross_jurisdiction": False,
    "exclusions": {"months_since_last": None, "max_per_year": None},
}
SEED = "57721566490153286060651"


def main() -> None:
    os.environ["DATABASE_URL"] = sys.argv[1]
    os.environ.setdefault("FAIRDRAW_ENV", "development")
    from scheduler.actors import Actor
    from scheduler.db import db
    from scheduler.plans import create, draw, matching, scheduling
    from web import create_app

    app = create_app()
    actor = Actor.system("cli")
    with app.app_context():
        s = db.session
        if "--prepare" in sys.argv:
            from scheduler.demo_loader import load_demo
            from scheduler.workdays import import_official

            load_demo(s, seed=1, actor=actor)
            import_official(
                s,
                2027,
                [
                    (dt.date(2027, 3, 15), False, "假日"),
                    (dt.date(2027, 4, 5), False, "清明节"),
                    (dt.date(2027, 3, 28), True, "调休上班"),
                ],
                actor,
            )
            s.commit()
            return
        create.create_plan(s, PLAN, actor)
        for step in (draw.freeze, lambda a, c, b: draw.set_seed(a, c, SEED, b), draw.draw):
            step(s, PLAN["code"], actor)
        s.commit()
        t0 = time.perf_counter()
        plan = matching.match(s, PLAN["code"], actor)
        s.commit()
        t1 = time.perf_counter()
        scheduling.schedule(s, PLAN["code"], actor)
        s.commit()
        t2 = time.perf_counter()
        repairs = (plan.match_summary or {}).get("schedule_repairs", "n/a")
        print(f"| {t1 - t0:.2f} | {t2 - t1:.2f} | {t2 - t0:.2f} | {repairs} |")


if __name__ == "__main__":
    main()
