"""On a phone (360 px): an officer enters a result with a photo, a planner returns it,
the officer corrects it, the planner approves and discloses it (planner side by the
services: the console's review page is not built yet)."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import ResultAttachment
from scheduler.results import lifecycle

pytestmark = pytest.mark.browser

PLANNER = Actor("plan1", "planner", "SC")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 4000


@pytest.fixture(autouse=True)
def _attachments(monkeypatch, tmp_path):
    """The served app stores photos in the test's folder, not the instance folder."""
    monkeypatch.setenv("FAIRDRAW_ATTACHMENTS_DIR", str(tmp_path / "attachments"))


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_officer_enters_with_photo_is_returned_corrects_and_gets_disclosed(
    phone, live_server, workspace, db_session, tmp_path, app
):
    plan, insps, teams, logins = workspace
    insp = insps[0]
    me = teams[insp.id][0]
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(JPEG)
    page = phone

    page.goto(live_server + "/login")
    page.fill("input[name=username]", logins[me])
    page.fill("input[name=password]", "officer-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/me/")
    assert "我的检查任务" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    page.click(f"text={insp.entity.name}")
    page.wait_for_url(f"{live_server}/me/inspections/{insp.id}")
    assert page.locator(".qr-svg").count() == 1

    # the photo first, from the phone's camera input
    page.set_input_files("#f-photo", str(photo))
    page.click("text=上传")
    page.wait_for_url(f"{live_server}/me/inspections/{insp.id}#photos")
    assert "照片已上传" in page.inner_text("main")

    # a finding without findings text is refused, and what was tapped stays
    page.click("label.choice:has-text('发现问题待后续处理')")
    page.fill("#f-inspected_on", "2026-09-10")
    page.click("text=提交审核")
    assert page.locator(".error-summary").count() == 1
    assert page.locator("input[value=PENDING]").is_checked()
    page.fill("#f-findings", "未按规定公示年度报告")
    page.click("text=提交审核")
    assert "检查结果已提交" in page.inner_text("main")
    target = page.locator("label.choice").first.bounding_box()
    assert target["height"] >= 44  # large tappable choices

    # the planner returns it
    db_session.expire_all()
    lifecycle.review(db_session, plan.code, insp.uscc, "return", PLANNER, reason="请补充整改期限")
    db_session.commit()
    page.goto(live_server + "/me/")
    assert "请补充整改期限" in page.inner_text("#group-returned")
    page.click(f"#group-returned >> text={insp.entity.name}")
    page.fill("#f-follow_up", "责令十日内补报")
    page.fill("#f-follow_up_due", "2026-09-20")
    page.click("text=提交审核")
    assert "检查结果已提交" in page.inner_text("main")

    # the planner approves and discloses
    db_session.expire_all()
    lifecycle.review(db_session, plan.code, insp.uscc, "approve", PLANNER)
    lifecycle.disclose(db_session, plan.code, PLANNER, uscc=insp.uscc)
    db_session.commit()
    page.goto(live_server + "/me/")
    done = page.inner_text("#group-done")
    assert insp.entity.name in done and "已公开" in done
    result = lifecycle.get_result(db_session, insp.id, plan.lead_body_id)
    version = lifecycle.current_version(result)
    assert version.follow_up_due == dt.date(2026, 9, 20) and version.return_reason
    assert [c.code for c in version.categories] == ["PENDING"]
    att = db_session.scalars(select(ResultAttachment)).one()
    assert att.result_id == result.id and att.size == len(JPEG)
    page.screenshot(path=str(tmp_path / "me.png"), full_page=True)
