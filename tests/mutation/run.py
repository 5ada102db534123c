"""`make mutants`: mutation testing of the rule modules (变异测试) with mutmut 3.

mutmut works in a `mutants/` folder of the directory it runs in; this script copies the
repository into `.mutants/` (git-ignored) and runs mutmut there, one group of modules at a
time, each for at most `--minutes`, then prints per module the mutants killed, survived,
timed out, not covered by any test and not checked (time ran out), and the survivors'
names. `mutmut show NAME` (run in `.mutants/`) prints a survivor's diff.

    .venv/bin/python tests/mutation/run.py [GROUP ...] [--minutes N] [--jobs N]

Groups (the rule modules and the tests that judge them): see GROUPS below.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".mutants"
SKIP = {
    ".git",
    ".venv",
    ".mutants",
    "instance",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "test-artifacts",
    ".bench",
    "__pycache__",
}

RULE_TESTS = [
    "tests/scheduler/test_rules_match.py",
    "tests/scheduler/test_rules_recusal.py",
    "tests/scheduler/test_rules_population.py",
    "tests/scheduler/test_rules_cli.py",
    "tests/web/test_rules_public.py",
]
GROUPS = {
    "eligibility": (
        ["scheduler/plans/eligibility.py"],
        ["tests/scheduler/test_rules_match.py", "tests/scheduler/test_rules_recusal.py"],
    ),
    "matching": (
        ["scheduler/plans/matching.py"],
        [
            "tests/scheduler/test_rules_match.py",
            "tests/scheduler/test_rules_recusal.py",
            "tests/scheduler/plans/test_matching.py",
        ],
    ),
    "recusal": (
        ["scheduler/plans/recusal.py"],
        ["tests/scheduler/test_rules_recusal.py", "tests/scheduler/plans/test_recusal.py"],
    ),
    "scheduling": (
        ["scheduler/plans/scheduling.py"],
        ["tests/scheduler/plans/test_scheduling.py", "tests/scheduler/test_rules_recusal.py"],
    ),
    "draw": (
        ["scheduler/plans/draw.py"],
        [
            "tests/scheduler/test_rules_population.py",
            "tests/scheduler/plans/test_draw.py",
            "tests/web/test_rules_public.py",
        ],
    ),
    "public": (
        ["scheduler/plans/public.py"],
        ["tests/web/test_rules_public.py", "tests/web/portal"],
    ),
    "access": (
        ["scheduler/access.py", "web/access.py"],
        [
            "tests/scheduler/test_access.py",
            "tests/web/test_access.py",
            "tests/web/test_rules_public.py",
            "tests/web/test_rules_access.py",
        ],
    ),
}


def copy_tree() -> None:
    """Refresh `.mutants/` from the working tree (mutmut's own state is kept)."""
    WORK.mkdir(exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name in SKIP:
            continue
        target = WORK / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns(*SKIP))
        else:
            shutil.copy2(entry, target)


def configure(modules: list[str], tests: list[str]) -> None:
    """Point the copy's `[tool.mutmut]` at one group."""
    path = WORK / "pyproject.toml"
    text = path.read_text()
    text = re.sub(r"(?ms)^only_mutate = \[.*?\]\n", f"only_mutate = {json.dumps(modules)}\n", text)
    present = [t for t in tests if (ROOT / t).exists()]
    text = re.sub(
        r"(?ms)^pytest_add_cli_args_test_selection = \[.*?\]\n",
        f"pytest_add_cli_args_test_selection = {json.dumps(present)}\n",
        text,
    )
    path.write_text(text)


def results() -> dict[str, str]:
    """mutant name -> status, from `mutmut results --all true`."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=WORK,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\w.]+__mutmut_\d+): (.+)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def module_of(name: str) -> str:
    dotted = name.split(".x_")[0].split(".xǁ")[0]
    return dotted.replace(".", "/") + ".py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", default=list(GROUPS), choices=[*GROUPS, []])
    parser.add_argument("--minutes", type=float, default=20.0, help="time bound per group")
    parser.add_argument("--jobs", type=int, default=2, help="parallel mutants")
    args = parser.parse_args()
    copy_tree()
    template = WORK / "template.db"  # migrated once, copied by every pytest run
    template.unlink(missing_ok=True)
    env = {**os.environ, "FAIRDRAW_ENV": "test", "FAIRDRAW_TEST_DB_TEMPLATE": str(template)}
    env.pop("DATABASE_URL", None)
    for group in args.groups:
        modules, tests = GROUPS[group]
        configure(modules, tests)
        print(f"== {group}: {', '.join(modules)} (at most {args.minutes:g} min)", flush=True)
        started = time.monotonic()
        try:
            subprocess.run(
                [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)],
                cwd=WORK,
                env=env,
                timeout=args.minutes * 60,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            print(f"   stopped after {args.minutes:g} min; unchecked mutants stay unchecked")
        print(f"   {time.monotonic() - started:.0f} s", flush=True)
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = defaultdict(list)
    for name, status in results().items():
        mod = module_of(name)
        by_module[mod][status] += 1
        if status == "survived":
            survivors[mod].append(name)
    print("\nmodule                              killed survived timeout no-tests unchecked score")
    for mod in sorted(by_module):
        c = by_module[mod]
        checked = c["killed"] + c["survived"] + c["timeout"]
        score = f"{100 * (c['killed'] + c['timeout']) / checked:.0f} %" if checked else "-"
        print(
            f"{mod:36}{c['killed']:6}{c['survived']:9}{c['timeout']:8}{c['no tests']:9}"
            f"{c['not checked']:10} {score:>5}"
        )
    for mod, names in sorted(survivors.items()):
        print(f"\nsurvivors in {mod}:")
        for name in sorted(names):
            print("  ", name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
