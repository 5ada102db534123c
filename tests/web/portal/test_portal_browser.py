"""The public portal in Debian chromium: search, entity page, the in-browser verification
of a real published plan (good, tampered, plain HTTP), the 360 px phone layout.

The app is served twice: on 127.0.0.1 (a secure context, WebCrypto) and on 127.0.0.2
under the name ``portal-intranet.test`` (plain HTTP on a non-localhost name: no
``crypto.subtle``, the bundled SHA-256 is used). Screenshots go to
``test-artifacts/portal/`` at the repository root (git-ignored).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from scheduler.models import Entity, Inspection

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
PLAIN_HOST = "portal-intranet.test"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 60_000


@pytest.fixture
def servers(app, migrated_url):
    """The app (CSRF on) on 127.0.0.1 and on 127.0.0.2, each in a thread."""
    from werkzeug.serving import make_server

    from tests.conftest import make_app

    served = make_app(migrated_url)
    out, running = {}, []
    for which, host in (("secure", "127.0.0.1"), ("plain", "127.0.0.2")):
        server = make_server(host, 0, served, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        name = "127.0.0.1" if which == "secure" else PLAIN_HOST
        out[which] = f"http://{name}:{server.server_port}"
    yield out
    for server, thread in running:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def portal_browser(browser):
    """Chromium resolving PLAIN_HOST to 127.0.0.2."""
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


@pytest.fixture
def open_page(portal_browser):
    contexts = []

    def make(viewport=None, locale="zh-CN"):
        kwargs = {"locale": locale}
        if viewport:
            kwargs["viewport"] = viewport
        context = portal_browser.new_context(**kwargs)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_verify(page) -> str:
    page.wait_for_selector(".verify-panel[data-state=idle]")
    page.click(".verify-start")
    page.wait_for_selector(
        ".verify-panel:is([data-state=verified],[data-state=partial],"
        "[data-state=mismatch],[data-state=error])",
        timeout=TIMEOUT,
    )
    return page.get_attribute(".verify-panel", "data-state")


def test_verify_a_published_plan_in_the_browser(servers, open_page, portal_plans):
    page = open_page()
    page.goto(servers["secure"] + "/plans/SC-2027-002")
    assert run_verify(page) == "verified"
    assert page.get_attribute(".verify-panel", "data-crypto") == "webcrypto"
    shot(page, "verify-good")
    assert page.errors == []


def test_verify_over_plain_http_uses_the_bundled_sha256(servers, open_page, portal_plans):
    page = open_page()
    page.goto(servers["plain"] + "/plans/SC-2027-002")
    assert page.evaluate("window.isSecureContext") is False
    assert run_verify(page) == "verified"
    assert page.get_attribute(".verify-panel", "data-crypto") == "js"
    shot(page, "verify-plain-http")


def test_a_tampered_bundle_is_caught(servers, open_page, portal_plans, db_session):
    page = open_page()
    bundle_url = servers["secure"] + "/plans/SC-2027-002/bundle.json"

    def tamper(route):
        data = json.loads(route.fetch().text())
        data["selected"][0], data["selected"][-1] = data["selected"][-1], data["selected"][0]
        data["selected"][0] = data["population"][0][0]  # an entity that was not drawn
        route.fulfill(status=200, content_type="application/json", body=json.dumps(data))

    page.route(bundle_url, tamper)
    page.goto(servers["secure"] + "/plans/SC-2027-002")
    assert run_verify(page) == "mismatch"
    assert page.locator(".verify-result .verify-what").count() >= 1
    shot(page, "verify-tampered")


def test_search_an_entity_and_open_its_page(servers, open_page, portal_plans, db_session):
    plan = portal_plans["open"]
    inspection = db_session.scalars(
        select(Inspection).where(Inspection.plan_id == plan.id, Inspection.origin == "random")
    ).first()
    entity = db_session.get(Entity, inspection.entity_id)
    page = open_page()
    page.goto(servers["secure"] + "/")
    page.click("nav >> text=市场主体")
    page.fill("#f-q", entity.name)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"a:has-text('{entity.name}')")
    shot(page, "entity-search")
    page.click(f"a:has-text('{entity.name}')")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == entity.name
    main = page.inner_text("main")
    assert entity.uscc in main and "SC-2027-002" in main and inspection.ticket in main
    shot(page, "entity-page")


def test_phone_layout_at_360_px(servers, open_page, portal_plans):
    page = open_page(viewport={"width": 360, "height": 740})
    for path, name in (
        ("/", "phone-home"),
        ("/plans/SC-2027-002", "phone-plan"),
        ("/officers", "phone-officers"),
    ):
        page.goto(servers["secure"] + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path}: the page is {width} px wide on a 360 px phone"
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
        shot(page, name)
    assert page.locator("meta[name=renderer][content=webkit]").count() == 1
    assert "网站标识码" in page.inner_text("footer")


def test_verify_a_sealed_plan_checks_what_the_public_can(servers, open_page, portal_plans):
    """A plan stratified by credit class is sealed: the browser checks the keys digest,
    sizes, sample sizes and membership, and says the rest needs the auditor bundle."""
    page = open_page()
    page.goto(servers["plain"] + "/plans/SC-2027-001")
    assert "本计划的分组为何密封" in page.inner_text("main")
    assert run_verify(page) == "partial"
    assert page.locator(".verify-statement").count() >= 1
    shot(page, "verify-sealed")
    assert page.errors == []
