"""One error handler: bilingual HTML pages, the JSON envelope under /api/, nothing leaked."""

import pytest
import sqlalchemy as sa
from flask import Blueprint

from scheduler.db import db
from scheduler.errors import Forbidden, Invalid, Msg, PlanNotFound
from web.access import public


@pytest.fixture(name="client")
def client_fixture(app):
    """The app with routes that fail in each way, as production runs it (no propagation)."""
    bp = Blueprint("errortest", __name__)

    @bp.route("/api/test/missing")
    @bp.route("/test/missing")
    @public
    def missing():
        raise PlanNotFound.of("NOPE-1")

    @bp.route("/api/test/invalid", methods=["POST"])
    @public
    def invalid():
        raise Invalid(
            Msg("计划文件有误", "the plan file is invalid"),
            [{"field": "items", "message": Msg("未知抽查事项 'X'", "unknown item code 'X'")}],
        )

    @bp.route("/test/forbidden")
    @public
    def forbidden():
        raise Forbidden(Msg("无权操作", "not allowed"), [Msg("只有牵头主体", "only the lead body")])

    @bp.route("/test/crash")
    @bp.route("/api/test/crash")
    @public
    def crash():
        db.session.execute(sa.text("SELECT secret_column FROM no_such_table"))

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def test_unknown_page_is_404_in_both_languages_chinese_first(client):
    resp = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert html.index("页面不存在") < html.index("Page not found")


def test_domain_error_on_a_page_shows_its_message_and_details(client):
    resp = client.get("/test/forbidden")
    assert resp.status_code == 403
    html = resp.get_data(as_text=True)
    assert "无权操作" in html and "not allowed" in html
    assert "只有牵头主体 / only the lead body" in html


def test_api_gets_the_json_envelope_in_the_requests_language(client):
    zh = client.get("/api/test/missing")
    assert zh.status_code == 404
    assert zh.get_json() == {
        "errors": [{"code": "plan_not_found", "message": "没有编号为 NOPE-1 的计划", "field": None}]
    }
    en = client.get("/api/test/missing?lang=en")
    assert en.get_json()["errors"][0]["message"] == "no plan with code 'NOPE-1'"
    bad = client.post("/api/test/invalid", headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [
        {"code": "invalid", "message": "the plan file is invalid", "field": None},
        {"code": "invalid", "message": "unknown item code 'X'", "field": "items"},
    ]
    # werkzeug's own errors use the same envelope
    nothing = client.get("/api/no/such/thing")
    assert nothing.status_code == 404
    assert nothing.get_json()["errors"][0]["code"] == "not_found"
    # ... and so do the public .json files
    commitment = client.get("/plans/NOPE-1/commitment.json")
    assert commitment.status_code == 404
    assert commitment.get_json()["errors"][0]["code"] == "plan_not_found"


def test_a_crash_is_a_generic_500_that_leaks_nothing(client, caplog):
    resp = client.get("/test/crash")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "服务器内部错误" in html and "Internal server error" in html
    for leak in ("secret_column", "no_such_table", "SELECT", "Traceback", "sqlalchemy"):
        assert leak not in html
    # The traceback goes to the log instead.
    assert any("no_such_table" in str(r.exc_info) for r in caplog.records if r.exc_info)
    api = client.get("/api/test/crash")
    assert api.status_code == 500
    assert api.get_json()["errors"][0]["code"] == "internal_error"
    assert "no_such_table" not in api.get_data(as_text=True)
    # The session was rolled back: the next request works.
    assert client.get("/healthz").status_code == 200


def test_wrong_method_keeps_the_allow_header(client):
    resp = client.post("/")
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]


def test_missing_csrf_token_explains_itself(csrf_app, users):
    resp = csrf_app.test_client().post("/login", data={"username": "plan1", "password": "x"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "安全令牌" in html and "security token" in html
