"""Security headers, no inline script anywhere, the proxy set-up, and the input guard:
bad bytes and over-long values answer 400 (never 500) on both databases."""

from __future__ import annotations

import pathlib
import re

import pytest

from tests.conftest import make_app

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_security_headers_on_pages_and_errors(client):
    for path in ("/", "/login", "/no-such-page"):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in resp.headers["Permissions-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in resp.headers  # plain HTTP


def test_hsts_over_https_only(client):
    resp = client.get("/", base_url="https://fairdraw.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_forwarded_proto_is_trusted_only_behind_a_configured_proxy(migrated_url):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    direct = make_app(migrated_url).test_client().get("/login", headers=headers)
    assert "Strict-Transport-Security" not in direct.headers
    behind = make_app(migrated_url, FAIRDRAW_PROXIES=1).test_client().get("/login", headers=headers)
    assert "Strict-Transport-Security" in behind.headers


def test_no_inline_script_or_handler_in_any_template():
    templates = [p for p in (ROOT / "web").rglob("*.html")]
    assert templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert "src=" in tag, f"{path}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"{path}: inline event handler"
        assert not re.search(r"\sstyle\s*=", text, re.I), f"{path}: inline style"
        assert "javascript:" not in text.lower(), f"{path}: javascript: URL"


def test_rendered_pages_have_no_inline_script(client):
    for path in ("/", "/login"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            assert "src=" in tag


@pytest.mark.parametrize(
    "url",
    ["/plans/%00/commitment.json", "/plans/SC-2027-001%00/bundle.json", "/%00", "/p/" + "A" * 2000],
)
def test_bad_bytes_in_a_url_path_answer_404(client, url):
    resp = client.get(url)
    assert resp.status_code == 404, (url, resp.status_code)
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "SELECT" not in body


@pytest.mark.parametrize(
    "url",
    ["/login?next=%00", "/login?x=" + "a" * 5000, "/staff/?q=%0d%0aSet-Cookie:x"],
)
def test_bad_bytes_in_a_query_answer_400(client, url):
    resp = client.get(url)
    assert resp.status_code == 400, (url, resp.status_code)
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "SELECT" not in body
    assert "不允许的字符" in body and "forbidden character" in body


@pytest.mark.parametrize(
    "data",
    [
        {"username": "plan1\x00", "password": "planner-pass-1"},
        {"username": "plan1", "password": "pass\x00word"},
        {"username\x00": "plan1", "password": "x"},
    ],
)
def test_bad_bytes_in_a_form_answer_400(client, users, data):
    resp = client.post("/login", data=data)
    assert resp.status_code == 400
    assert "forbidden character" in resp.get_data(as_text=True)


def test_text_areas_keep_newlines_and_tabs(client, users):
    resp = client.post("/login", data={"username": "plan1", "password": "a\tb\r\nc"})
    assert resp.status_code == 401  # a wrong password, not a bad request


def test_an_internal_error_page_leaks_nothing(migrated_url):
    app = make_app(migrated_url, PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM user WHERE password = 'hunter2'")

    resp = app.test_client().get("/boom")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "hunter2" not in body and "RuntimeError" not in body and "Traceback" not in body
    assert "服务器内部错误" in body and "Internal server error" in body
