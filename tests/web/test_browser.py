"""Browser tests: a person logs in and finds the pages in Chinese, then in English."""

import pytest

from scheduler.actors import Actor
from scheduler.users import create_user

ACTOR = Actor.system("test")

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_planner_logs_in_and_out(page, live_server, db_session, tmp_path):
    create_user(db_session, "planner-sc", "planner-pass-9", "planner", body_code="SC", actor=ACTOR)
    db_session.commit()

    page.goto(live_server + "/")
    assert "双随机、一公开" in page.content()
    page.click("text=工作人员登录")
    page.fill("input[name=username]", "planner-sc")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误。"

    page.fill("input[name=username]", "planner-sc")
    page.fill("input[name=password]", "planner-pass-9")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/staff/")
    assert "当前用户 planner-sc，角色：计划员" in page.inner_text("main")
    assert "区市场监督管理局" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "staff.png"))

    page.click("text=English")
    assert "Logged in as planner-sc, role Planner." in page.inner_text("main")
    page.click("text=Log out")
    page.wait_for_url(live_server + "/")
    assert page.locator("text=Staff login").count() == 1
