"""Benchmark: generate the full demo district and load it into a fresh SQLite database.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_demo.py [--seed 1] [--scale 1.0] [--keep DIR]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DB]

It migrates a temporary SQLite database (or the empty database at --url), times the
generation (`data.demo_district.generate`), the bulk load
(`scheduler.demo_loader.load_demo`, including the reference tables, users, digest and audit
event) and the commit, checks the row counts and prints a markdown table row: scale, rows,
generation s, load s, commit s, total s, peak resident memory.
The target is under 60 s in total at scale 1.0.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
HEADER = (
    "| benchmark | scale | rows | generate s | load s | commit s | total s | peak RSS MiB |\n"
    "|---|---|---|---|---|---|---|---|"
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, help="directory to keep the SQLite database in")
    parser.add_argument("--url", help="an empty database to use instead of a temporary SQLite")
    args = parser.parse_args()

    os.environ.setdefault("FAIRDRAW_ENV", "test")
    tmp = tempfile.TemporaryDirectory(prefix="fairdraw-bench-demo-")
    directory = args.keep or Path(tmp.name)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FAIRDRAW_INSTANCE", str(directory))
    db_path = directory / "demo-bench.db"
    if db_path.exists():
        db_path.unlink()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from data import demo_district as gen
    from scheduler.actors import Actor
    from scheduler.cli.base import progress_bar
    from scheduler.db import db
    from scheduler.demo_loader import load_demo
    from scheduler.models import Entity, Officer
    from web import create_app

    url = args.url or f"sqlite:///{db_path}"
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        upgrade()

        t0 = time.perf_counter()
        district = gen.generate(args.seed, args.scale)
        t1 = time.perf_counter()
        result = load_demo(
            db.session,
            args.seed,
            args.scale,
            actor=Actor.system("bench"),
            district=district,
            progress=progress_bar(),
        )
        t2 = time.perf_counter()
        db.session.commit()
        t3 = time.perf_counter()

        counts = result.counts
        assert db.session.scalar(select(func.count()).select_from(Entity)) == counts["entities"]
        assert db.session.scalar(select(func.count()).select_from(Officer)) == counts["officers"]
        db.engine.dispose()

    rows = sum(counts.values()) + 2 * counts["history"]  # plus the history teams
    total = t3 - t0
    print(f"demo district: {counts}, digest {result.digest}", file=sys.stderr)
    print(HEADER)
    print(
        f"| demo load ({backend}, seed {args.seed}) | {args.scale:g} | {rows:,} | {t1 - t0:.1f} | "
        f"{t2 - t1:.1f} | {t3 - t2:.1f} | {total:.1f} | {peak_rss_mib():.0f} |"
    )
    if args.scale >= 1.0 and total > TARGET_SECONDS:
        print(f"slower than the {TARGET_SECONDS:.0f} s target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
