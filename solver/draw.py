"""Entity draw of spec draw-v1: open ``sha256-bottom-k/1`` and sealed ``hmac-sha256-bottom-k/1``.

The random draw (随机抽查) is a pure function of the seed, the plan code and the frozen
population: every entity gets a ticket and each stratum draws the ``k`` entities with the
smallest ``(ticket, key)``.

- Open plans (strata by public attributes, sections 1-5): ``ticket = SHA256(seed|plan_code|key)``,
  anyone can recompute it, and the public bundle lists every entity's stratum.
- Sealed plans (分层保密, strata by the confidential credit-risk class, section 7):
  ``ticket = HMAC-SHA256(strata_key, seed|plan_code|key)`` with a 32-byte ``strata_key`` drawn
  at the freeze and committed (``strata_key_commitment``) before the seed exists. The public
  bundle then lists keys only and the selection in key order; the auditor bundle adds the
  key and the strata and re-draws bit for bit.

What the database layer calls:

- at the freeze: ``population_lines`` / ``population_lines_digest`` (both kinds), and for a
  sealed plan ``new_strata_key``, ``population_keys_digest`` and ``strata_key_commitment``;
- at the draw: ``draw(seed, plan_code, keys, strata, sizes, strata_key=None)``;
- for the bundles: ``build_bundle`` (open, section 5) or ``build_sealed_bundles`` (sealed,
  section 7: the public bundle and the auditor bundle).

Pure Python + numpy. Hashing is one SHA-256 call per key for open plans (the floor), and two
SHA-256 compressions per key from precomputed HMAC states for sealed ones; everything after
it works on an ``(n, 32)`` uint8 ticket array, creating no Python objects per key beyond
transient hashing chunks.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

try:  # CPython's built-in SHA-256 avoids OpenSSL's per-call overhead (~1.5x faster here)
    from _sha256 import sha256 as _sha256  # Python <= 3.11
except ImportError:  # pragma: no cover - depends on the interpreter build
    try:
        from _sha2 import sha256 as _sha256  # Python >= 3.12
    except ImportError:
        _sha256 = hashlib.sha256

ALGORITHM = "sha256-bottom-k/1"  # open plans, sections 1-5
SEALED_ALGORITHM = "hmac-sha256-bottom-k/1"  # sealed strata, section 7
STRATA_KEY_BYTES = 32
_COMMITMENT_PREFIX = "fairdraw-strata-key|"

_SEED_RE = re.compile(r"[0-9]{20,}")
_KEY_RE = re.compile(r"[0-9A-Z]{18}")
_KEY_LEN = 18
_KEY_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CHUNK = 1 << 16


def validate_seed(seed: str) -> str:
    """Return ``seed`` if it is at least 20 ASCII decimal digits, else raise ValueError."""
    if not isinstance(seed, str) or not _SEED_RE.fullmatch(seed):
        raise ValueError(
            "种子必须是至少 20 位的 ASCII 十进制数字（0-9），不含空格或其他字符 / "
            f"the seed must be at least 20 ASCII decimal digits (0-9) and nothing else: {seed!r}"
        )
    return seed


def _check_plan_code(plan_code: str) -> None:
    if not isinstance(plan_code, str) or not plan_code:
        raise ValueError(f"plan_code must be a non-empty string: {plan_code!r}")


def _check_keys(keys: Sequence[str]) -> None:
    """Each key must be 18 upper-case ASCII letters or digits (checked in bulk per chunk)."""
    for lo in range(0, len(keys), _CHUNK):
        chunk = keys[lo : lo + _CHUNK]
        try:
            joined = "".join(chunk).encode("ascii")
            valid = set(map(len, chunk)) <= {_KEY_LEN} and not joined.translate(None, _KEY_CHARS)
        except (TypeError, UnicodeEncodeError):
            valid = False
        if not valid:
            bad = next(k for k in chunk if not (isinstance(k, str) and _KEY_RE.fullmatch(k)))
            raise ValueError(f"a key must be 18 upper-case ASCII letters or digits: {bad!r}")


def _key_order(keys: Sequence[str]) -> np.ndarray:
    """Indices of ``keys`` in ascending byte order; ValueError on a duplicate key."""
    _check_keys(keys)
    codes = np.frombuffer("".join(keys).encode("ascii"), dtype=f"S{_KEY_LEN}")
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    dup = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(dup):
        raise ValueError(f"duplicate key in population: {keys[order[dup[0]]]}")
    return order


def _stratum_codes(strata: Sequence[str], n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sorted labels, the label index of each entity, and the entity count per label."""
    if len(strata) != n:
        raise ValueError(f"{len(strata)} strata for {n} keys")
    labels = sorted(set(strata), key=str)  # key=str: a non-string fails below, not in sort
    for label in labels:
        if not isinstance(label, str) or not label or "\n" in label:
            raise ValueError(f"a stratum must be a non-empty string without line breaks: {label!r}")
    code_of = {label: i for i, label in enumerate(labels)}
    codes = np.fromiter(map(code_of.__getitem__, strata), dtype=np.int64, count=n)
    return labels, codes, np.bincount(codes, minlength=len(labels))


def population_lines(keys: Sequence[str], strata: Sequence[str]) -> bytes:
    """Spec section 1's ``L``: the ``key,stratum\\n`` lines in ascending key order.

    ``keys[i]`` belongs to ``strata[i]``; the input may be in any order (ASCII keys, so
    byte order is plain string order). Duplicate keys raise ValueError.
    """
    order = _key_order(keys)
    _stratum_codes(strata, len(keys))
    return "".join([f"{keys[i]},{strata[i]}\n" for i in order.tolist()]).encode()


def population_lines_digest(keys: Sequence[str], strata: Sequence[str]) -> str:
    """Spec section 1: ``population_digest``, the hex SHA-256 of ``population_lines``."""
    return hashlib.sha256(population_lines(keys, strata)).hexdigest()


def population_keys_digest(keys: Sequence[str]) -> str:
    """Spec section 7: ``population_keys_digest``, the hex SHA-256 of the ``key\\n`` lines.

    The lines run in ascending key order whatever the input order; bad or duplicate keys
    raise ValueError. It commits to the population without naming any stratum.
    """
    order = _key_order(keys)
    return hashlib.sha256("".join([f"{keys[i]}\n" for i in order.tolist()]).encode()).hexdigest()


def validate_strata_key(strata_key: bytes) -> bytes:
    """Return ``strata_key`` if it is exactly 32 bytes, else raise ValueError."""
    if not isinstance(strata_key, bytes) or len(strata_key) != STRATA_KEY_BYTES:
        got = (
            f"{len(strata_key)} bytes"
            if isinstance(strata_key, bytes)
            else type(strata_key).__name__ + " (pass bytes, e.g. bytes.fromhex(...))"
        )
        raise ValueError(
            f"分层密钥必须恰好是 {STRATA_KEY_BYTES} 字节 / the strata key must be exactly "
            f"{STRATA_KEY_BYTES} bytes: got {got}"
        )
    return strata_key


def new_strata_key() -> bytes:
    """A fresh 32-byte strata key (分层密钥) from the operating system's CSPRNG (section 7)."""
    return secrets.token_bytes(STRATA_KEY_BYTES)


def strata_key_commitment(plan_code: str, strata_key: bytes) -> str:
    """Spec section 7: ``hex(SHA256("fairdraw-strata-key|" + plan_code + "|" + hex(key)))``."""
    _check_plan_code(plan_code)
    validate_strata_key(strata_key)
    text = f"{_COMMITMENT_PREFIX}{plan_code}|{strata_key.hex()}"
    return hashlib.sha256(text.encode()).hexdigest()


def sample_size(n: int, ratio_bp: int | None = None, count: int | None = None) -> int:
    """Spec section 3: ``k`` for a stratum of ``n`` entities from a ratio or a count.

    ``k = min(n, ceil(n * ratio_bp / 10000))`` in integer arithmetic, or ``min(n, count)``.
    """

    def non_negative_int(name: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer: {value!r}")
        return value

    non_negative_int("n", n)
    if (ratio_bp is None) == (count is None):
        raise ValueError("give exactly one of ratio_bp and count")
    if ratio_bp is not None:
        if non_negative_int("ratio_bp", ratio_bp) > 10000:
            raise ValueError(f"ratio_bp must not exceed 10000 (100 %): {ratio_bp}")
        return min(n, (n * ratio_bp + 9999) // 10000)
    return min(n, non_negative_int("count", count))


def ticket(seed: str, plan_code: str, key: str) -> bytes:
    """The 32-byte ticket ``SHA256(seed + "|" + plan_code + "|" + key)``."""
    return hashlib.sha256(f"{seed}|{plan_code}|{key}".encode()).digest()


def tickets(seed: str, plan_code: str, keys: Sequence[str]) -> np.ndarray:
    """Tickets of ``keys`` as an ``(n, 32)`` uint8 array (row ``i`` is ``ticket(keys[i])``)."""
    base = _sha256(f"{seed}|{plan_code}|".encode())
    copy = base.copy
    out = np.empty((len(keys), 32), dtype=np.uint8)
    for lo in range(0, len(keys), _CHUNK):
        digests = []
        append = digests.append
        for key in keys[lo : lo + _CHUNK]:
            h = copy()
            h.update(key.encode())
            append(h.digest())
        out[lo : lo + len(digests)] = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(
            -1, 32
        )
    return out


def keyed_ticket(strata_key: bytes, seed: str, plan_code: str, key: str) -> bytes:
    """Section 7's 32-byte keyed ticket.

    ``HMAC-SHA256(strata_key, seed + "|" + plan_code + "|" + key)``; ``keyed_tickets`` is the
    fast bulk form.
    """
    validate_strata_key(strata_key)
    return hmac.new(strata_key, f"{seed}|{plan_code}|{key}".encode(), hashlib.sha256).digest()


def keyed_tickets(strata_key: bytes, seed: str, plan_code: str, keys: Sequence[str]) -> np.ndarray:
    """Keyed tickets of ``keys`` as an ``(n, 32)`` uint8 array (row ``i`` is ``keyed_ticket``).

    HMAC-SHA256 (RFC 2104) is ``H((K ^ opad) || H((K ^ ipad) || message))`` with the key
    zero-padded to SHA-256's 64-byte block. Both padded key blocks, and the common
    ``seed|plan_code|`` prefix of the inner message, are hashed once; each key then costs
    one copy and one short update of each state, i.e. two SHA-256 compressions.
    """
    validate_strata_key(strata_key)
    block = strata_key.ljust(64, b"\0")
    inner = _sha256(bytes(b ^ 0x36 for b in block))
    inner.update(f"{seed}|{plan_code}|".encode())
    outer = _sha256(bytes(b ^ 0x5C for b in block))
    inner_copy, outer_copy = inner.copy, outer.copy
    out = np.empty((len(keys), 32), dtype=np.uint8)
    for lo in range(0, len(keys), _CHUNK):
        digests = []
        append = digests.append
        for key in keys[lo : lo + _CHUNK]:
            h = inner_copy()
            h.update(key.encode())
            o = outer_copy()
            o.update(h.digest())
            append(o.digest())
        out[lo : lo + len(digests)] = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(
            -1, 32
        )
    return out


def select_bottom_k(
    ticket_rows: np.ndarray,
    keys: Sequence[str],
    strata: Sequence[str],
    sizes: Mapping[str, int],
) -> dict[str, np.ndarray]:
    """Indices of the ``sizes[s]`` smallest ``(ticket, key)`` of each stratum ``s``, in order.

    ``ticket_rows`` is an ``(n, 32)`` uint8 array (``tickets()``, or made up in tests).
    Returns ``{stratum: int64 index array}`` in ascending label order. Every stratum of the
    population needs a size; a size for a stratum without entities must be 0.
    """
    labels, codes, counts = _stratum_codes(strata, len(keys))
    return _select(ticket_rows, keys, labels, codes, counts, sizes)


def _select(
    ticket_rows: np.ndarray,
    keys: Sequence[str],
    labels: list[str],
    codes: np.ndarray,
    counts: np.ndarray,
    sizes: Mapping[str, int],
) -> dict[str, np.ndarray]:
    if ticket_rows.shape != (len(keys), 32) or ticket_rows.dtype != np.uint8:
        raise ValueError("ticket_rows must be an (n, 32) uint8 array")
    available = dict(zip(labels, counts.tolist(), strict=True))
    for label in labels:
        if label not in sizes:
            raise ValueError(f"no sample size for stratum {label!r}")
    for label, k in sizes.items():
        top = available.get(label, 0)
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= top:
            raise ValueError(f"size of stratum {label!r} must be an integer in 0..{top}: {k!r}")

    words = np.ascontiguousarray(ticket_rows).view(">u8")  # (n, 4) big-endian 64-bit words
    by_stratum = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(counts)))
    result: dict[str, np.ndarray] = {}
    for code, label in enumerate(labels):
        group = by_stratum[bounds[code] : bounds[code + 1]]
        k = sizes[label]
        if k < len(group):
            # Nothing above the k-th smallest leading word can be drawn: keep the rest only.
            lead = words[group, 0].astype(np.uint64)
            group = group[lead <= np.partition(lead, k - 1)[k - 1]] if k else group[:0]
        w = words[group].astype(np.uint64)
        order = np.lexsort((w[:, 3], w[:, 2], w[:, 1], w[:, 0]))
        ranked, w = group[order], w[order]
        if np.any(np.all(w[1:] == w[:-1], axis=1)):
            # Equal tickets (a SHA-256 collision, or a made-up ticket array): ties by key.
            ranked = np.array(
                sorted(ranked.tolist(), key=lambda i: (ticket_rows[i].tobytes(), keys[i])),
                dtype=np.int64,
            )
        result[label] = ranked[:k].astype(np.int64)
    return result


class Drawn(NamedTuple):
    """One drawn entity; ``rank`` is its 1-based position within its stratum."""

    key: str
    stratum: str
    rank: int
    ticket: str  # lowercase hex


@dataclass(frozen=True)
class DrawResult:
    """The draw, column-wise: ``selected[i]`` is in ``stratum[i]`` with ``rank[i]``, ``ticket[i]``.

    ``selected`` runs stratum by stratum (ascending label), in ticket order within each.
    Stored as columns, not one tuple per entity: a million small tuples make Python's cyclic
    garbage collector rescan the caller's whole population again and again. ``drawn`` builds
    the rows on demand.
    """

    algorithm: str
    plan_code: str
    seed: str
    strata_sizes: dict[str, int]  # N per stratum, ascending label order
    selected: list[str]
    stratum: list[str]
    rank: list[int]  # 1-based position within the stratum
    ticket: list[str]  # lowercase hex

    @property
    def drawn(self) -> tuple[Drawn, ...]:
        """One row per drawn entity, in the order of ``selected``."""
        return tuple(map(Drawn, self.selected, self.stratum, self.rank, self.ticket))


def draw(
    seed: str,
    plan_code: str,
    keys: Sequence[str],
    strata: Sequence[str],
    sizes: Mapping[str, int],
    strata_key: bytes | None = None,
) -> DrawResult:
    """Draw ``sizes[s]`` entities from each stratum ``s``; ``keys[i]`` is in ``strata[i]``.

    ``sizes`` holds the ``k`` of every stratum (see ``sample_size``); strata named only in
    ``sizes`` must have ``k = 0`` and are reported with ``N = 0``. Without ``strata_key`` the
    draw is open (``sha256-bottom-k/1``); with it, sealed (``hmac-sha256-bottom-k/1``, keyed
    tickets). ``DrawResult.algorithm`` says which; for a sealed draw its ``stratum``, ``rank``
    and ``ticket`` columns are confidential (staff and auditors only).
    """
    validate_seed(seed)
    _check_plan_code(plan_code)
    if strata_key is not None:
        validate_strata_key(strata_key)
    _check_keys(keys)
    labels, codes, counts = _stratum_codes(strata, len(keys))
    if strata_key is None:
        rows = tickets(seed, plan_code, keys)
    else:
        rows = keyed_tickets(strata_key, seed, plan_code, keys)
    # Equal keys have equal tickets: sorting the leading words finds any duplicate cheaply;
    # only if two leading words coincide (rare) does the exact check run.
    lead = rows.view(">u8")[:, 0].astype(np.uint64)
    lead.sort()
    if np.any(lead[1:] == lead[:-1]) and len(set(keys)) != len(keys):
        raise ValueError("duplicate keys in population")
    del lead
    picked = _select(rows, keys, labels, codes, counts, sizes)
    strata_sizes = dict.fromkeys(sorted(set(labels) | set(sizes)), 0)
    strata_sizes.update(zip(labels, counts.tolist(), strict=True))
    index = np.concatenate([np.empty(0, dtype=np.int64), *picked.values()])
    hexes = rows[index].tobytes().hex()
    return DrawResult(
        algorithm=ALGORITHM if strata_key is None else SEALED_ALGORITHM,
        plan_code=plan_code,
        seed=seed,
        strata_sizes=strata_sizes,
        selected=[keys[i] for i in index.tolist()],
        stratum=[label for label, ix in picked.items() for _ in range(len(ix))],
        rank=[r for ix in picked.values() for r in range(1, len(ix) + 1)],
        ticket=[hexes[j : j + 64] for j in range(0, len(hexes), 64)],
    )


def strata_table(strata: Sequence[str], strata_spec: Mapping[str, Mapping[str, int]]) -> list[dict]:
    """The bundle's ``strata`` rows (sections 5 and 7), in ascending label order.

    ``strata_spec`` maps every stratum label to ``{"ratio_bp": int}`` or ``{"count": int}``;
    labels in it without entities appear with size 0. Each row is
    ``{"stratum", "size", "ratio_bp", "k"}`` (``ratio_bp`` None for a count). These are
    aggregates: public for sealed plans too.
    """
    rows = []
    n_of = Counter(strata)
    for label in sorted(set(n_of) | set(strata_spec), key=str):
        if not isinstance(label, str) or not label or "\n" in label:
            raise ValueError(f"a stratum must be a non-empty string without line breaks: {label!r}")
        rule = strata_spec.get(label)
        if not isinstance(rule, Mapping) or set(rule) not in ({"ratio_bp"}, {"count"}):
            raise ValueError(
                f"stratum {label!r} needs a rule with exactly ratio_bp or count: {rule}"
            )
        n = n_of.get(label, 0)
        k = sample_size(n, ratio_bp=rule.get("ratio_bp"), count=rule.get("count"))
        rows.append({"stratum": label, "size": n, "ratio_bp": rule.get("ratio_bp"), "k": k})
    return rows


def build_bundle(
    plan_code: str,
    seed: str,
    frozen_at_iso: str,
    keys: Sequence[str],
    strata: Sequence[str],
    strata_spec: Mapping[str, Mapping[str, int]],
) -> dict:
    """The public verification bundle of an OPEN plan (spec section 5), for ``json.dumps``.

    ``strata_spec`` maps every stratum label to ``{"ratio_bp": int}`` or ``{"count": int}``;
    labels in it without entities appear with size 0. Never use it for a sealed plan: its
    ``population`` names every entity's stratum.
    """
    digest = population_lines_digest(keys, strata)
    rows = strata_table(strata, strata_spec)
    result = draw(seed, plan_code, keys, strata, {r["stratum"]: r["k"] for r in rows})
    return {
        "algorithm": ALGORITHM,
        "plan_code": plan_code,
        "seed": seed,
        "population_digest": digest,
        "frozen_at": frozen_at_iso,
        "strata": rows,
        "population": [[keys[i], strata[i]] for i in _key_order(keys).tolist()],
        "selected": result.selected,
    }


class SealedBundles(NamedTuple):
    """The two bundles of a sealed plan (section 7).

    ``public`` is for ``/plans/<code>/bundle.json``: keys only, selection in key order, no
    stratum of any entity. ``auditor`` is staff only (``flask plan bundle CODE --auditor``):
    it adds ``strata_key``, ``[key, stratum]`` pairs and the selection stratum by stratum in
    ticket order, and so discloses every entity's credit-risk class.
    """

    public: dict
    auditor: dict


def build_sealed_bundles(
    plan_code: str,
    seed: str,
    frozen_at_iso: str,
    keys: Sequence[str],
    strata: Sequence[str],
    strata_spec: Mapping[str, Mapping[str, int]],
    strata_key: bytes,
) -> SealedBundles:
    """The public and the auditor bundle of a SEALED plan (spec section 7), for ``json.dumps``.

    Arguments as ``build_bundle``, plus the plan's 32-byte ``strata_key``. Both bundles
    share every field except ``strata_key`` (auditor only), ``population`` (public: keys in
    ascending order; auditor: ``[key, stratum]`` pairs in ascending key order) and
    ``selected`` (public: ascending key order; auditor: stratum by stratum in label order,
    in keyed-ticket order within each).
    """
    validate_strata_key(strata_key)
    order = _key_order(keys).tolist()  # validates the keys and their uniqueness
    _stratum_codes(strata, len(keys))  # validates the strata
    digest = hashlib.sha256("".join([f"{keys[i]},{strata[i]}\n" for i in order]).encode())
    keys_digest = hashlib.sha256("".join([f"{keys[i]}\n" for i in order]).encode())
    rows = strata_table(strata, strata_spec)
    result = draw(seed, plan_code, keys, strata, {r["stratum"]: r["k"] for r in rows}, strata_key)
    head = {
        "algorithm": SEALED_ALGORITHM,
        "plan_code": plan_code,
        "seed": seed,
        "frozen_at": frozen_at_iso,
        "population_digest": digest.hexdigest(),
        "population_keys_digest": keys_digest.hexdigest(),
        "strata_key_commitment": strata_key_commitment(plan_code, strata_key),
    }
    public = {
        **head,
        "strata": rows,
        "population": [keys[i] for i in order],
        "selected": sorted(result.selected),
    }
    auditor = {
        **head,
        "strata_key": strata_key.hex(),
        "strata": [dict(row) for row in rows],
        "population": [[keys[i], strata[i]] for i in order],
        "selected": result.selected,
    }
    return SealedBundles(public=public, auditor=auditor)
