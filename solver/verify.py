"""Check a published Fairdraw draw yourself (随机抽查结果验证).

Every random inspection plan published on the portal offers a verification bundle at
``/plans/<plan_code>/bundle.json``. It holds the seed, the frozen population (each entity's
unified social credit code and stratum), the sample size of each stratum and the drawn
entities. This script recomputes the draw from that file alone, following the public
specification ``draw-v1`` (algorithm ``sha256-bottom-k/1``), and tells you whether the
published result is exactly what the rules produce.

How to use it: save this file as ``verify.py`` next to the downloaded ``bundle.json`` and run

    python3 verify.py bundle.json

(or ``python -m solver.verify bundle.json`` inside the project). It needs Python 3.8 or
newer and nothing else: only the standard library, no network access.

It checks, in this order, and reports the first problem it finds:

1. ``population_digest`` equals SHA-256 of the ``key,stratum`` lines in ascending key order
   (the digest is published when the population is frozen, before the seed exists, so
   compare it with the one announced then);
2. the population lists each key once, in ascending order, and the keys and seed are
   well-formed;
3. every stratum of the population is listed with its true size ``N``, and its ``k``
   follows ``min(N, (N * ratio_bp + 9999) // 10000)`` (or is at most ``N`` where the plan
   gave an absolute count);
4. ``selected`` is, stratum by stratum in label order, the ``k`` entities with the smallest
   ``(SHA256(seed|plan_code|key), key)``, in that order.

Exit status: 0 and ``OK`` when everything matches, 1 with ``MISMATCH: ...`` otherwise,
2 when the file cannot be read or is not a bundle.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import sys

ALGORITHM = "sha256-bottom-k/1"

_SEED_RE = re.compile(r"[0-9]{20,}")
_KEY_RE = re.compile(r"[0-9A-Z]{18}")


class BundleError(ValueError):
    """The input is not a verification bundle this script can read."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse(bundle) -> dict:
    """Check the bundle's shape and return it; raise BundleError when it has the wrong shape."""
    if not isinstance(bundle, dict):
        raise BundleError("the bundle must be a JSON object")
    for name in ("algorithm", "plan_code", "seed", "population_digest", "frozen_at"):
        if not isinstance(bundle.get(name), str):
            raise BundleError(f"'{name}' must be a string")
    if bundle["algorithm"] != ALGORITHM:
        raise BundleError(
            f"algorithm {bundle['algorithm']!r} is not {ALGORITHM!r}, the one this script checks"
        )
    for name in ("strata", "population", "selected"):
        if not isinstance(bundle.get(name), list):
            raise BundleError(f"'{name}' must be a list")
    for i, row in enumerate(bundle["strata"]):
        if not (
            isinstance(row, dict)
            and isinstance(row.get("stratum"), str)
            and _is_int(row.get("size"))
            and _is_int(row.get("k"))
            and (row.get("ratio_bp") is None or _is_int(row.get("ratio_bp")))
        ):
            raise BundleError(
                f"strata[{i}] must be {{'stratum': str, 'size': int, 'ratio_bp': int|null, "
                f"'k': int}}: {row!r}"
            )
    for i, pair in enumerate(bundle["population"]):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise BundleError(f"population[{i}] must be a [key, stratum] pair: {pair!r}")
    for i, key in enumerate(bundle["selected"]):
        if not isinstance(key, str):
            raise BundleError(f"selected[{i}] must be a string: {key!r}")
    return bundle


def sample_size(n: int, ratio_bp: int) -> int:
    """k of a stratum of n entities drawn at ratio_bp basis points (spec section 3)."""
    return min(n, (n * ratio_bp + 9999) // 10000)


def population_digest(population: list) -> str:
    """SHA-256 hex of the "key,stratum\\n" lines in ascending key byte order (spec section 1)."""
    h = hashlib.sha256()
    for key, stratum in sorted(population, key=lambda pair: pair[0]):  # str order = byte order
        h.update(f"{key},{stratum}\n".encode())
    return h.hexdigest()


def recompute_selection(seed: str, plan_code: str, population: list, ks: dict) -> list:
    """(key, stratum) of the drawn entities: per stratum in label order, the ks[stratum]
    smallest (ticket, key) with ticket = SHA256(seed|plan_code|key) (spec section 3)."""
    prefix = f"{seed}|{plan_code}|".encode()
    members: dict = {}
    for key, stratum in population:
        members.setdefault(stratum, []).append(key)
    drawn = []
    for stratum in sorted(ks):
        # bytes compare like 256-bit big-endian integers; str order is UTF-8 byte order
        tickets = (
            (hashlib.sha256(prefix + key.encode()).digest(), key)
            for key in members.get(stratum, [])
        )
        drawn.extend((key, stratum) for _, key in heapq.nsmallest(ks[stratum], tickets))
    return drawn


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "..."


def _check(bundle: dict) -> list:
    problems = []
    seed, plan_code = bundle["seed"], bundle["plan_code"]
    population, strata, selected = bundle["population"], bundle["strata"], bundle["selected"]

    digest = population_digest(population)
    if digest != bundle["population_digest"]:
        problems.append(
            f"MISMATCH: population_digest is {bundle['population_digest']} but the "
            f"population gives {digest}"
        )
    if not _SEED_RE.fullmatch(seed):
        problems.append(f"MISMATCH: seed {seed!r} is not at least 20 ASCII decimal digits")
    if not plan_code:
        problems.append("MISMATCH: plan_code is empty")

    counts: dict = {}
    previous = None
    for i, (key, stratum) in enumerate(population):
        if not _KEY_RE.fullmatch(key):
            problems.append(
                f"MISMATCH: population[{i}] key {key!r} is not 18 upper-case letters or digits"
            )
        if not stratum or "\n" in stratum:
            problems.append(f"MISMATCH: population[{i}] has an empty or multi-line stratum")
        if previous is not None and key.encode() <= previous.encode():
            what = "repeats" if key == previous else "comes before"
            problems.append(
                f"MISMATCH: population[{i}] key {key} {what} population[{i - 1}] {previous}"
                " (keys must be unique and in ascending order)"
            )
        previous = key
        counts[stratum] = counts.get(stratum, 0) + 1

    ks: dict = {}
    for i, row in enumerate(strata):
        label, size, ratio_bp, k = row["stratum"], row["size"], row["ratio_bp"], row["k"]
        n = counts.get(label, 0)
        if label in ks:
            problems.append(f"MISMATCH: strata[{i}] repeats stratum {label!r}")
            continue
        if size != n:
            problems.append(
                f"MISMATCH: stratum {label!r} has size {size} but the population has {n} entities"
            )
        if ratio_bp is not None and ratio_bp < 0:
            problems.append(f"MISMATCH: stratum {label!r} has a negative ratio_bp {ratio_bp}")
        elif ratio_bp is not None and k != sample_size(n, ratio_bp):
            problems.append(
                f"MISMATCH: stratum {label!r} has k {k} but N={n} at {ratio_bp} bp gives "
                f"k {sample_size(n, ratio_bp)}"
            )
        elif not 0 <= k <= n:
            problems.append(f"MISMATCH: stratum {label!r} has k {k}, outside 0..N={n}")
        ks[label] = sample_size(n, ratio_bp) if ratio_bp is not None else max(0, min(k, n))
    for label in sorted(counts):
        if label not in ks:
            problems.append(f"MISMATCH: population stratum {label!r} is missing from strata")
            ks[label] = 0

    expected = recompute_selection(seed, plan_code, population, ks)
    for i in range(min(len(selected), len(expected))):
        if selected[i] != expected[i][0]:
            key, stratum = expected[i]
            problems.append(
                f"MISMATCH: selected[{i}] is {_short(selected[i])} but recomputation gives "
                f"{key} (stratum {stratum!r})"
            )
            break
    else:
        if len(selected) != len(expected):
            problems.append(
                f"MISMATCH: selected has {len(selected)} entries but recomputation gives "
                f"{len(expected)}"
            )
    return problems


def verify_bundle(bundle) -> list:
    """Problems found in a parsed bundle, most fundamental first; an empty list means OK."""
    try:
        return _check(_parse(bundle))
    except BundleError as exc:
        return [f"INVALID: {exc}"]


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python3 verify.py BUNDLE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            bundle = _parse(json.load(f))
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, BundleError
        print(f"ERROR: cannot read {args[0]} as a draw bundle: {exc}", file=sys.stderr)
        return 2
    problems = _check(bundle)
    if problems:
        print(problems[0])
        if len(problems) > 1:
            print(f"({len(problems) - 1} further problem(s) not shown)")
        return 1
    print("OK")
    print(
        f"plan {bundle['plan_code']}: {len(bundle['population'])} entities in "
        f"{len(bundle['strata'])} strata, {len(bundle['selected'])} selected"
    )
    print(f"population digest {bundle['population_digest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
