"""Every macro of macros.html rendered through the app: structure, labels, ARIA, wording."""

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import flash, render_template_string, session
from werkzeug.datastructures import MultiDict

from web.ui import charts
from web.ui.states import PLAN_STATES, RESULT_STATES

UI = '{% import "macros.html" as ui %}'

PLAN_WORDS = {
    "draft": ("草稿", "Draft"),
    "frozen": ("已冻结", "Frozen"),
    "drawn": ("已抽取", "Drawn"),
    "matched": ("已匹配", "Matched"),
    "scheduled": ("已排期", "Scheduled"),
    "published": ("已公示", "Published"),
    "closed": ("已结束", "Closed"),
    "cancelled": ("已撤销", "Cancelled"),
}
RESULT_WORDS = {
    "not_entered": ("未录入", "Not entered"),
    "submitted": ("待审核", "Submitted"),
    "returned": ("已退回", "Returned"),
    "approved": ("已通过", "Approved"),
    "disclosed": ("已公开", "Disclosed"),
}


# ---------------------------------------------------------------------- badges


@pytest.mark.parametrize("state", [*PLAN_WORDS, *RESULT_WORDS])
def test_badge_has_word_icon_and_tone_in_both_locales(render, parse_html, state):
    zh, en = {**PLAN_WORDS, **RESULT_WORDS}[state]
    for lang, word in (("zh", zh), ("en", en)):
        badge = parse_html(render(UI + "{{ ui.badge(s) }}", lang=lang, s=state)).find("span")
        assert "badge" in badge.classes
        tone = [c for c in badge.classes if c.startswith("badge-")]
        assert len(tone) == 1  # colour ...
        icon = badge.find("span", cls="badge-icon")
        assert icon.attrs["aria-hidden"] == "true" and icon.text.strip()  # ... and an icon ...
        assert badge.text == icon.text + word  # ... and the word
        assert badge.attrs["data-state"] == state


def test_every_state_is_covered_and_enum_members_work(render):
    from scheduler.models import PlanState

    assert set(PLAN_STATES) == set(PLAN_WORDS) and set(RESULT_STATES) == set(RESULT_WORDS)
    for member in PlanState:
        assert member.value in PLAN_STATES
    assert "已冻结" in render(UI + "{{ ui.badge(s) }}", s=PlanState.FROZEN)
    assert "未录入" in render(UI + "{{ ui.badge(s) }}", s="Not Entered")


def test_badge_tones_distinguish_good_and_bad(render, parse_html):
    def tone(state):
        html = render(UI + "{{ ui.badge(s) }}", s=state)
        return next(c for c in parse_html(html).find("span").classes if c.startswith("badge-"))

    assert tone("published") == tone("approved") == tone("disclosed") == "badge-ok"
    assert tone("cancelled") == "badge-error"
    assert tone("returned") == "badge-warning"


def test_unknown_state_is_shown_escaped_in_a_neutral_badge(render, parse_html):
    html = render(UI + "{{ ui.badge(s) }}", s="<b>odd</b>")
    assert "<b>" not in html
    badge = parse_html(html).find("span")
    assert "badge-neutral" in badge.classes and badge.text.endswith("<b>odd</b>")


# ------------------------------------------------------------------ data table


def render_table(ui_app, sample, path, lang="zh", caller=False):
    source = UI + (
        '{% call(row, col) ui.data_table(page, caption="计划") %}'
        '{% if col.key == "name" %}<a href="/plans/{{ row.code }}">{{ row.name }}</a>{% endif %}'
        "{% endcall %}"
        if caller
        else UI + '{{ ui.data_table(page, caption="计划") }}'
    )
    joiner = "&" if "?" in path else "?"
    with ui_app.test_request_context(f"{path}{joiner}lang={lang}"):
        from flask import request

        page = sample.table().paginate(sample.rows(), request.args)
        return render_template_string(source, page=page), page


def test_table_pagination_says_page_1_of_12(ui_app, sample, parse_html):
    html, page = render_table(ui_app, sample, "/plans/?year=2027")
    assert (page.pages, page.per_page, len(page.items)) == (12, 50, 50)
    doc = parse_html(html)
    pager = doc.find("nav", cls="pager")
    assert pager.find(cls="pager-status").text == "第 1/12 页"
    assert pager.find(cls="pager-status").attrs["aria-current"] == "page"
    links = {a.text: a.attrs["href"] for a in pager.find_all("a")}
    assert set(links) == {"下一页", "末页"}  # no previous on the first page
    assert links["下一页"] == "/plans/?year=2027&lang=zh&page=2"
    assert links["末页"] == "/plans/?year=2027&lang=zh&page=12"
    assert doc.find(cls="table-count").text.strip() == "共 600 条，显示第 1–50 条"

    html, page = render_table(ui_app, sample, "/plans/?year=2027&page=12", lang="en")
    pager = parse_html(html).find("nav", cls="pager")
    assert pager.find(cls="pager-status").text == "Page 12 of 12"
    assert {a.text for a in pager.find_all("a")} == {"First", "Previous"}
    assert page.items[-1]["code"] == "SC-2027-600"


def test_sortable_headers_are_links_with_aria_sort(ui_app, sample, parse_html):
    html, _page = render_table(
        ui_app, sample, "/plans/?year=2027&sort=inspections&dir=desc&page=3", lang="en"
    )
    doc = parse_html(html)
    headers = {th.text.strip("▲▼↕"): th for th in doc.find("thead").find_all("th")}
    assert set(headers) == {
        "Plan number",
        "Name",
        "State",
        "Inspections",
        "Frozen at",
        "Digest",
        "Credit code",
    }
    assert headers["Inspections"].attrs["aria-sort"] == "descending"
    assert headers["Name"].attrs["aria-sort"] == "none"
    assert "aria-sort" not in headers["State"].attrs and not headers["State"].find_all("a")
    for label, direction in (("Inspections", "asc"), ("Name", "asc")):
        href = headers[label].find("a").attrs["href"]
        parts = urlsplit(href)
        args = parse_qs(parts.query)
        assert parts.path == "/plans/"
        assert args["sort"] == [{"Inspections": "inspections", "Name": "name"}[label]]
        assert args["dir"] == [direction]
        assert args["year"] == ["2027"] and "page" not in args  # back to page one
    assert headers["Inspections"].attrs["class"] == "num"
    # phones have no header row: the same links above the cards
    phone_links = [a.attrs["href"] for a in doc.find(cls="sort-links").find_all("a")]
    assert headers["Name"].find("a").attrs["href"] in phone_links


def test_cells_are_labelled_for_cards_and_formatted_by_kind(ui_app, sample, parse_html):
    html, page = render_table(ui_app, sample, "/plans/", caller=True)
    doc = parse_html(html)
    first = doc.find("tbody").find("tr")
    cells = first.find_all("td")
    # (labels the catalogue translates come out in Chinese)
    assert [td.attrs["data-label"] for td in cells] == [
        "计划编号",
        "名称",
        "状态",
        "检查户数",
        "Frozen at",
        "Digest",
        "Credit code",
    ]
    row = page.items[0]
    assert cells[0].find("span", cls="mono").text == row["code"]
    assert cells[1].find("a").attrs["href"] == f"/plans/{row['code']}"  # the caller's cell
    assert "badge" in cells[2].find("span").classes
    assert cells[3].attrs["class"] == "num" and cells[3].text.strip() == f"{row['inspections']:,}"
    assert cells[4].text.strip() == "2027-03-01 11:00 北京时间"
    assert cells[5].text.strip() == "3d3fea6c…3462"
    assert cells[5].find("span").attrs["title"] == sample.digest
    assert "cards" in doc.find("table").classes
    assert doc.find("caption").text == "计划"


def test_download_links_keep_the_query(ui_app, sample, parse_html):
    html, _page = render_table(ui_app, sample, "/results?q=%E9%A5%AD&sort=name&page=2")
    links = parse_html(html).find(cls="downloads").find_all("a")
    assert [a.text for a in links] == ["CSV", "XLSX (Excel)"]
    for link, fmt in zip(links, ("csv", "xlsx"), strict=True):
        args = parse_qs(urlsplit(link.attrs["href"]).query)
        assert args == {
            "q": ["饭"],
            "sort": ["name"],
            "page": ["2"],
            "lang": ["zh"],
            "format": [fmt],
        }


def test_empty_table_says_so_without_pager_or_downloads(render, parse_html, sample, ui_app):
    with ui_app.test_request_context("/?lang=zh"):
        page = sample.table().paginate([], MultiDict())
        html = render_template_string(UI + "{{ ui.data_table(page) }}", page=page)
    doc = parse_html(html)
    assert doc.find("tr", cls="empty").text.strip() == "暂无数据。"
    assert not doc.find_all("nav", cls="pager") and not doc.find_all(cls="downloads")
    assert doc.find(cls="table-count").text.strip() == "共 0 条"


# ---------------------------------------------------------- facts and timeline


def test_facts_list_pairs_labels_with_values(render, parse_html):
    html = render(
        UI + '{{ ui.facts([("计划编号", code|mono), ("状态", ui.badge("frozen")), none,'
        ' ("备注", "")]) }}',
        code="SC-2027-001",
    )
    facts = parse_html(html).find("dl", cls="facts").find_all("div", cls="fact")
    assert [f.find("dt").text for f in facts] == ["计划编号", "状态", "备注"]
    assert facts[0].find("dd").find("span", cls="mono").text == "SC-2027-001"
    assert facts[1].find("dd").text.endswith("已冻结")
    assert facts[2].find("dd").text == "—"


def test_timeline_shows_times_in_cst_digests_with_copy_buttons(render, parse_html, sample):
    from web.ui import plan_timeline

    plan = sample.plan()
    html = render(UI + "{{ ui.timeline(plan_timeline(plan)) }}", plan=plan)
    assert plan_timeline(plan)[0]["digest"] == sample.digest
    steps = parse_html(html).find("ol", cls="timeline").find_all("li")
    assert [s.attrs["data-step"] for s in steps] == ["frozen", "seed", "drawn", "published"]
    assert [s.find("h3").text for s in steps] == [
        "名录冻结",
        "随机种子已设定",
        "已抽取检查对象",
        "计划已公示",
    ]
    frozen = steps[0]
    time = frozen.find("time")
    assert time.text == "2027-02-20 10:00 北京时间"
    assert time.attrs["datetime"] == "2027-02-20T10:00:00+08:00"
    code = frozen.find("code", cls="digest-value")
    assert code.text == sample.digest  # whole, selectable
    button = frozen.find("button", cls="copy")
    assert button.attrs["data-copy"] == code.attrs["id"]
    assert "hidden" in button.attrs  # shown by ui.js only
    assert button.attrs["type"] == "button" and button.text == "复制"
    assert frozen.find(cls="digest-label").text == "名录摘要（SHA-256）"
    assert steps[1].find("code").text == sample.seed
    assert "done" in steps[2].classes and not steps[2].find_all("code")
    assert "pending" in steps[3].classes
    assert steps[3].find(cls="step-time").text == "尚未进行" and not steps[3].find_all("time")

    english = parse_html(render(UI + "{{ ui.timeline(plan_timeline(plan)) }}", "en", plan=plan))
    first = english.find("li")
    assert first.find("h3").text == "Population frozen"
    assert first.find("time").text == "2027-02-20 10:00 China Standard Time (UTC+8)"


def test_timeline_accepts_custom_steps(render, parse_html):
    steps = [
        {
            "key": "bundle",
            "label": "验证包",
            "at": "2027-03-01T02:00:00Z",
            "digest": "ab" * 32,
            "note": "可下载",
        }
    ]
    li = parse_html(render(UI + "{{ ui.timeline(steps) }}", steps=steps)).find("li")
    assert li.find("h3").text == "验证包" and li.find("time").text == "2027-03-01 10:00 北京时间"
    assert li.find(cls="digest-label").text == "摘要（SHA-256）"
    assert li.find("p", cls="step-note").text == "可下载"


# ----------------------------------------------------------------------- charts


def test_chart_figure_has_svg_caption_and_numbers_table(ui_app, parse_html):
    with ui_app.test_request_context("/?lang=zh"):
        chart = charts.bar_chart(
            ["3月", "4月"], [1200, 95], title="每月检查数", x_label="月份", y_label="检查数"
        )
        html = render_template_string(UI + '{{ ui.chart(c, caption="来源：本系统") }}', c=chart)
    figure = parse_html(html).find("figure", cls="chart")
    svg = figure.find("svg")
    assert svg.attrs["role"] == "img"
    assert figure.find("figcaption").text == "来源：本系统"
    details = figure.find("details", cls="chart-data")
    assert "open" in details.attrs and details.find("summary").text == "图表数据"
    table = details.find("table")
    assert [th.text for th in table.find("thead").find_all("th")] == ["月份", "检查数"]
    assert [[c.text for c in tr.find_all()] for tr in table.find("tbody").find_all("tr")] == [
        ["3月", "1,200"],
        ["4月", "95"],
    ]
    assert table.find("caption").text == "每月检查数"


# ------------------------------------------------------------------------ forms


FORM = (
    UI
    + """
{{ ui.error_summary(errors, {"uscc": "统一社会信用代码", "category": "检查结果"}) }}
{{ ui.field("uscc", "统一社会信用代码", value=typed, error=errors.get("uscc"), hint="18 位",
            required=true) }}
{{ ui.field("password", "密码", value="secret", type="password") }}
{{ ui.choices("category", "检查结果", [("OK", "未发现问题"), ("X", "未按规定公示")],
              selected=["X"], error=errors.get("category")) }}
{{ ui.select("town", "镇街", [("TJ", "通济街道"), ("HX", "环秀街道")], selected="HX", blank="—") }}
{{ ui.textarea("findings", "检查情况", value=typed) }}
{{ ui.button("提交") }}{{ ui.csrf() }}
"""
)


def test_field_shows_its_label_error_and_what_was_typed(render, parse_html):
    typed = '9137<"x">'
    errors = {"uscc": ["校验位错误", "长度应为 18 位"], "category": "请选择", "_schema": "整体错误"}
    doc = parse_html(render(FORM, typed=typed, errors=errors))
    field = doc.find("input", id="f-uscc")
    assert field.attrs["value"] == typed  # kept, escaped by the parser round trip
    assert field.attrs["aria-invalid"] == "true"
    described = field.attrs["aria-describedby"].split()
    assert described == ["f-uscc-hint", "f-uscc-error"]
    assert doc.by_id("f-uscc-error").text == "错误： 校验位错误 长度应为 18 位"
    assert doc.by_id("f-uscc-hint").text == "18 位"
    label = doc.find("label", for_="f-uscc")
    assert label.text.startswith("统一社会信用代码") and "（必填）" in label.text
    assert "required" in field.attrs
    assert "has-error" in field.parent.classes
    assert "value" not in doc.find("input", id="f-password").attrs  # never echoed
    assert "aria-invalid" not in doc.find("input", id="f-password").attrs
    assert doc.find("option", value="HX").attrs.get("selected") is not None
    assert "selected" not in doc.find("option", value="TJ").attrs
    assert doc.find("textarea", id="f-findings").text.strip() == typed
    assert doc.find("input", type="hidden").attrs["name"] == "csrf_token"


def test_error_summary_links_to_each_field_id(render, parse_html):
    errors = {"uscc": "校验位错误", "category": ["请选择"], "_schema": "整体错误"}
    doc = parse_html(render(FORM, typed="", errors=errors))
    summary = doc.find("div", cls="error-summary")
    assert summary.attrs["role"] == "alert" and summary.attrs["tabindex"] == "-1"
    assert summary.find("h2").text == "请更正以下内容："
    links = summary.find_all("a")
    assert [(a.attrs["href"], a.text) for a in links] == [
        ("#f-uscc", "统一社会信用代码：校验位错误"),
        ("#f-category", "检查结果：请选择"),
    ]
    for link in links:
        target = doc.by_id(link.attrs["href"][1:])
        assert target.tag == "input"  # a focusable control, the first choice for a group
    assert [li.text for li in summary.find_all("li")][-1] == "整体错误"  # not tied to a field
    group = doc.find("fieldset", id="f-category-group")
    assert group.find("legend").text == "检查结果"
    assert group.attrs["aria-describedby"] == "f-category-error"
    boxes = group.find_all("input")
    assert [b.attrs["type"] for b in boxes] == ["checkbox", "checkbox"]
    assert ["checked" in b.attrs for b in boxes] == [False, True]
    assert all(b.attrs["aria-invalid"] == "true" for b in boxes)
    assert [lab.text.strip() for lab in group.find_all("label", cls="choice")] == [
        "未发现问题",
        "未按规定公示",
    ]


def test_no_errors_no_summary_no_invalid_marks(render, parse_html):
    doc = parse_html(render(FORM, typed="x", errors={}))
    assert not doc.find_all(cls="error-summary")
    assert not [n for n in doc.iter() if "aria-invalid" in n.attrs]
    assert doc.find("input", id="f-uscc").attrs["aria-describedby"] == "f-uscc-hint"


def test_radios_keep_a_single_choice(render, parse_html):
    html = render(
        UI
        + '{{ ui.choices("kind", "类型", [(1, "随机"), (2, "重点")], selected=2, multiple=false) }}'
    )
    radios = parse_html(html).find_all("input")
    assert [r.attrs["type"] for r in radios] == ["radio", "radio"]
    assert ["checked" in r.attrs for r in radios] == [False, True]


# ---------------------------------------------------------------- flash messages


def test_flashes_one_per_action_with_roles(ui_app, parse_html):
    with ui_app.test_request_context("/?lang=zh"):
        flash("用户名或密码错误。", "error")
        flash(("计划已冻结。", "下一步：在公开仪式上输入随机种子。"), "ok")
        flash("已保存。")
        html = render_template_string(UI + "{{ ui.flashes() }}")
        assert "_flashes" not in session  # shown once, then gone
    messages = parse_html(html).find(cls="flashes").find_all("p")
    assert [(m.attrs["role"], m.classes) for m in messages] == [
        ("alert", {"flash", "flash-error"}),
        ("status", {"flash", "flash-ok"}),
        ("status", {"flash", "flash-info"}),
    ]
    assert messages[0].text == "用户名或密码错误。"
    assert messages[1].find("strong").text == "计划已冻结。"
    assert messages[1].find("span", cls="flash-next").text == "下一步：在公开仪式上输入随机种子。"


# ---------------------------------------------------------- printing and QR


def test_notice_wrapper_qr_and_print_button(render, parse_html):
    html = render(
        UI + '{% call ui.notice("随机抽查告知书", number="SC-2027-001-7") %}<p>正文</p>'
        '{{ ui.qr("https://x.example/check/abc") }}{% endcall %}{{ ui.print_button() }}'
    )
    doc = parse_html(html)
    notice = doc.find("article", cls="notice")
    assert notice.find("h2").text == "随机抽查告知书"
    assert notice.find(cls="notice-number").text == "编号 SC-2027-001-7"
    assert notice.find("p", cls=None).text
    qr = notice.find("figure", cls="qr")
    assert qr.find("svg").attrs["width"] == "30mm"
    assert qr.find(cls="qr-url").text == "https://x.example/check/abc"
    assert qr.find("figcaption").text.startswith("扫码核验")
    button = doc.find("button", cls="print-button")
    assert "data-print" in button.attrs and "hidden" in button.attrs and button.text == "打印"


def test_figures_format_counts(render, parse_html):
    items = parse_html(
        render(UI + '{{ ui.figures([(217000, "户"), ("12.5%", "比例")]) }}')
    ).find_all("li")
    assert [i.find("strong").text for i in items] == ["217,000", "12.5%"]


def test_keep_args_carries_the_sort_into_a_filter_form(ui_app, parse_html):
    source = UI + '<form method="get">{{ ui.keep_args(["sort", "dir", "town"]) }}</form>'
    with ui_app.test_request_context("/results?sort=name&dir=desc&town=TJ&town=HX&page=4"):
        doc = parse_html(render_template_string(source))
    kept = [(i.attrs["name"], i.attrs["value"]) for i in doc.find_all("input")]
    assert kept == [("sort", "name"), ("dir", "desc"), ("town", "TJ"), ("town", "HX")]
    assert all(i.attrs["type"] == "hidden" for i in doc.find_all("input"))


def test_button_macro(render, parse_html):
    doc = parse_html(
        render(
            UI + '{{ ui.button("退回", kind="danger", name="action", value="return",'
            ' attrs={"data-x": "<y>"}) }}'
        )
    )
    button = doc.find("button")
    assert button.classes == {"button", "danger"} and button.text == "退回"
    assert (button.attrs["type"], button.attrs["name"], button.attrs["value"]) == (
        "submit",
        "action",
        "return",
    )
    assert button.attrs["data-x"] == "<y>"
