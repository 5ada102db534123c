"""`make bench`: run every benchmark script and write BENCHMARKS.md with machine and date.

Each `bench_*.py` prints markdown; this collects it under a heading per script. Speed and
memory targets live here, not in the test suite. `make bench BENCH=draw` runs one script.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ORDER = ["demo", "import", "draw", "match", "schedule", "hostile", "results"]
TITLES = {
    "demo": "Demo district load (target: full district under 60 s on SQLite)",
    "import": "Directory import (target: 217,000 entities under 30 s on SQLite)",
    "draw": "Entity draw (targets: freeze + draw under 2 s on SQLite; solver within 1.5x "
    "of the hashlib floor)",
    "match": "Officer match (targets: district under 3 s and 1 GB; city under 30 s)",
    "schedule": "Visit schedule (target: district plan under 10 s)",
    "hostile": "Hostile directory files (refused without unbounded memory)",
    "results": "Results entry and disclosure (target: 11,000 results by CLI import under 30 s "
    "on SQLite)",
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} cores{mem}; {platform.platform()}; "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    only = os.environ.get("BENCH")
    names = [n for n in ORDER if not only or n == only]
    out = [
        "# Benchmarks",
        "",
        f"Run with `make bench` on {dt.date.today().isoformat()}.",
        "",
        f"Machine: {machine()}.",
        "",
        "Times are wall-clock seconds; the machine may have been shared with other work.",
        "",
    ]
    failed = []
    for name in names:
        script = HERE / f"bench_{name}.py"
        print(f"== {script.name}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True
        )
        took = time.perf_counter() - t0
        out += [f"## {TITLES[name]}", "", f"`{script.relative_to(ROOT)}`, {took:.0f} s in all.", ""]
        if proc.returncode != 0:
            failed.append(name)
            out += ["```", proc.stderr[-3000:], "```", ""]
        else:
            out += [proc.stdout.strip(), ""]
        print(proc.stdout, flush=True)
    if not only:  # a single benchmark prints only; the file always holds a whole run
        target = ROOT / "BENCHMARKS.md"
        target.write_text("\n".join(out) + "\n", encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
