"""Check a published Fairdraw draw yourself (自己核验"双随机"抽查的抽取结果).

中文说明
========

门户网站公示的每个随机抽查计划都提供一个核验文件 ``/plans/<计划编号>/bundle.json``，冻结时
还公布了一个承诺文件 ``/plans/<计划编号>/commitment.json``。本脚本只根据这两个文件，按照公开
规范 draw-v1 重新计算，告诉你公布的抽取结果是否正是规则算出的结果。

用法：把本文件保存为 ``verify.py``，放在下载的文件旁边，运行

    python3 verify.py bundle.json
    python3 verify.py bundle.json --commitment commitment.json

只需要 Python 3.8 或更新版本，只用标准库，不联网。项目内也可以运行
``python -m solver.verify bundle.json``。

核验文件有三种，脚本按内容自动识别：

1. **公开分层**（``"algorithm": "sha256-bottom-k/1"``）：按公开信息分层（不分层、检查事项、
   乡镇街道、主体类型）。文件列出每家企业的统一社会信用代码及其分层，任何人都能完整重算。
   输出 ``OK`` 即完整证明。
2. **保密分层的公开文件**（``"algorithm": "hmac-sha256-bottom-k/1"``，没有 ``strata_key``）：
   按保密的信用风险分类分层。为了不泄露任何企业的分类，文件只列出企业代码，抽中名单按代码
   排序，抽签用冻结时生成并已承诺的保密"分层密钥"。脚本只能做下面列出的部分核对，输出
   ``OK (public checks only)``，并说明哪些没有核对。这不是完整证明。
3. **保密分层的审计文件**（含 ``strata_key``）：只提供给审计机关、法院和纪检监察机关。脚本
   核对分层密钥与冻结时的承诺一致，并完整重算每一层的抽取。输出 ``OK`` 即完整证明。

承诺文件：冻结时（种子产生之前）公布。请在冻结时保存一份，之后用 ``--commitment`` 与核验
文件比较，才能确认总体名单和分层密钥在种子产生之前就已固定，事后没有改动。

退出状态：0 表示一致（``OK``），1 表示不一致（``MISMATCH: ...``，给出发现的第一个问题），
2 表示文件无法读取或不是核验文件。

English
=======

Every random inspection plan published on the portal offers a verification bundle at
``/plans/<plan_code>/bundle.json``; a commitment, ``/plans/<plan_code>/commitment.json``, was
published when the plan's population was frozen. This script recomputes the draw from these
files alone, following the public specification ``draw-v1``, and tells you whether the
published result is exactly what the rules produce.

How to use it: save this file as ``verify.py`` next to the downloaded files and run

    python3 verify.py bundle.json
    python3 verify.py bundle.json --commitment commitment.json

It needs Python 3.8 or newer and nothing else: only the standard library, no network access.

There are three kinds of bundle; the script tells them apart by their content.

1. **Open strata** (``"algorithm": "sha256-bottom-k/1"``, spec sections 1-5): strata by public
   attributes. The bundle lists every entity's unified social credit code and stratum, and
   the script recomputes everything. ``OK`` is a full proof. It checks, in this order, and
   reports the first problem it finds:

   a. ``population_digest`` equals SHA-256 of the ``key,stratum`` lines in ascending key order;
   b. the keys and the seed are well-formed and the population lists each key once, in
      ascending order;
   c. every stratum of the population is listed with its true size ``N``, and its ``k``
      follows ``min(N, (N * ratio_bp + 9999) // 10000)`` (or is at most ``N`` where the plan
      gave an absolute count);
   d. ``selected`` is, stratum by stratum in label order, the ``k`` entities with the
      smallest ``(SHA256(seed|plan_code|key), key)``, in that order.

2. **Sealed strata, public bundle** (``"algorithm": "hmac-sha256-bottom-k/1"``, no
   ``strata_key``; spec section 7): strata by the confidential credit-risk class. So as not
   to disclose any entity's class, the bundle lists keys only and the selection in key
   order, and the tickets use a secret 32-byte strata key drawn and committed at the freeze.
   The script checks that ``population_keys_digest`` is SHA-256 of the ``key`` lines, that
   the strata sizes add up to the population, that each ``k`` follows from its size and
   ratio (or is at most its size), that the ``k`` add up to the number selected, and that the
   selection is a duplicate-free part of the population in ascending key order. It CANNOT
   check that each stratum's selection is its ``k`` smallest keyed tickets: that needs the
   auditor bundle. It prints ``OK (public checks only)`` and says so; this is not a full
   proof.

3. **Sealed strata, auditor bundle** (has ``strata_key``; staff only, for auditors, courts and
   discipline inspectors): the script checks that SHA-256 of
   ``"fairdraw-strata-key|" + plan_code + "|" + strata_key`` equals ``strata_key_commitment``,
   recomputes both digests, then everything of kind 1 with
   ``ticket = HMAC-SHA256(strata_key, seed|plan_code|key)``. ``OK`` is a full proof.

The commitment (``--commitment commitment.json``) is what the system published at the
freeze, before the seed existed; keep a copy when it appears. The script compares the
bundle with these keys of the commitment, each where present (a null ``seed`` is skipped):
``plan_code``, ``algorithm``, ``frozen_at``, ``population_digest`` (required),
``population_keys_digest`` and ``strata_key_commitment`` (required for a sealed plan),
``population_size``, ``strata`` (``[{"stratum", "size", "ratio_bp", "k"}, ...]``) and
``seed``. Other keys are ignored. A match shows that the population and, for a sealed plan,
the strata key were fixed before the seed, so neither could be chosen to steer the draw.

Exit status: 0 and ``OK`` when everything matches, 1 with ``MISMATCH: ...`` (the first
problem found) otherwise, 2 when a file cannot be read or is not a bundle or commitment.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import hmac
import json
import re
import sys

OPEN_ALGORITHM = "sha256-bottom-k/1"
SEALED_ALGORITHM = "hmac-sha256-bottom-k/1"
ALGORITHM = OPEN_ALGORITHM  # the only algorithm before spec section 7

OPEN = "open"
SEALED_PUBLIC = "sealed public"
SEALED_AUDITOR = "sealed auditor"

_SEED_RE = re.compile(r"[0-9]{20,}")
_KEY_RE = re.compile(r"[0-9A-Z]{18}")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")

PUBLIC_CHECKS_ONLY = "OK (public checks only)"
NOT_CHECKED_NOTICE = (
    "未核对：这是保密分层计划的公开文件，不含每家企业所属的分层（信用风险分类依法保密），"
    "也不含分层密钥，因此无法核对每一层抽中的企业是否正是该层密钥签"
    "（HMAC-SHA256）最小的 k 家。这一项需要审计文件（auditor bundle）；审计机关、法院和"
    "纪检监察机关可以依法调取审计文件，用本脚本完整重算。\n"
    "NOT checked: this public bundle of a sealed plan does not say which stratum each entity "
    "is in (credit-risk classes are confidential) and does not contain the strata key, so it "
    "cannot check that each stratum's selection is exactly its k entities with the smallest "
    "keyed tickets (HMAC-SHA256). That check needs the auditor bundle, which auditors, courts "
    "and discipline inspectors can obtain and verify in full with this script."
)


class BundleError(ValueError):
    """The input is not a verification bundle (or commitment) this script can read."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value) -> bool:
    """A string that UTF-8 can encode (JSON may smuggle in lone surrogates such as \\ud800)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bundle_kind(bundle) -> str:
    """``OPEN``, ``SEALED_PUBLIC`` or ``SEALED_AUDITOR``; BundleError for anything else."""
    if not isinstance(bundle, dict):
        raise BundleError("the bundle must be a JSON object")
    algorithm = bundle.get("algorithm")
    if algorithm == OPEN_ALGORITHM:
        return OPEN
    if algorithm == SEALED_ALGORITHM:
        return SEALED_AUDITOR if "strata_key" in bundle else SEALED_PUBLIC
    if not _is_text(algorithm):
        raise BundleError("'algorithm' must be a string")
    raise BundleError(
        f"algorithm {algorithm!r} is not {OPEN_ALGORITHM!r} or {SEALED_ALGORITHM!r}, "
        "the ones this script checks"
    )


def _parse(bundle) -> dict:
    """Check the bundle's shape and return it; raise BundleError when it has the wrong shape."""
    kind = bundle_kind(bundle)
    names = ["plan_code", "seed", "population_digest", "frozen_at"]
    if kind != OPEN:
        names += ["population_keys_digest", "strata_key_commitment"]
    if kind == SEALED_AUDITOR:
        names.append("strata_key")
    for name in names:
        if not _is_text(bundle.get(name)):
            raise BundleError(f"'{name}' must be a string")
    for name in ("strata", "population", "selected"):
        if not isinstance(bundle.get(name), list):
            raise BundleError(f"'{name}' must be a list")
    for i, row in enumerate(bundle["strata"]):
        if not (
            isinstance(row, dict)
            and _is_text(row.get("stratum"))
            and _is_int(row.get("size"))
            and _is_int(row.get("k"))
            and (row.get("ratio_bp") is None or _is_int(row.get("ratio_bp")))
        ):
            raise BundleError(
                f"strata[{i}] must be {{'stratum': str, 'size': int, 'ratio_bp': int|null, "
                f"'k': int}}: {_short(repr(row), 80)}"
            )
    for i, item in enumerate(bundle["population"]):
        if kind == SEALED_PUBLIC:
            if not _is_text(item):
                raise BundleError(f"population[{i}] must be a key string: {_short(repr(item), 80)}")
        elif not (isinstance(item, list) and len(item) == 2 and all(map(_is_text, item))):
            raise BundleError(
                f"population[{i}] must be a [key, stratum] pair: {_short(repr(item), 80)}"
            )
    for i, key in enumerate(bundle["selected"]):
        if not _is_text(key):
            raise BundleError(f"selected[{i}] must be a string: {_short(repr(key), 80)}")
    return bundle


# --- the rules of spec draw-v1, written out ------------------------------------------------


def sample_size(n: int, ratio_bp: int) -> int:
    """k of a stratum of n entities drawn at ratio_bp basis points (spec section 3)."""
    return min(n, (n * ratio_bp + 9999) // 10000)


def population_digest(population: list) -> str:
    """SHA-256 hex of the "key,stratum\\n" lines in ascending key byte order (spec section 1)."""
    h = hashlib.sha256()
    for key, stratum in sorted(population, key=lambda pair: pair[0]):  # str order = byte order
        h.update(f"{key},{stratum}\n".encode())
    return h.hexdigest()


def population_keys_digest(keys: list) -> str:
    """SHA-256 hex of the "key\\n" lines in ascending key byte order (spec section 7)."""
    h = hashlib.sha256()
    for key in sorted(keys):
        h.update(f"{key}\n".encode())
    return h.hexdigest()


def strata_key_commitment(plan_code: str, strata_key_hex: str) -> str:
    """SHA256("fairdraw-strata-key|" + plan_code + "|" + hex(strata_key)) in hex (section 7)."""
    return hashlib.sha256(f"fairdraw-strata-key|{plan_code}|{strata_key_hex}".encode()).hexdigest()


def ticket(seed: str, plan_code: str, key: str) -> bytes:
    """Open ticket SHA256(seed|plan_code|key) (spec section 3)."""
    return hashlib.sha256(f"{seed}|{plan_code}|{key}".encode()).digest()


def keyed_ticket(strata_key: bytes, seed: str, plan_code: str, key: str) -> bytes:
    """Sealed ticket HMAC-SHA256(strata_key, seed|plan_code|key) (spec section 7)."""
    return hmac.new(strata_key, f"{seed}|{plan_code}|{key}".encode(), hashlib.sha256).digest()


def recompute_selection(
    seed: str, plan_code: str, population: list, ks: dict, strata_key: bytes | None = None
) -> list:
    """(key, stratum) of the drawn entities: per stratum in label order, the ks[stratum]
    smallest (ticket, key), with the open ticket, or the keyed one when strata_key is given
    (spec sections 3 and 7)."""
    members: dict = {}
    for key, stratum in population:
        members.setdefault(stratum, []).append(key)
    drawn = []
    for stratum in sorted(ks):
        # bytes compare like 256-bit big-endian integers; str order is UTF-8 byte order
        if strata_key is None:
            tickets = ((ticket(seed, plan_code, key), key) for key in members.get(stratum, []))
        else:
            tickets = (
                (keyed_ticket(strata_key, seed, plan_code, key), key)
                for key in members.get(stratum, [])
            )
        drawn.extend((key, stratum) for _, key in heapq.nsmallest(ks[stratum], tickets))
    return drawn


# --- checks ----------------------------------------------------------------------------------


def _short(text: str, limit: int = 24) -> str:
    """``text`` cut to ``limit`` characters: a forged bundle may hold huge strings."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _label(label: str) -> str:
    """A stratum label for a message, quoted and cut short."""
    return _short(repr(label), 60)


def _num(value: int) -> str:
    """An integer for a message; a forged bundle's huge numbers are described, not printed."""
    return str(value) if abs(value) < 10**30 else f"<a {value.bit_length()}-bit number>"


def _seed_and_plan_problems(seed: str, plan_code: str) -> list:
    problems = []
    if not _SEED_RE.fullmatch(seed):
        problems.append(
            f"MISMATCH: seed {_short(repr(seed), 70)} is not at least 20 ASCII decimal digits"
        )
    if not plan_code:
        problems.append("MISMATCH: plan_code is empty")
    return problems


def _population_problems(keys: list, strata=None) -> list:
    """Well-formed keys (and strata), each key once, in ascending order."""
    problems = []
    previous = None
    for i, key in enumerate(keys):
        if not _KEY_RE.fullmatch(key):
            problems.append(
                f"MISMATCH: population[{i}] key {_short(repr(key))} is not 18 upper-case "
                "letters or digits"
            )
        if strata is not None and (not strata[i] or "\n" in strata[i]):
            problems.append(f"MISMATCH: population[{i}] has an empty or multi-line stratum")
        if previous is not None and key.encode() <= previous.encode():
            what = "repeats" if key == previous else "comes before"
            problems.append(
                f"MISMATCH: population[{i}] key {_short(key)} {what} population[{i - 1}] "
                f"{_short(previous)} (keys must be unique and in ascending order)"
            )
        previous = key
    return problems


def _strata_problems(strata: list, counts: dict) -> tuple:
    """Sizes and k of the strata table against the population's counts; returns (problems,
    the k of every stratum as the rules give it)."""
    problems = []
    ks: dict = {}
    for i, row in enumerate(strata):
        label, size, ratio_bp, k = row["stratum"], row["size"], row["ratio_bp"], row["k"]
        n = counts.get(label, 0)
        if label in ks:
            problems.append(f"MISMATCH: strata[{i}] repeats stratum {_label(label)}")
            continue
        if size != n:
            problems.append(
                f"MISMATCH: stratum {_label(label)} has size {_num(size)} but the population has "
                f"{n} entities"
            )
        if ratio_bp is not None and ratio_bp < 0:
            problems.append(
                f"MISMATCH: stratum {_label(label)} has a negative ratio_bp {_num(ratio_bp)}"
            )
        elif ratio_bp is not None and k != sample_size(n, ratio_bp):
            problems.append(
                f"MISMATCH: stratum {_label(label)} has k {_num(k)} but N={n} at "
                f"{_num(ratio_bp)} bp gives k {_num(sample_size(n, ratio_bp))}"
            )
        elif not 0 <= k <= n:
            problems.append(f"MISMATCH: stratum {_label(label)} has k {_num(k)}, outside 0..N={n}")
        ks[label] = sample_size(n, ratio_bp) if ratio_bp is not None else max(0, min(k, n))
    for label in sorted(counts):
        if label not in ks:
            problems.append(f"MISMATCH: population stratum {_label(label)} is missing from strata")
            ks[label] = 0
    return problems, ks


def _selection_problems(selected: list, expected: list) -> list:
    for i in range(min(len(selected), len(expected))):
        if selected[i] != expected[i][0]:
            key, stratum = expected[i]
            return [
                f"MISMATCH: selected[{i}] is {_short(selected[i])} but recomputation gives "
                f"{_short(key)} (stratum {_label(stratum)})"
            ]
    if len(selected) != len(expected):
        return [
            f"MISMATCH: selected has {len(selected)} entries but recomputation gives "
            f"{len(expected)}"
        ]
    return []


def _full_draw_problems(bundle: dict, strata_key: bytes | None) -> list:
    """Kinds 1 and 3: the population, the strata table and the whole draw, recomputed."""
    seed, plan_code = bundle["seed"], bundle["plan_code"]
    population = bundle["population"]
    problems = _seed_and_plan_problems(seed, plan_code)
    problems += _population_problems([k for k, _ in population], [s for _, s in population])
    counts: dict = {}
    for _, stratum in population:
        counts[stratum] = counts.get(stratum, 0) + 1
    strata_problems, ks = _strata_problems(bundle["strata"], counts)
    problems += strata_problems
    expected = recompute_selection(seed, plan_code, population, ks, strata_key)
    return problems + _selection_problems(bundle["selected"], expected)


def _check_open(bundle: dict) -> list:
    digest = population_digest(bundle["population"])
    problems = []
    if digest != bundle["population_digest"]:
        problems.append(
            f"MISMATCH: population_digest is {_short(bundle['population_digest'], 70)} but the "
            f"population gives {digest}"
        )
    return problems + _full_draw_problems(bundle, None)


def _check_sealed_auditor(bundle: dict) -> list:
    key_hex, plan_code = bundle["strata_key"], bundle["plan_code"]
    if not _HEX64_RE.fullmatch(key_hex):
        return ["MISMATCH: strata_key is not 64 lower-case hex digits (32 bytes)"]
    committed = strata_key_commitment(plan_code, key_hex)
    problems = []
    if committed != bundle["strata_key_commitment"]:
        problems.append(
            f"MISMATCH: strata_key_commitment is {_short(bundle['strata_key_commitment'], 70)} but "
            f"the strata_key gives {committed} (not the key committed at the freeze)"
        )
    digest = population_digest(bundle["population"])
    if digest != bundle["population_digest"]:
        problems.append(
            f"MISMATCH: population_digest is {_short(bundle['population_digest'], 70)} but the "
            f"population gives {digest}"
        )
    keys_digest = population_keys_digest([k for k, _ in bundle["population"]])
    if keys_digest != bundle["population_keys_digest"]:
        problems.append(
            f"MISMATCH: population_keys_digest is {_short(bundle['population_keys_digest'], 70)} "
            f"but the population gives {keys_digest}"
        )
    return problems + _full_draw_problems(bundle, bytes.fromhex(key_hex))


def _check_sealed_public(bundle: dict) -> list:
    population, strata, selected = bundle["population"], bundle["strata"], bundle["selected"]
    problems = []
    keys_digest = population_keys_digest(population)
    if keys_digest != bundle["population_keys_digest"]:
        problems.append(
            f"MISMATCH: population_keys_digest is {_short(bundle['population_keys_digest'], 70)} "
            f"but the population gives {keys_digest}"
        )
    problems += _seed_and_plan_problems(bundle["seed"], bundle["plan_code"])
    for name in ("population_digest", "strata_key_commitment"):
        if not _HEX64_RE.fullmatch(bundle[name]):
            problems.append(f"MISMATCH: {name} is not 64 lower-case hex digits")
    problems += _population_problems(population)

    labels: set = set()
    total_size = total_k = 0
    for i, row in enumerate(strata):
        label, size, ratio_bp, k = row["stratum"], row["size"], row["ratio_bp"], row["k"]
        if label in labels:
            problems.append(f"MISMATCH: strata[{i}] repeats stratum {_label(label)}")
            continue
        labels.add(label)
        if not label or "\n" in label:
            problems.append(f"MISMATCH: strata[{i}] has an empty or multi-line stratum")
        if size < 0:
            problems.append(f"MISMATCH: stratum {_label(label)} has a negative size {_num(size)}")
        elif ratio_bp is not None and ratio_bp < 0:
            problems.append(
                f"MISMATCH: stratum {_label(label)} has a negative ratio_bp {_num(ratio_bp)}"
            )
        elif ratio_bp is not None and k != sample_size(size, ratio_bp):
            problems.append(
                f"MISMATCH: stratum {_label(label)} has k {_num(k)} but N={_num(size)} at "
                f"{_num(ratio_bp)} bp gives "
                f"k {_num(sample_size(size, ratio_bp))}"
            )
        elif not 0 <= k <= size:
            problems.append(
                f"MISMATCH: stratum {_label(label)} has k {_num(k)}, outside 0..N={_num(size)}"
            )
        total_size += size
        total_k += k
    if total_size != len(population):
        problems.append(
            f"MISMATCH: the strata sizes add up to {_num(total_size)} but the population has "
            f"{len(population)} keys"
        )
    if total_k != len(selected):
        problems.append(
            f"MISMATCH: the strata's k add up to {_num(total_k)} but selected has "
            f"{len(selected)} entries"
        )

    members = set(population)
    previous = None
    for i, key in enumerate(selected):
        if key not in members:
            problems.append(f"MISMATCH: selected[{i}] {_short(key)} is not in the population")
            break
        if previous is not None and key.encode() <= previous.encode():
            what = "repeats" if key == previous else "comes before"
            problems.append(
                f"MISMATCH: selected[{i}] {_short(key)} {what} selected[{i - 1}] "
                f"{_short(previous)} (the public selection lists each key once, in ascending "
                "order)"
            )
            break
        previous = key
    return problems


# --- the commitment published at the freeze ------------------------------------------------

_COMMITMENT_TEXT = (
    "plan_code",
    "algorithm",
    "frozen_at",
    "population_digest",
    "population_keys_digest",
    "strata_key_commitment",
)


def _parse_commitment(commitment) -> dict:
    """Check the commitment's shape and return it; raise BundleError when it is wrong."""
    if not isinstance(commitment, dict):
        raise BundleError("the commitment must be a JSON object")
    if not _is_text(commitment.get("population_digest")):
        raise BundleError("the commitment's 'population_digest' must be a string")
    for name in _COMMITMENT_TEXT:  # null means "not published", e.g. for an open plan
        if commitment.get(name) is not None and not _is_text(commitment[name]):
            raise BundleError(f"the commitment's '{name}' must be a string or null")
    seed = commitment.get("seed")
    if seed is not None and not _is_text(seed):
        raise BundleError("the commitment's 'seed' must be a string or null")
    size = commitment.get("population_size")
    if size is not None and not _is_int(size):
        raise BundleError("the commitment's 'population_size' must be an integer")
    if commitment.get("strata") is not None:
        rows = commitment["strata"]
        if not isinstance(rows, list) or not all(
            isinstance(row, dict)
            and _is_text(row.get("stratum"))
            and _is_int(row.get("size"))
            and _is_int(row.get("k"))
            and (row.get("ratio_bp") is None or _is_int(row.get("ratio_bp")))
            for row in rows
        ):
            raise BundleError(
                "the commitment's 'strata' must be a list of {'stratum': str, 'size': int, "
                "'ratio_bp': int|null, 'k': int}"
            )
    return commitment


def _commitment_problems(kind: str, bundle: dict, commitment: dict) -> list:
    problems = []
    required = {"population_digest"}
    if kind != OPEN:
        required |= {"population_keys_digest", "strata_key_commitment"}
    for name in _COMMITMENT_TEXT:
        if commitment.get(name) is None:
            if name in required:
                problems.append(
                    f"MISMATCH: the commitment has no {name}, which a sealed plan publishes "
                    "at the freeze (spec section 7)"
                )
        elif name not in bundle:
            problems.append(
                f"MISMATCH: the commitment has {name} {_short(commitment[name], 70)} but the "
                "bundle has none"
            )
        elif bundle[name] != commitment[name]:
            problems.append(
                f"MISMATCH: {name} is {_short(bundle[name], 70)} but the commitment published at "
                f"the freeze has {_short(commitment[name], 70)}"
            )
    size = commitment.get("population_size")
    if size is not None and size != len(bundle["population"]):
        problems.append(
            f"MISMATCH: the population has {len(bundle['population'])} entities but the "
            f"commitment published at the freeze has population_size {_num(size)}"
        )
    if commitment.get("strata") is not None:

        def table(rows: list) -> dict:
            return {r["stratum"]: (r["size"], r.get("ratio_bp"), r["k"]) for r in rows}

        def say(row) -> str:
            if row is None:
                return "absent"
            size, ratio_bp, k = row
            ratio = "null" if ratio_bp is None else _num(ratio_bp)
            return f"size {_num(size)}, ratio_bp {ratio}, k {_num(k)}"

        ours, theirs = table(bundle["strata"]), table(commitment["strata"])
        for label in sorted(set(ours) | set(theirs)):
            if ours.get(label) != theirs.get(label):
                problems.append(
                    f"MISMATCH: stratum {_label(label)} is {say(ours.get(label))} in the bundle "
                    f"but {say(theirs.get(label))} in the commitment published at the freeze"
                )
                break
    seed = commitment.get("seed")
    if seed is not None and seed != bundle["seed"]:
        problems.append(
            f"MISMATCH: seed is {_short(bundle['seed'], 70)} but the commitment has "
            f"{_short(seed, 70)}"
        )
    return problems


# --- entry points ------------------------------------------------------------------------------


def verify_bundle(bundle, commitment=None) -> list:
    """Problems found in a parsed bundle (and, if given, against a parsed commitment), most
    fundamental first; an empty list means OK. For a sealed public bundle OK covers the
    public checks only (see ``NOT_CHECKED_NOTICE``)."""
    try:
        bundle = _parse(bundle)
        kind = bundle_kind(bundle)
    except BundleError as exc:
        return [f"INVALID: {exc}"]
    try:
        commitment = None if commitment is None else _parse_commitment(commitment)
    except BundleError as exc:
        return [f"INVALID: {exc}"]
    check = {
        OPEN: _check_open,
        SEALED_PUBLIC: _check_sealed_public,
        SEALED_AUDITOR: _check_sealed_auditor,
    }[kind]
    problems = check(bundle)
    if commitment is not None:
        problems += _commitment_problems(kind, bundle, commitment)
    return problems


def _load(path: str, what: str, parse):
    try:
        with open(path, encoding="utf-8-sig") as f:
            return parse(json.load(f))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError, BundleError and over-long integers
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)
        raise BundleError(f"无法读取 / cannot read {path} as {what}: {reason}") from None


def _report_ok(kind: str, bundle: dict, commitment) -> None:
    population, strata, selected = bundle["population"], bundle["strata"], bundle["selected"]
    sealed = {
        OPEN: "",
        SEALED_PUBLIC: " (sealed strata, public bundle / 保密分层，公开文件)",
        SEALED_AUDITOR: " (sealed strata, auditor bundle / 保密分层，审计文件)",
    }[kind]
    head = PUBLIC_CHECKS_ONLY if kind == SEALED_PUBLIC else "OK"
    print(head)
    print(
        f"plan {_short(bundle['plan_code'], 70)}: {len(population)} entities in "
        f"{len(strata)} strata, {len(selected)} selected{sealed}"
    )
    print(f"population digest {bundle['population_digest']}")
    if kind == SEALED_PUBLIC:
        print(
            "  （覆盖各企业的分层，公开文件无法重算，请与承诺比较 / covers every entity's "
            "stratum: not recomputable from a public bundle, compare it with the commitment)"
        )
    if kind != OPEN:
        print(f"population keys digest {bundle['population_keys_digest']}")
        print(f"strata key commitment {bundle['strata_key_commitment']}")
    if kind == OPEN:
        print(
            "核验通过：公布的抽取结果与规则的计算结果完全一致。\n"
            "Verified: the published draw is exactly what the rules give."
        )
    elif kind == SEALED_AUDITOR:
        print(
            "核验通过（审计文件）：分层密钥与冻结时的承诺一致，每一层的抽取结果与规则的计算"
            "结果完全一致。\n"
            "Verified (auditor bundle): the strata key matches its commitment and every "
            "stratum's draw is exactly what the rules give."
        )
    else:
        print(
            "已核对：企业代码摘要，各层规模之和等于总体，各层 k 符合规模与比例，k 之和等于"
            "抽中数量，抽中名单无重复、全部属于总体并按代码升序。\n"
            "Checked: the keys digest, the strata sizes adding up to the population, each k "
            "from its size and ratio, the k adding up to the selection, and the selection "
            "being a duplicate-free part of the population in ascending key order."
        )
        print(NOT_CHECKED_NOTICE)
    if commitment is not None:
        print("与冻结时公布的承诺一致。\nMatches the commitment published at the freeze.")
    else:
        print(
            "提示：请用 --commitment commitment.json 与冻结时（种子产生之前）公布的承诺比较。\n"
            "Tip: compare with the commitment published at the freeze, before the seed "
            "existed: --commitment commitment.json"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify.py",
        description="核验 Fairdraw 抽取结果 / verify a published Fairdraw draw (spec draw-v1)",
    )
    parser.add_argument("bundle", metavar="BUNDLE.json", help="bundle.json of the plan")
    parser.add_argument(
        "--commitment",
        metavar="COMMITMENT.json",
        help="commitment.json published at the freeze, to compare the digests with",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        bundle = _load(args.bundle, "a draw bundle", _parse)
        commitment = None
        if args.commitment is not None:
            commitment = _load(args.commitment, "a commitment", _parse_commitment)
    except BundleError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    kind = bundle_kind(bundle)
    problems = verify_bundle(bundle, commitment)
    if problems:
        print(problems[0])
        if len(problems) > 1:
            print(f"({len(problems) - 1} further problem(s) not shown)")
        print(
            "不一致：公布的结果与规则或承诺不符（上面是发现的第一个问题）。\n"
            "The bundle does not match the rules or the commitment (the first problem found "
            "is shown above)."
        )
        return 1
    _report_ok(kind, bundle, commitment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
