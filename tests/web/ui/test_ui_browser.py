"""The sample page built from every macro, in Debian chromium: a 360 px phone and a
1366×768 office screen, keyboard focus, contrast from computed styles, print, and a
strict CSP (`script-src 'self'; style-src 'self'`). Screenshots go to tmp_path."""

from __future__ import annotations

import re
import threading

import pytest

from web.translations.fill_zh import gather

# Message ids -> the Chinese every area gives them (the sample page renders in Chinese).
ZH = gather()

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
MM = 96 / 25.4  # CSS pixels per millimetre
CHROMIUM = "/usr/bin/chromium"


def serve(app, host: str):
    from werkzeug.serving import make_server

    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://{host}:{server.server_port}"


@pytest.fixture(scope="module")
def ui_server(ui_app):
    server, thread, url = serve(ui_app, "127.0.0.1")
    yield url
    server.shutdown()
    thread.join(5)


@pytest.fixture
def open_page(browser, tmp_path):
    """open_page(url, viewport, **context options) -> page; records console errors."""
    contexts = []

    def _open(url, viewport, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")  # seen below, with its URL
                and page.errors.append(m.text)
            ),
        )
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")  # the browser's own guess
                and page.errors.append(f"{r.status} {r.url}")
            ),
        )
        response = page.goto(url)
        assert response.status == 200
        return page

    yield _open
    for context in contexts:
        context.close()


def rgb(text: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", text)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)


def contrast(fg: str, bg: str) -> float:
    def luminance(colour):
        channels = []
        for c in colour[:3]:
            c = c / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(rgb(fg)), luminance(rgb(bg))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# The text colour of each element and the first opaque background behind it.
COLOURS_JS = """
(selector) => Array.from(document.querySelectorAll(selector))
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => {
    let node = e, bg = 'rgba(0, 0, 0, 0)';
    while (node && node.nodeType === 1) {
      const c = getComputedStyle(node).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') { bg = c; break; }
      node = node.parentElement;
    }
    if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
    return {text: e.textContent.trim().slice(0, 30), fg: getComputedStyle(e).color, bg};
  })
"""


def no_csp_violations(page):
    assert not [e for e in page.errors if "Content Security Policy" in e or "Refused" in e]
    assert page.errors == []


def test_phone_has_no_horizontal_scroll_and_tables_become_cards(open_page, ui_server, tmp_path):
    page = open_page(
        ui_server + "/_ui/sample", PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.body.scrollWidth") <= 360
    row = page.locator("table.cards tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    cell = page.locator("table.cards tbody tr td").nth(3)
    label = ZH.get("Inspections", "Inspections")  # the sample page is in Chinese
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == f'"{label}"'
    head = page.locator("table.cards thead").bounding_box()
    assert head["width"] <= 1 and head["height"] <= 1  # read by screen readers only
    assert page.locator(".sort-links").is_visible()
    # cards stack: the second row starts below the first
    first, second = (page.locator("table.cards tbody tr").nth(i).bounding_box() for i in (0, 1))
    assert second["y"] >= first["y"] + first["height"]
    assert first["x"] >= 0 and first["x"] + first["width"] <= 360
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.body);"
        " return [parseFloat(s.fontSize), parseFloat(s.lineHeight)]; }"
    )
    assert style[0] >= 17 and style[1] / style[0] >= 1.3  # public face: 17 px on phones
    page.screenshot(path=str(tmp_path / "phone-portal.png"), full_page=True)
    no_csp_violations(page)


def test_workspace_on_a_phone_has_44px_touch_targets(open_page, ui_server, tmp_path):
    page = open_page(
        ui_server + "/_ui/sample?face=workspace", PHONE, is_mobile=True, has_touch=True
    )
    assert page.evaluate("document.body.className").split()[0] == "face-workspace"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    selector = (
        "button, .button, .choice, select, input[type=text], textarea, .pager-link, "
        ".site-header a, .sort-links a, .lang-switch a"
    )
    small = page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
             .filter(e => e.getClientRects().length)
             .map(e => [e.tagName + '.' + e.className, e.getBoundingClientRect().height])
             .filter(x => x[1] < 44)""",
        selector,
    )
    assert small == []
    assert page.locator(".choice").count() == 2
    page.screenshot(path=str(tmp_path / "phone-workspace.png"), full_page=True)
    no_csp_violations(page)


def test_desktop_layout_reading_width_and_contrast(open_page, ui_server, tmp_path):
    page = open_page(ui_server + "/_ui/sample?face=console", DESKTOP)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert (
        page.locator("table.cards tbody tr").first.evaluate("e => getComputedStyle(e).display")
        == "table-row"
    )
    assert page.locator("table.cards thead").is_visible()
    assert page.locator(".sort-links").is_hidden()
    body = page.evaluate(
        "() => { const s = getComputedStyle(document.body);"
        " return [parseFloat(s.fontSize), parseFloat(s.lineHeight), s.fontFamily, s.color]; }"
    )
    assert body[0] >= 16 and body[1] / body[0] >= 1.3
    assert body[2].startswith('"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"')
    assert contrast(body[3], "rgb(255, 255, 255)") >= 12
    # a paragraph is at most 40 Chinese characters wide
    intro = page.locator("p.intro")
    font = intro.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert intro.bounding_box()["width"] <= 40 * font + 1
    assert intro.bounding_box()["height"] > 2 * font  # it wraps instead
    # contrast of every state badge (word on its own background) and of accent links
    badges = page.evaluate(COLOURS_JS, ".badge")
    assert len(badges) >= 13 + 50
    for b in badges:
        assert contrast(b["fg"], b["bg"]) >= 4.5, b
    for selector in (
        "main a",
        ".site-header a",
        ".site-footer li",
        ".flash",
        ".field-error",
        ".hint",
        ".step-time",
        ".pager-link",
        "th",
        ".figure-value",
        "button",
    ):
        for item in page.evaluate(COLOURS_JS, selector):
            assert contrast(item["fg"], item["bg"]) >= 4.5, (selector, item)
    accent = page.locator("main td a").first.evaluate("e => getComputedStyle(e).color")
    assert accent == "rgb(29, 79, 145)"  # the one accent, #1d4f91
    page.screenshot(path=str(tmp_path / "desktop-console.png"), full_page=True)
    no_csp_violations(page)


def test_keyboard_focus_is_always_visible(open_page, ui_server):
    page = open_page(ui_server + "/_ui/sample", DESKTOP)
    # the error summary takes the focus on load (ui.js), the next Tab reaches its first link
    assert page.evaluate("document.activeElement.className") == "error-summary"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#f-uscc"

    def outline():
        return page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
        )

    for _ in range(4):  # the summary's links, then the first field
        style = outline()
        assert style[0] == "solid" and style[1] >= 2, style
        page.keyboard.press("Tab")
    page.focus("a.skip-link")
    box = page.locator("a.skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # visible when focused
    assert outline()[0] == "solid"
    page.focus("button.button.primary")
    style = outline()
    assert style[0] == "solid" and style[1] >= 2
    page.focus(".site-header a.login-link")
    style = outline()
    assert style[0] == "solid" and contrast(style[2], "rgb(29, 79, 145)") >= 3  # yellow on blue
    # following the summary link moves to the field
    page.click(".error-summary a[href='#f-uscc']")
    assert page.evaluate("document.activeElement.id") == "f-uscc"


def test_copy_button_copies_the_whole_digest(open_page, ui_server):
    page = open_page(ui_server + "/_ui/sample", DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server)
    assert page.locator("button.print-button").is_visible()  # ui.js shows what it handles
    button = page.locator("button[data-copy='timeline-frozen']")
    assert button.is_visible() and button.inner_text() == "复制"
    button.click()
    status = page.locator("[data-step='frozen'] .copy-status")
    status.wait_for(state="visible")
    assert status.inner_text() == "已复制"
    digest = page.locator("#timeline-frozen").inner_text()
    assert page.evaluate("navigator.clipboard.readText()") == digest
    assert len(digest) == 64


def test_copy_falls_back_to_a_selection_on_plain_http(browser, ui_server):
    """An intranet host name over plain HTTP is no secure context: no Clipboard API.
    (Chromium counts every 127.x.x.x address as secure, so a name is mapped to it.)"""
    port = ui_server.rsplit(":", 1)[1]
    intranet = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-gpu",
            "--host-resolver-rules=MAP intranet.fairdraw.test 127.0.0.1",
        ],
    )
    try:
        page = intranet.new_page(viewport=DESKTOP, locale="zh-CN")
        page.goto(f"http://intranet.fairdraw.test:{port}/_ui/sample")
        assert page.evaluate("window.isSecureContext") is False
        assert page.evaluate("typeof navigator.clipboard") == "undefined"
        page.click("button[data-copy='timeline-seed']")
        status = page.locator("[data-step='seed'] .copy-status")
        status.wait_for(state="visible")
        assert status.inner_text() in ("已复制", "请选中文字后复制")
        seed = page.locator("#timeline-seed").inner_text()
        assert page.evaluate("window.getSelection().toString()") == seed  # ready to copy
    finally:
        intranet.close()


def test_without_javascript_nothing_is_broken(open_page, ui_server, tmp_path):
    page = open_page(ui_server + "/_ui/sample", PHONE, java_script_enabled=False)
    assert page.locator("button.copy").first.is_hidden()  # no dead buttons
    assert page.locator("button.print-button").is_hidden()
    page.click(f".sort-links a >> text={ZH.get('Inspections', 'Inspections')}")
    assert "sort=inspections" in page.url
    assert page.locator(".pager-status").inner_text() == "第 1/12 页"
    page.click(".pager a[rel=next]")
    assert page.locator(".pager-status").inner_text() == "第 2/12 页"
    assert "sort=inspections" in page.url and "page=2" in page.url


def test_print_hides_navigation_one_notice_per_a4_page(open_page, ui_server, tmp_path):
    page = open_page(ui_server + "/_ui/notices?n=3", DESKTOP)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".site-footer").is_hidden()
    assert page.locator(".print-button").is_hidden()
    notice = page.locator("article.notice").first
    assert notice.evaluate("e => getComputedStyle(e).breakAfter") == "page"
    assert (
        page.locator("article.notice").last.evaluate("e => getComputedStyle(e).breakAfter")
        == "auto"
    )
    qr = page.locator(".qr-svg").first.bounding_box()
    assert qr["width"] >= 25 * MM - 0.5 and abs(qr["width"] - qr["height"]) < 0.5
    assert page.evaluate("getComputedStyle(document.querySelector('.notice p')).color") == (
        "rgb(0, 0, 0)"
    )
    pdf = page.pdf(path=str(tmp_path / "notices.pdf"), prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 3
    media_box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    width, height = (float(v) for v in media_box.groups())
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 portrait in points


def test_presentation_mode_for_the_seed_ceremony(open_page, ui_server, tmp_path):
    page = open_page(ui_server + "/_ui/sample?face=console&present=1", DESKTOP)
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 36
    assert page.locator(".site-nav").is_hidden() and page.locator(".site-footer").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(tmp_path / "presentation.png"))
