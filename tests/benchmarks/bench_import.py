"""Benchmark: import the district's 217,000 market entities from CSV into a fresh SQLite DB.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_import.py [--rows 217000] [--keep DIR]

It synthesises an entities CSV with valid credit codes, imports it twice (first everything
is created, then everything is unchanged), checks the counts and prints a markdown table
row: rows, file size, wall (and CPU) seconds per import, export seconds, peak resident
memory. `--xlsx` adds a row for exporting to XLSX and re-importing that.
The target is under 30 s for the first import.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stdnum.cn.uscc import calc_check_digit  # noqa: E402

from data import REFERENCE_DIR  # noqa: E402

HEADER = (
    "uscc,name,type,industry,town,address,registered_on,status,credit_class,"
    "key_supervision,abnormal"
).split(",")
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def synthesise(path: Path, n: int, seed: int = 2019) -> None:
    """Write `n` entity rows: 25 % enterprises (91...), 74 % individual businesses (92...),
    1 % cooperatives (93...), each with a distinct code and a correct check digit."""
    rng = random.Random(seed)
    with open(REFERENCE_DIR / "towns.csv", encoding="utf-8") as f:
        towns = [r["code"] for r in csv.DictReader(f)]
    industries = "ABCDEFGHIJKLMNOPQRST"
    start = dt.date(1990, 1, 1).toordinal()
    span = dt.date(2019, 12, 31).toordinal() - start
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            etype, prefix = rng.choices([("E", "91"), ("I", "92"), ("C", "93")], [25, 74, 1])[0]
            org, x = [], i
            for _ in range(9):
                x, r = divmod(x, len(ORG_ALPHABET))
                org.append(ORG_ALPHABET[r])
            first17 = prefix + "370282" + "".join(reversed(org))
            town = rng.choice(towns)
            w.writerow(
                [
                    first17 + calc_check_digit(first17),
                    f"即墨区{town}商贸{i:06d}{'有限公司' if etype == 'E' else '经营部'}",
                    etype,
                    rng.choice(industries),
                    town,
                    f"{town}路{rng.randint(1, 999)}号",
                    dt.date.fromordinal(start + rng.randrange(span)).isoformat(),
                    rng.choices(["active", "deregistered", "revoked"], [90, 8, 2])[0],
                    rng.choices("ABCD", [60, 25, 10, 5])[0],
                    "1" if rng.random() < 0.01 else "0",
                    "1" if rng.random() < 0.03 else "0",
                ]
            )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


TARGET_SECONDS = 30.0
TABLE_HEADER = (
    "| benchmark | rows | file MiB | import, all created: s (CPU s) | "
    "import, all unchanged: s (CPU s) | export s | peak RSS MiB |\n"
    "|---|---:|---:|---:|---:|---:|---:|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=217_000)
    parser.add_argument("--keep", type=Path, help="keep the files and database in this directory")
    parser.add_argument(
        "--xlsx", action="store_true", help="also export to XLSX and re-import that (slow)"
    )
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="fairdraw-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> int:
    csv_path, db_path = workdir / "entities.csv", workdir / "bench.db"
    xlsx_path = workdir / "entities.xlsx"
    db_path.unlink(missing_ok=True)

    t = time.perf_counter()
    synthesise(csv_path, args.rows)
    print(f"synthesised {args.rows} rows in {time.perf_counter() - t:.1f} s", file=sys.stderr)

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from scheduler.actors import Actor
    from scheduler.db import db
    from scheduler.exporters import export_directory
    from scheduler.importers import import_directory
    from scheduler.models import Entity
    from scheduler.reference import load_reference
    from web import create_app

    bench = Actor.system("bench")

    def timed_import(path: Path, expect: str) -> tuple[float, float] | None:
        data = path.read_bytes()
        t, c = time.perf_counter(), time.process_time()
        report = import_directory(db.session, "entities", path.name, data, bench)
        db.session.commit()
        elapsed, cpu = time.perf_counter() - t, time.process_time() - c
        db.session.expunge_all()
        if not report.ok:
            print(report.format_errors()[:2000], file=sys.stderr)
            return None
        if getattr(report, expect) != args.rows:
            print(f"expected {args.rows} {expect}, got {report.summary()}", file=sys.stderr)
            return None
        print(f"import {path.name} ({expect}): {elapsed:.1f} s", file=sys.stderr)
        return elapsed, cpu

    def timed_export(path: Path, fmt: str) -> float:
        t = time.perf_counter()
        with open(path, "wb") as f:
            export_directory(db.session, "entities", f, fmt, bench)
        return time.perf_counter() - t

    url = f"sqlite:///{db_path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FAIRDRAW_ENV": "test", "SECRET_KEY": "x"})
    lines = []
    with app.app_context():
        upgrade()
        load_reference(db.session, bench)
        db.session.commit()
        first = timed_import(csv_path, "created")
        second = timed_import(csv_path, "unchanged")
        if first is None or second is None:
            return 1
        count = db.session.scalar(select(func.count()).select_from(Entity))
        assert count == args.rows, count
        export_s = timed_export(workdir / "exported.csv", "csv")
        lines.append(
            f"| import entities CSV (SQLite) | {args.rows:,} | "
            f"{csv_path.stat().st_size / 2**20:.1f} | {first[0]:.1f} ({first[1]:.1f}) | "
            f"{second[0]:.1f} ({second[1]:.1f}) | {export_s:.1f} | {peak_rss_mib():.0f} |"
        )
        if args.xlsx:
            export_s = timed_export(xlsx_path, "xlsx")
            again = timed_import(xlsx_path, "unchanged")
            if again is None:
                return 1
            lines.append(
                f"| import entities XLSX (SQLite) | {args.rows:,} | "
                f"{xlsx_path.stat().st_size / 2**20:.1f} | - | {again[0]:.1f} ({again[1]:.1f}) | "
                f"{export_s:.1f} | {peak_rss_mib():.0f} |"
            )
        db.engine.dispose()

    print(TABLE_HEADER)
    print("\n".join(lines))
    if first[0] >= TARGET_SECONDS:
        print(f"slower than the {TARGET_SECONDS:.0f} s target", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
