"""The in-browser draw verifier (web/static/js/verify.js, sha256.js) in Debian chromium.

A tiny threaded http.server serves a harness page with the panel's markup (no inline
script, under a strict Content-Security-Policy), the JS files and bundles written here:
open bundles from ``solver.draw.build_bundle``, sealed public and auditor bundles built
from spec section 7 with ``hmac``/``hashlib``.

Two origins serve the same folder:
- ``secure``: http://127.0.0.1:PORT, a secure context, so the page uses WebCrypto;
- ``plain``: http://fairdraw-intranet.test:PORT, resolved by chromium to a server bound
  on 127.0.0.2. Not a secure context, so ``crypto.subtle`` is undefined and the page falls
  back to the bundled sha256.js, as on a plain-HTTP government intranet. (Chromium treats
  every 127.0.0.0/8 address as potentially trustworthy, so ``http://127.0.0.2`` itself
  would still be a secure context; a host name mapped onto it is not.)

Screenshots go to ``test-artifacts/verify-js/`` at the repository root (git-ignored),
with the 200,000-key timings in ``timings.txt`` beside them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import http.server
import json
import os
import random
import shutil
import threading
from pathlib import Path

import pytest

from solver.draw import build_bundle, sample_size

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"
ARTIFACTS = ROOT / "test-artifacts" / "verify-js"
PLAIN_HOST = "fairdraw-intranet.test"
CHROMIUM = "/usr/bin/chromium"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SEED = "31415926535897932384626433"
OTHER_SEED = "27182818284590452353602874"
CODE = "SC-2027-007"
FROZEN = "2027-02-20T02:00:00Z"
RATIOS = {"A": 300, "B": 500, "C": 1000, "D": 2000}
TIMEOUT = 60_000


# --------------------------------------------------------------------------------------
# Bundles


def uscc_like(rng: random.Random) -> str:
    """18 upper-case letters or digits shaped like a credit code (all the verifier needs)."""
    tail = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
    return "91370282" + tail


def population(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """n distinct keys, each with a credit class A-D (class A the largest)."""
    rng = random.Random(seed)
    keys = set()
    while len(keys) < n:
        keys.add(uscc_like(rng))
    keys = sorted(keys)
    rng.shuffle(keys)  # build_bundle must sort them
    strata = [rng.choice("AAAAABBBCD") for _ in keys]
    return keys, strata


def open_bundle(keys, strata, seed=SEED, code=CODE) -> dict:
    spec = {label: {"ratio_bp": bp} for label, bp in RATIOS.items()}
    spec["D"] = {"count": 7}  # one absolute count, to cover both rules
    return build_bundle(code, seed, FROZEN, keys, strata, spec)


def commitment_of(bundle: dict, **extra) -> dict:
    """What commitment.json publishes at the freeze (plus the seed once it is set)."""
    out = {
        "plan_code": bundle["plan_code"],
        "algorithm": bundle["algorithm"],
        "frozen_at": bundle["frozen_at"],
        "population_digest": bundle["population_digest"],
        "population_size": len(bundle["population"]),
        "strata": [dict(row) for row in bundle["strata"]],
        "seed": bundle["seed"],
    }
    out.update(extra)
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sealed_bundles(keys, strata, strata_key: bytes, seed=SEED, code=CODE):
    """(public bundle, auditor bundle, commitment) of a sealed plan, straight from spec
    section 7, independent of the project's solver."""
    pop = sorted(zip(keys, strata, strict=True))
    population_digest = sha256_hex("".join(f"{k},{s}\n" for k, s in pop).encode())
    keys_digest = sha256_hex("".join(f"{k}\n" for k, _ in pop).encode())
    key_commitment = sha256_hex(f"fairdraw-strata-key|{code}|{strata_key.hex()}".encode())
    rows, selected = [], []
    for label in sorted(RATIOS):
        members = [k for k, s in pop if s == label]
        n = len(members)
        k = min(n, (n * RATIOS[label] + 9999) // 10000)
        rows.append({"stratum": label, "size": n, "ratio_bp": RATIOS[label], "k": k})
        ticket = {
            key: hmac.new(strata_key, f"{seed}|{code}|{key}".encode(), hashlib.sha256).digest()
            for key in members
        }
        selected += sorted(members, key=lambda key: (ticket[key], key))[:k]
    public = {
        "algorithm": "hmac-sha256-bottom-k/1",
        "plan_code": code,
        "seed": seed,
        "frozen_at": FROZEN,
        "population_digest": population_digest,
        "population_keys_digest": keys_digest,
        "strata_key_commitment": key_commitment,
        "strata": rows,
        "population": [k for k, _ in pop],
        "selected": sorted(selected),
    }
    auditor = dict(
        public,
        strata_key=strata_key.hex(),
        population=[[k, s] for k, s in pop],
        selected=selected,
    )
    commitment = commitment_of(
        public,
        population_keys_digest=keys_digest,
        strata_key_commitment=key_commitment,
    )
    return public, auditor, commitment


# --------------------------------------------------------------------------------------
# Serving


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


HARNESS = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>verify harness</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="stylesheet" href="/static/verify.css">
</head>
<body>
<main>
<h1>{code}</h1>
<section class="verify-panel"
         data-plan-code="{code}"
         data-bundle-url="/b/{name}/bundle.json"
         {commitment}
         data-verify-py-url="/static/verify.py">
  <p>需要 JavaScript / needs JavaScript</p>
</section>
</main>
<script src="/static/js/sha256.js" defer></script>
<script src="/static/js/verify.js" defer></script>
</body>
</html>
"""


class Site:
    """One folder, served on a secure origin and a plain-HTTP (not secure) origin."""

    def __init__(self, root: Path):
        self.root = root
        (root / "static" / "js").mkdir(parents=True)
        for name in ("sha256.js", "verify.js"):
            os.symlink(STATIC / "js" / name, root / "static" / "js" / name)
        for name in ("site.css", "verify.css"):
            os.symlink(STATIC / name, root / "static" / name)
        shutil.copy(ROOT / "solver" / "verify.py", root / "static" / "verify.py")
        (root / "favicon.ico").write_bytes(b"")
        handler = functools.partial(QuietHandler, directory=str(root))
        self.servers = {}
        for name, host in (("secure", "127.0.0.1"), ("plain", "127.0.0.2")):
            server = http.server.ThreadingHTTPServer((host, 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers[name] = server

    def origin(self, which: str) -> str:
        port = self.servers[which].server_port
        return f"http://127.0.0.1:{port}" if which == "secure" else f"http://{PLAIN_HOST}:{port}"

    def add(self, name, bundle, commitment=None, code=CODE, lang="zh-CN", raw=None) -> str:
        """Write a case (bundle, optional commitment, harness page); return the page path."""
        folder = self.root / "b" / name
        folder.mkdir(parents=True)
        if raw is not None:
            (folder / "bundle.json").write_bytes(raw)
        elif bundle is not None:
            (folder / "bundle.json").write_text(json.dumps(bundle, ensure_ascii=False))
        attr = ""
        if commitment is not None:
            (folder / "commitment.json").write_text(json.dumps(commitment, ensure_ascii=False))
            attr = f'data-commitment-url="/b/{name}/commitment.json"'
        page = HARNESS.format(lang=lang, code=code, name=name, commitment=attr)
        (folder / "index.html").write_text(page)
        return f"/b/{name}/index.html"

    def close(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Site(tmp_path_factory.mktemp("verify-site"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def plain_browser(browser):
    """Chromium resolving PLAIN_HOST to 127.0.0.2: a plain-HTTP origin, not localhost."""
    b = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-gpu",
            f"--host-resolver-rules=MAP {PLAIN_HOST} 127.0.0.2",
        ],
    )
    yield b
    b.close()


class Harness:
    """A page on one origin, failing the test on any CSP violation or script error."""

    def __init__(self, browser, site, which, locale="zh-CN"):
        self.site, self.which = site, which
        self.context = browser.new_context(locale=locale, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors = []
        self.expected_errors = []  # substrings of console errors a test provokes on purpose
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )

    def open(self, path):
        self.page.goto(self.site.origin(self.which) + path)
        self.page.wait_for_selector(".verify-panel[data-state=idle]")
        return self.page

    def verify(self, path) -> str:
        """Open the page, press the button, wait for the verdict; return data-state."""
        page = self.open(path)
        page.click(".verify-start")
        return self.wait_done()

    def wait_done(self) -> str:
        self.page.wait_for_selector(
            ".verify-panel:is([data-state=verified],[data-state=partial],"
            "[data-state=mismatch],[data-state=error])",
            timeout=TIMEOUT,
        )
        return self.page.get_attribute(".verify-panel", "data-state")

    def text(self, selector) -> str:
        return self.page.inner_text(selector)

    def mismatch(self) -> dict:
        return {
            "what": self.text(".verify-what"),
            "expected": self.text(".verify-expected"),
            "found": self.text(".verify-found"),
        }

    def shot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.locator(".verify-panel").screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def close(self):
        self.context.close()
        errors = [e for e in self.errors if not any(x in e for x in self.expected_errors)]
        assert errors == [], f"console errors or CSP violations: {errors}"


@pytest.fixture
def secure(browser, site):
    h = Harness(browser, site, "secure")
    yield h
    h.close()


@pytest.fixture
def plain(plain_browser, site):
    h = Harness(plain_browser, site, "plain")
    yield h
    h.close()


@pytest.fixture(params=["secure", "plain"])
def harness(request, browser, site):
    """The same page in both paths: WebCrypto (secure) and the bundled SHA-256 (plain)."""
    b = browser if request.param == "secure" else request.getfixturevalue("plain_browser")
    h = Harness(b, site, request.param)
    yield h
    h.close()


@pytest.fixture(scope="module")
def small():
    keys, strata = population(700)
    return keys, strata


def case_name(request, suffix="") -> str:
    return (request.node.name + suffix).replace("[", "-").replace("]", "").replace("/", "-")


# --------------------------------------------------------------------------------------
# The two origins really are the two paths


def test_plain_origin_has_no_webcrypto_and_secure_origin_has(secure, plain, site, small):
    path = site.add("contexts", open_bundle(*small))
    secure.open(path)
    plain.open(path)
    assert secure.page.evaluate("window.isSecureContext") is True
    assert secure.page.evaluate("!!(window.crypto && crypto.subtle)") is True
    assert plain.page.evaluate("window.isSecureContext") is False
    assert plain.page.evaluate("!!(window.crypto && crypto.subtle)") is False


# --------------------------------------------------------------------------------------
# The fallback SHA-256 against published vectors, run in the plain-HTTP page


NIST = [  # FIPS 180-2 appendix B / NIST CAVP "SHA256ShortMsg" examples
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ),
    (
        b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
        b"klmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ),
]
MILLION_A = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

RFC4231 = [  # (key, data, HMAC-SHA256 as published in RFC 4231; case 5 truncated to 128 bits)
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 20,
        b"\xdd" * 50,
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ),
    (
        bytes(range(1, 26)),
        b"\xcd" * 50,
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ),
    (b"\x0c" * 20, b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
    (
        b"\xaa" * 131,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        b"This is a test using a larger than block-size key and a larger than block-size "
        b"data. The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]

JS_HELPERS = """() => {
    window.__b = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
    window.__w = (words) => Array.from(words, (w) => w.toString(16).padStart(8, "0")).join("");
}"""


def test_fallback_sha256_matches_nist_vectors(plain, site, small):
    page = plain.open(site.add("vectors-sha", open_bundle(*small)))
    page.evaluate(JS_HELPERS)
    for message, digest in NIST:
        assert hashlib.sha256(message).hexdigest() == digest  # the vector itself
        got = page.evaluate(
            "(h) => FairdrawSHA256.hex(FairdrawSHA256.digest(__b(h)))", message.hex()
        )
        assert got == digest, message
    # One million 'a': in one update, and incrementally in uneven pieces across blocks.
    assert hashlib.sha256(b"a" * 1_000_000).hexdigest() == MILLION_A
    got_whole, got_pieces = page.evaluate(
        """() => {
            const S = FairdrawSHA256, a = new Uint8Array(1000000).fill(97);
            const h = S.create();
            for (let off = 0, step = 1; off < a.length; off += step, step = (step * 7) % 191 + 1)
                h.update(a.subarray(off, Math.min(a.length, off + step)));
            return [S.hex(S.digest(a)), S.hex(h.digest())];
        }"""
    )
    assert got_whole == MILLION_A and got_pieces == MILLION_A
    # Every message length around the padding boundaries (55, 56, 63, 64, 119, 120...).
    msgs = [bytes((i * 31 + j) % 256 for j in range(i)) for i in range(0, 200)]
    got = page.evaluate(
        "(ms) => ms.map((h) => FairdrawSHA256.hex(FairdrawSHA256.digest(__b(h))))",
        [m.hex() for m in msgs],
    )
    assert got == [hashlib.sha256(m).hexdigest() for m in msgs]


def test_fallback_hmac_matches_rfc4231(plain, site, small):
    page = plain.open(site.add("vectors-hmac", open_bundle(*small)))
    page.evaluate(JS_HELPERS)
    for key, data, mac in RFC4231:
        assert hmac.new(key, data, hashlib.sha256).hexdigest().startswith(mac)  # the vector
        got = page.evaluate(
            "([k, d]) => FairdrawSHA256.hex(FairdrawSHA256.hmac(__b(k), __b(d)))",
            [key.hex(), data.hex()],
        )
        assert got.startswith(mac) and len(got) == 64, (key, data)


def test_fallback_tickets_match_the_spec_worked_examples_and_python(plain, site, small):
    page = plain.open(site.add("vectors-tickets", open_bundle(*small)))
    page.evaluate(JS_HELPERS)
    key = "91370282MA3C5T4R2M"
    open_ticket, sealed_ticket, commitment = page.evaluate(
        """(key) => {
            const S = FairdrawSHA256, out = new Uint32Array(8);
            const prefix = S.utf8("12345678901234567890|DEMO-1|");
            S.ticketHasher(prefix, 18, null)(key, out, 0);
            const open = __w(out);
            S.ticketHasher(prefix, 18, Uint8Array.from({length: 32}, (_, i) => i))(key, out, 0);
            const sealed = __w(out);
            const hexKey = Array.from({length: 32}, (_, i) => i.toString(16).padStart(2, "0"))
                .join("");
            const c = S.hex(S.digest(S.utf8("fairdraw-strata-key|DEMO-1|" + hexKey)));
            return [open, sealed, c];
        }""",
        key,
    )
    # spec draw-v1, section 3 and section 7 worked examples
    assert open_ticket == "bb6fcc9a4cf964da4d8b1788a84f32c7ce164227896ad6693b154b375e2d6b4a"
    assert sealed_ticket == "7cc3dab3c848551a40e5e327d29f52e7a4741c357a1f8755476af65b5e5a6dee"
    assert commitment == "8c6ab4c0b0f0c5de79e38d444d5347cbb50732839f2418f9faca92542fc4690d"
    # The midstate shortcut for every prefix length across 0..3 blocks, plain and keyed
    # (keys of 32 bytes, and one longer than a block, which HMAC hashes first).
    rng = random.Random(3)
    cases = []
    for n in range(0, 150, 1):
        prefix = bytes(rng.randrange(256) for _ in range(n))
        hkey = bytes(rng.randrange(256) for _ in range(32 if n % 3 else 70)) if n % 2 else None
        cases.append((prefix, hkey, uscc_like(rng)))
    got = page.evaluate(
        """(cases) => cases.map(([p, k, key]) => {
            const out = new Uint32Array(16);
            FairdrawSHA256.ticketHasher(__b(p), 18, k === null ? null : __b(k))(key, out, 8);
            return __w(out.subarray(8));
        })""",
        [[p.hex(), None if k is None else k.hex(), key] for p, k, key in cases],
    )
    want = [
        (
            hmac.new(k, p + key.encode(), hashlib.sha256)
            if k is not None
            else hashlib.sha256(p + key.encode())
        ).hexdigest()
        for p, k, key in cases
    ]
    assert got == want


# --------------------------------------------------------------------------------------
# Open bundles


def test_good_open_bundle_is_verified_in_both_paths(harness, site, small, request):
    bundle = open_bundle(*small)
    path = site.add(case_name(request), bundle, commitment_of(bundle))
    assert harness.verify(path) == "verified"
    page = harness.page
    assert page.get_attribute(".verify-panel", "data-crypto") == (
        "webcrypto" if harness.which == "secure" else "js"
    )
    result = harness.text(".verify-result")
    assert "核验通过" in result and "Verified" in result
    assert result.index("核验通过") < result.index("Verified")  # Chinese first
    assert ("不提供 WebCrypto" in result) == (harness.which == "plain")
    assert bundle["population_digest"] in result
    assert f"抽中 {len(bundle['selected'])} 个" in result
    assert page.locator(".verify-result .verify-icon").count() == 1  # an icon, not colour only
    steps = page.locator(".verify-step")
    assert steps.count() == 5
    assert all(s == "ok" for s in steps.evaluate_all("ls => ls.map(l => l.dataset.state)"))
    assert page.get_attribute(".verify-progress-bar", "max") == str(len(small[0]))
    # The offline route: verify.py, the bundle as bundle.json, the one-line command.
    assert page.inner_text(".verify-command") == "python3 verify.py bundle.json"
    assert page.get_attribute(".verify-offline a[download='verify.py']", "href") == (
        "/static/verify.py"
    )
    with page.expect_download() as dl:
        page.click(".verify-offline a[download='bundle.json']")
    assert dl.value.suggested_filename == "bundle.json"
    assert json.loads(Path(dl.value.path()).read_text()) == bundle
    harness.shot(f"verified-{harness.which}")


def test_panel_in_english_shows_english_only(secure, site, small):
    bundle = open_bundle(*small)
    path = site.add("english", bundle, lang="en")
    assert secure.verify(path) == "verified"
    result = secure.text(".verify-result")
    assert "Verified" in result and "核验通过" not in result
    assert "Verify this draw" in secure.text(".verify-title")


def selected_elsewhere(bundle) -> str:
    chosen = set(bundle["selected"])
    return next(k for k, _ in bundle["population"] if k not in chosen)


def tampered_open_cases(keys, strata):
    """name -> (tampered bundle, commitment or None, expected (what, expected, found))."""
    good = open_bundle(keys, strata)
    commitment = commitment_of(good)
    cases = {}

    b = copy.deepcopy(good)
    b["seed"] = OTHER_SEED
    cases["seed-vs-commitment"] = (b, commitment, ("种子", good["seed"], OTHER_SEED))

    # Without the commitment the seed change shows up as a different draw.
    redrawn = open_bundle(keys, strata, seed=OTHER_SEED)
    i = next(
        i
        for i, (x, y) in enumerate(zip(redrawn["selected"], good["selected"], strict=True))
        if x != y
    )
    cases["seed-no-commitment"] = (
        b,
        None,
        (f"抽中名单第 {i + 1} 项", redrawn["selected"][i], good["selected"][i]),
    )

    b = copy.deepcopy(good)
    j = len(b["selected"]) // 2
    outsider = selected_elsewhere(good)
    b["selected"][j] = outsider
    cases["selected-key-swapped"] = (
        b,
        commitment,
        (f"抽中名单第 {j + 1} 项", good["selected"][j], outsider),
    )

    b = copy.deepcopy(good)
    removed = b["population"].pop(100)
    lines = "".join(f"{k},{s}\n" for k, s in b["population"])
    cases["population-key-removed"] = (
        b,
        commitment,
        ("总体摘要", sha256_hex(lines.encode()), good["population_digest"]),
    )
    assert removed[0] not in lines

    b = copy.deepcopy(b)  # removed and the digest recomputed to match: the commitment says no
    b["population_digest"] = sha256_hex(lines.encode())
    cases["population-key-removed-digest-redone"] = (
        b,
        commitment,
        ("总体摘要", good["population_digest"], b["population_digest"]),
    )

    b = copy.deepcopy(good)
    b["strata"][1]["size"] += 1
    label = b["strata"][1]["stratum"]
    n = good["strata"][1]["size"]
    cases["stratum-size-changed"] = (
        b,
        commitment,
        (f"第 2 层“{label}”的规模", f"{n:,}", f"{n + 1:,}"),
    )

    b = copy.deepcopy(good)
    row = b["strata"][0]
    row["k"] += 1
    cases["k-changed"] = (
        b,
        commitment,
        (f"第 1 层“{row['stratum']}”的抽取数 k", str(good["strata"][0]["k"]), str(row["k"])),
    )

    b = copy.deepcopy(good)  # ratio and k changed together, consistently: the commitment
    row = b["strata"][0]
    row["ratio_bp"] *= 2
    row["k"] = sample_size(row["size"], ratio_bp=row["ratio_bp"])
    cases["ratio-and-k-changed"] = (
        b,
        commitment,
        (f"层“{row['stratum']}”的比例（基点）", str(RATIOS["A"]), str(row["ratio_bp"])),
    )

    b = copy.deepcopy(good)
    b["selected"][0], b["selected"][1] = b["selected"][1], b["selected"][0]
    cases["selection-order-changed"] = (
        b,
        commitment,
        ("抽中名单第 1 项", good["selected"][0], good["selected"][1]),
    )

    b = copy.deepcopy(good)  # the published list of a different plan
    b["plan_code"] = "SC-2027-008"
    cases["other-plan"] = (b, commitment, ("计划编号", CODE, "SC-2027-008"))
    return cases


TAMPERED_OPEN = [
    "seed-vs-commitment",
    "seed-no-commitment",
    "selected-key-swapped",
    "population-key-removed",
    "population-key-removed-digest-redone",
    "stratum-size-changed",
    "k-changed",
    "ratio-and-k-changed",
    "selection-order-changed",
    "other-plan",
]


@pytest.fixture(scope="module")
def open_cases(small):
    return tampered_open_cases(*small)


@pytest.mark.parametrize("name", TAMPERED_OPEN)
def test_tampered_open_bundle_reports_the_first_mismatch(secure, site, open_cases, name):
    bundle, commitment, (what, expected, found) = open_cases[name]
    assert secure.verify(site.add(f"tampered-{name}", bundle, commitment)) == "mismatch"
    got = secure.mismatch()
    assert what in got["what"]
    assert expected in got["expected"], got
    assert found in got["found"], got
    result = secure.text(".verify-result")
    assert "发现不一致" in result and "Mismatch found" in result
    assert secure.page.locator(".verify-step[data-state=failed]").count() == 1
    if name == "selected-key-swapped":
        secure.shot("mismatch")


def test_tampered_open_bundle_fails_the_same_way_without_webcrypto(plain, site, open_cases):
    bundle, commitment, (what, expected, found) = open_cases["selected-key-swapped"]
    assert plain.verify(site.add("tampered-plain", bundle, commitment)) == "mismatch"
    got = plain.mismatch()
    assert what in got["what"] and expected in got["expected"] and found in got["found"]
    assert plain.page.get_attribute(".verify-panel", "data-crypto") == "js"


def test_unreadable_bundle_is_an_error_not_a_verdict(secure, site, small):
    assert secure.verify(site.add("not-json", None, raw=b"{not json")) == "error"
    assert "不是有效的 JSON" in secure.text(".verify-result")
    secure.expected_errors.append("status of 404")
    secure.open(site.add("missing", None))
    secure.page.click(".verify-start")
    assert secure.wait_done() == "error"
    assert "HTTP 404" in secure.text(".verify-result")


# --------------------------------------------------------------------------------------
# Sealed bundles (spec section 7)


STRATA_KEY = bytes.fromhex("5f" * 16 + "a3" * 16)


@pytest.fixture(scope="module")
def sealed(small):
    return sealed_bundles(*small, STRATA_KEY)


def write_auditor_file(tmp_path, bundle, name="auditor-bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    return path


def test_sealed_public_bundle_partly_verified_then_auditor_file_fully(
    harness, site, sealed, tmp_path, request
):
    public, auditor, commitment = sealed
    path = site.add(case_name(request), public, commitment)
    assert harness.verify(path) == "partial"
    page = harness.page
    result = harness.text(".verify-result")
    assert "公开部分核验通过" in result and "Public part verified" in result
    statement = harness.text(".verify-statement")
    assert "需要审计包" in statement and "needs the auditor bundle" in statement
    assert statement.index("审计包") < statement.index("auditor bundle")  # Chinese first
    assert public["population_keys_digest"] in result
    assert page.locator(".verify-step").count() == 6
    assert page.locator(".verify-step[data-state=ok]").count() == 6
    if harness.which == "secure":
        harness.shot("sealed-public")

    # The auditor chooses the auditor bundle from disk: read in the page, never uploaded.
    assert page.is_visible(".verify-auditor-file")
    page.set_input_files(".verify-auditor-file", write_auditor_file(tmp_path, auditor))
    assert harness.wait_done() == "verified"
    result = harness.text(".verify-result")
    assert "核验通过" in result and "auditor-bundle.json" in result
    assert "用分层密钥重新抽取的结果逐一一致" in result
    assert page.locator(".verify-step").count() == 7
    assert page.locator(".verify-step[data-state=ok]").count() == 7
    assert page.get_attribute(".verify-panel", "data-crypto") == (
        "webcrypto" if harness.which == "secure" else "js"
    )
    harness.shot(f"sealed-auditor-{harness.which}")


def tampered_auditor_cases(keys, strata, public, auditor):
    cases = {}
    other_key = bytes(range(32))
    _, forged, _ = sealed_bundles(keys, strata, other_key)
    # A consistent auditor bundle made with another strata key: its own commitment
    # matches it, the published commitment does not.
    cases["other-strata-key"] = (
        forged,
        ("分层密钥承诺", public["strata_key_commitment"], forged["strata_key_commitment"]),
    )

    b = copy.deepcopy(auditor)
    b["strata_key"] = other_key.hex()  # the key swapped, the committed value kept
    cases["strata-key-swapped"] = (
        b,
        (
            "分层密钥承诺",
            sha256_hex(f"fairdraw-strata-key|{CODE}|{other_key.hex()}".encode()),
            auditor["strata_key_commitment"],
        ),
    )

    b = copy.deepcopy(auditor)  # an entity moved from class A to D
    i = next(i for i, (_, s) in enumerate(b["population"]) if s == "A")
    b["population"][i][1] = "D"
    lines = "".join(f"{k},{s}\n" for k, s in b["population"])
    cases["entity-restratified"] = (
        b,
        ("总体摘要", sha256_hex(lines.encode()), auditor["population_digest"]),
    )

    b = copy.deepcopy(auditor)  # the public selection is kept, the draw order is not
    b["selected"][0], b["selected"][1] = b["selected"][1], b["selected"][0]
    cases["auditor-selection-order"] = (
        b,
        ("抽中名单第 1 项", auditor["selected"][0], auditor["selected"][1]),
    )
    return cases


@pytest.mark.parametrize(
    "name",
    ["other-strata-key", "strata-key-swapped", "entity-restratified", "auditor-selection-order"],
)
def test_tampered_auditor_bundle_reports_the_first_mismatch(
    secure, site, small, sealed, tmp_path, name
):
    public, auditor, commitment = sealed
    bundle, (what, expected, found) = tampered_auditor_cases(*small, public, auditor)[name]
    assert secure.verify(site.add(f"sealed-{name}", public, commitment)) == "partial"
    secure.page.set_input_files(".verify-auditor-file", write_auditor_file(tmp_path, bundle))
    assert secure.wait_done() == "mismatch"
    got = secure.mismatch()
    assert what in got["what"] and expected in got["expected"] and found in got["found"], got
    if name == "entity-restratified":
        secure.shot("sealed-auditor-mismatch")


def test_tampered_auditor_bundle_fails_without_webcrypto_too(plain, site, small, sealed, tmp_path):
    public, auditor, commitment = sealed
    b = copy.deepcopy(auditor)
    j = len(b["selected"]) - 1
    b["selected"][j] = selected_elsewhere(auditor)
    assert plain.verify(site.add("sealed-plain-tampered", public, commitment)) == "partial"
    plain.page.set_input_files(".verify-auditor-file", write_auditor_file(tmp_path, b))
    assert plain.wait_done() == "mismatch"
    got = plain.mismatch()
    assert f"抽中名单第 {j + 1} 项" in got["what"] and auditor["selected"][j] in got["expected"]


def test_tampered_sealed_public_bundle(secure, site, sealed):
    public, _, commitment = sealed
    b = copy.deepcopy(public)
    stranger = "91370282ZZZZZZZZZZ"
    b["selected"][-1] = stranger  # still ascending: Z sorts last
    assert secure.verify(site.add("sealed-public-stranger", b, commitment)) == "mismatch"
    got = secure.mismatch()
    assert f"抽中名单第 {len(b['selected'])} 项" in got["what"]
    assert stranger in got["found"] and "不在总体中" in got["found"]

    b = copy.deepcopy(public)  # a stratum listed per entity would disclose credit classes
    b["population"] = [[k, "A"] for k in b["population"]]
    assert secure.verify(site.add("sealed-public-pairs", b, commitment)) == "mismatch"
    assert "只列代码" in secure.mismatch()["expected"]

    b = copy.deepcopy(public)
    b["strata"][2]["k"] += 1
    assert secure.verify(site.add("sealed-public-k", b, commitment)) == "mismatch"
    assert "的抽取数 k" in secure.mismatch()["what"]


# --------------------------------------------------------------------------------------
# The real app's bundle and commitment


def test_the_apps_own_bundle_and_commitment_verify(
    secure, site, client, db_session, small_district, plan_file
):
    from scheduler.actors import Actor
    from scheduler.plans import create, draw, matching, public, scheduling

    actor = Actor.system("test")
    code = "SC-2027-001"
    create.create_plan(
        db_session, plan_file(strata={"by": "none", "ratios_bp": {"ALL": 2500}}), actor
    )
    draw.freeze(db_session, code, actor)
    draw.set_seed(db_session, code, SEED, actor)
    draw.draw(db_session, code, actor)
    matching.match(db_session, code, actor)
    scheduling.schedule(db_session, code, actor)
    public.publish(db_session, code, actor)
    db_session.commit()
    bundle = client.get(f"/plans/{code}/bundle.json")
    commitment = client.get(f"/plans/{code}/commitment.json")
    assert bundle.status_code == commitment.status_code == 200
    path = site.add("app-plan", None, commitment.get_json(), code=code, raw=bundle.data)
    assert secure.verify(path) == "verified"
    assert bundle.get_json()["population_digest"] in secure.text(".verify-result")


# --------------------------------------------------------------------------------------
# A district-sized bundle: correctness at scale, and the time it takes (reported, not
# asserted: speed targets are benchmarks).


WATCH = """() => {
    const bar = document.querySelector(".verify-progress-bar");
    const text = document.querySelector(".verify-progress-text");
    const panel = document.querySelector(".verify-panel");
    const w = (window.__watch = {values: [], texts: [], ticks_while_running: 0});
    new MutationObserver(() => {
        if (bar.hasAttribute("value")) w.values.push(Number(bar.getAttribute("value")));
    }).observe(bar, {attributes: true, attributeFilter: ["value"]});
    new MutationObserver(() => w.texts.push(text.innerText)).observe(
        text, {childList: true, subtree: true, characterData: true});
    setInterval(() => { if (panel.dataset.state === "running") w.ticks_while_running++; }, 25);
}"""


@pytest.mark.slow
def test_district_sized_bundles_verify_in_both_paths(
    secure, plain, site, tmp_path, record_property
):
    keys, strata = population(200_000, seed=11)
    bundle = open_bundle(keys, strata)
    public, auditor, commitment = sealed_bundles(keys, strata, STRATA_KEY)
    open_path = site.add("big-open", bundle, commitment_of(bundle))
    sealed_path = site.add("big-sealed", public, commitment)
    auditor_file = write_auditor_file(tmp_path, auditor, "big-auditor.json")
    lines = []
    for h in (secure, plain):
        page = h.open(open_path)
        page.evaluate(WATCH)
        page.click(".verify-start")
        assert h.wait_done() == "verified"
        open_ms = int(page.get_attribute(".verify-panel", "data-elapsed-ms"))
        seen = page.evaluate("window.__watch")
        # Progress was shown along the way, and the page kept running timers meanwhile.
        assert "已核验 0 / 200,000 … Checked 0 / 200,000 …" in seen["texts"]
        assert any(0 < v < 200_000 for v in seen["values"]), seen["values"]
        assert seen["values"][-1] == 200_000
        assert seen["ticks_while_running"] > 0
        assert h.verify(sealed_path) == "partial"
        sealed_ms = int(h.page.get_attribute(".verify-panel", "data-elapsed-ms"))
        h.page.set_input_files(".verify-auditor-file", auditor_file)
        assert h.wait_done() == "verified"
        auditor_ms = int(h.page.get_attribute(".verify-panel", "data-elapsed-ms"))
        crypto = h.page.get_attribute(".verify-panel", "data-crypto")
        for what, ms in (("open", open_ms), ("sealed-public", sealed_ms), ("auditor", auditor_ms)):
            record_property(f"{crypto}-{what}-ms", ms)
            lines.append(f"{crypto:9} {what:13} 200,000 keys: {ms:6d} ms")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))
