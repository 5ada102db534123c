"""base.html: head for dual-core browsers, language switch, login state, footer, CSP-safe."""

import re

import pytest
from flask import render_template_string
from flask_login import UserMixin, login_user

PAGE = '{% extends "base.html" %}{% block content %}<p>正文</p>{% endblock %}'


def test_head_asks_dual_core_browsers_for_webkit(render, parse_html):
    doc = parse_html(render(PAGE))
    metas = {
        m.attrs.get("name") or m.attrs.get("http-equiv"): m.attrs.get("content")
        for m in doc.find_all("meta")
    }
    assert metas["renderer"] == "webkit"
    assert metas["X-UA-Compatible"] == "IE=edge"
    assert metas["viewport"] == "width=device-width, initial-scale=1"
    assert doc.find("html").attrs["lang"] == "zh-CN"
    assert parse_html(render(PAGE, lang="en")).find("html").attrs["lang"] == "en"
    assert doc.find("link", rel="stylesheet").attrs["href"] == "/static/site.css"
    assert doc.find("script").attrs == {"src": "/static/js/ui.js", "defer": ""}


def test_skip_link_main_column_and_flash_place(render, parse_html):
    doc = parse_html(render(PAGE))
    skip = doc.find("a", cls="skip-link")
    assert skip.attrs["href"] == "#main" and skip.text == "跳到正文"
    main = doc.by_id("main")
    assert main.tag == "main" and main.attrs["tabindex"] == "-1"
    assert doc.find("body").attrs["class"].split() == ["face-portal"]


@pytest.mark.parametrize(
    "path, lang, expected",
    [
        ("/plans/", "zh", "/plans/?lang=en"),
        (
            "/results?q=%E9%A5%AD&town=TJ&town=HX&page=3",
            "zh",
            "/results?q=%E9%A5%AD&town=TJ&town=HX&page=3&lang=en",
        ),
        ("/results?page=2", "en", "/results?page=2&lang=zh"),
    ],
)
def test_language_switch_keeps_path_and_query(render, parse_html, path, lang, expected):
    doc = parse_html(render(PAGE, lang=lang, path=path))
    switch = doc.find("span", cls="lang-switch")
    links = switch.find_all("a")
    assert len(links) == 1 and links[0].attrs["href"] == expected
    assert links[0].text == ("English" if lang == "zh" else "中文")
    current = switch.find("span", cls="current")
    assert current.attrs["aria-current"] == "true"
    assert current.text == ("中文" if lang == "zh" else "English")


class FakeUser(UserMixin):
    id = 7
    username = "planner-sc"
    role = "planner"
    active = True


def test_top_bar_shows_login_or_the_user_with_a_logout_form(ui_app, render, parse_html):
    anonymous = parse_html(render(PAGE))
    login = anonymous.find("a", cls="login-link")
    assert login.text == "工作人员登录" and login.attrs["href"] == "/login"
    assert not anonymous.find_all("form")

    with ui_app.test_request_context("/?lang=en"):
        login_user(FakeUser())
        doc = parse_html(render_template_string(PAGE))
    assert not doc.find_all("a", cls="login-link")
    assert doc.find("span", cls="who").text == "planner-sc (Planner)"
    form = doc.find("form", cls="inline")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/logout")
    token = form.find("input", name="csrf_token")
    assert token.attrs["type"] == "hidden" and len(token.attrs["value"]) > 20
    assert form.find("button").text == "Log out"


def test_face_follows_the_blueprint_and_pages_can_choose(ui_app, render, parse_html):
    with ui_app.test_request_context("/staff/?lang=zh"):
        doc = parse_html(render_template_string(PAGE))
    assert doc.find("body").attrs["class"].split() == ["face-console"]
    chosen = (
        '{% extends "base.html" %}{% block face %}workspace{% endblock %}'
        "{% block body_class %}presentation{% endblock %}"
    )
    assert parse_html(render(chosen)).find("body").attrs["class"].split() == [
        "face-workspace",
        "presentation",
    ]


def test_footer_identifies_the_site_with_demo_defaults(render, parse_html):
    footer = parse_html(render(PAGE)).find("footer", cls="site-footer")
    items = [li.text for li in footer.find_all("li")]
    assert items == [
        "主办单位：演示区人民政府办公室",
        "联系电话：0000-00000000（演示数据）",
        "网站标识码：0000000000",
        "演示ICP备00000000号",
    ]
    assert footer.find("a").attrs["href"] == "https://beian.miit.gov.cn/"


def test_footer_reads_config_and_environment(monkeypatch, new_ui_app, parse_html):
    monkeypatch.setenv("FAIRDRAW_SITE_ICP", "鲁ICP备12345678号-1")
    app = new_ui_app()
    app.config.update(FAIRDRAW_SITE_HOST="即墨区人民政府办公室", FAIRDRAW_SITE_ID="3702820001")
    with app.test_request_context("/?lang=en"):
        doc = parse_html(render_template_string(PAGE))
    items = [li.text for li in doc.find("footer").find_all("li")]
    assert items[0] == "Host organisation: 即墨区人民政府办公室"
    assert items[2] == "Site identification code: 3702820001"
    assert items[3] == "鲁ICP备12345678号-1"


def test_sample_page_has_nothing_a_strict_csp_would_block(ui_app, parse_html):
    html = ui_app.test_client().get("/_ui/sample").get_data(as_text=True)
    doc = parse_html(html)
    assert not doc.find_all("style")
    scripts = doc.find_all("script")
    assert scripts and all(s.attrs.get("src", "").startswith("/static/") for s in scripts)
    assert all(not s.text.strip() for s in scripts)
    for node in doc.iter():
        assert "style" not in node.attrs, node.tag
        assert not [a for a in node.attrs if a.startswith("on")], node.tag
    assert not re.search(r"javascript:", html, re.I)
    # every asset is served by the app: no CDN, no other host
    for node in doc.iter():
        url = node.attrs.get("src") or (node.attrs.get("href") if node.tag == "link" else None)
        if url is not None:
            assert url.startswith("/") and not url.startswith("//"), url
