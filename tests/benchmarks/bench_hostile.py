"""Benchmark: what hostile directory files cost before they are refused.

A plain script, not a pytest test:

    .venv/bin/python tests/benchmarks/bench_hostile.py [--rows 200000]

Each case runs in its own process (so that its peak resident memory is its own) against a
fresh SQLite database with the reference tables:

- an XLSX decompression bomb (a sheet of ~1 GB that deflates to well under 1 MB), refused
  from the zip directory before parsing (the issue measured 920 MB of memory for it);
- a CSV of `--rows` entities each with two bad cells, refused with a capped report (the
  issue measured 1.2 million messages and 1 GB of memory for 200,000 bad rows);
- the same CSV with GBK rows appended to its UTF-8 rows, refused at the first GBK line.

Prints a markdown table: case, input size, seconds to the refusal, errors counted and
listed, peak RSS.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = ("bomb", "bad_rows", "mixed")


def bomb_bytes(unpacked_mb: int) -> bytes:
    """A valid XLSX whose first sheet unpacks to about `unpacked_mb` MB of identical rows."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["uscc", "name"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = row * (2**20 // len(row))
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(tail)
    return out.getvalue()


def bad_rows_csv(n: int) -> bytes:
    from bench_import import synthesise

    path = Path(tempfile.mkdtemp(prefix="fairdraw-hostile-")) / "e.csv"
    synthesise(path, n)
    lines = path.read_text("utf-8").splitlines()
    bad = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[2], cells[4] = "Q", "XX"  # type and town: two errors per row
        bad.append(",".join(cells))
    return ("\n".join(bad) + "\n").encode()


def mixed_csv(n: int) -> bytes:
    from bench_import import synthesise

    path = Path(tempfile.mkdtemp(prefix="fairdraw-hostile-")) / "e.csv"
    synthesise(path, n)
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    half = len(lines) // 2
    return "".join(lines[:half]).encode() + "".join(lines[half:]).encode("gbk")


def run_case(case: str, rows: int) -> dict:
    from flask_migrate import upgrade

    from scheduler.actors import Actor
    from scheduler.db import db
    from scheduler.errors import FairdrawError
    from scheduler.importers import import_directory
    from scheduler.reference import load_reference
    from web import create_app

    data, name = {
        "bomb": lambda: (bomb_bytes(1024), "bomb.xlsx"),
        "bad_rows": lambda: (bad_rows_csv(rows), "bad.csv"),
        "mixed": lambda: (mixed_csv(rows), "mixed.csv"),
    }[case]()
    workdir = Path(tempfile.mkdtemp(prefix="fairdraw-hostile-db-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'b.db'}",
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "x",
        }
    )
    bench = Actor.system("bench")
    with app.app_context():
        upgrade()
        load_reference(db.session, bench)
        db.session.commit()
        before = peak_rss_mib()
        t = time.perf_counter()
        counted = listed = 0
        outcome = "accepted"
        try:
            report = import_directory(db.session, "entities", name, data, bench)
            counted, listed = report.error_count, len(report.errors)
            outcome = "refused" if not report.ok else "accepted"
            if not report.ok:
                message = report.as_error().message.en
            else:
                message = report.summary()
        except FairdrawError as exc:
            outcome, message = f"refused ({exc.status})", exc.message.en
        elapsed = time.perf_counter() - t
        db.session.rollback()
    return {
        "case": case,
        "bytes": len(data),
        "seconds": elapsed,
        "outcome": outcome,
        "counted": counted,
        "listed": listed,
        "rss_before": before,
        "rss": peak_rss_mib(),
        "message": message[:120],
    }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.rows), ensure_ascii=False))
        return 0
    results = []
    for case in CASES:
        done = subprocess.run(
            [sys.executable, __file__, "--case", case, "--rows", str(args.rows)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(results[-1], file=sys.stderr)
    labels = {
        "bomb": "XLSX bomb (sheet unpacks to 1 GiB)",
        "bad_rows": f"CSV, {args.rows:,} rows with 2 bad cells each",
        "mixed": f"CSV, {args.rows:,} rows, second half GBK",
    }
    print(
        "| case | file MiB | outcome | seconds to refusal | errors counted | errors listed "
        "| peak RSS MiB (before the import) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {labels[r['case']]} | {r['bytes'] / 2**20:.2f} | {r['outcome']} | "
            f"{r['seconds']:.2f} | {r['counted']:,} | {r['listed']:,} | "
            f"{r['rss']:.0f} ({r['rss_before']:.0f}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
