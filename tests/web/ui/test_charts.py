"""Server-rendered SVG charts: valid XML, accessible, labelled, escaped, right counts."""

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from web.ui import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(chart) -> ET.Element:
    assert isinstance(chart, Markup)
    root = ET.fromstring(str(chart))  # raises on anything that is not well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def by_class(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root, name):
    return [e.text for e in by_class(root, name)]


def check_accessible(root, title):
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title_el = root.find("svg:title", NS)
    desc_el = root.find("svg:desc", NS)
    assert (title_el.get("id"), desc_el.get("id")) == (title_id, desc_id)
    assert title_el.text == title and desc_el.text
    assert texts(root, "chart-title") == [title]
    # a strict CSP (style-src 'self') refuses style attributes: there are none
    assert not [e for e in root.iter() if "style" in e.attrib]
    width, height = root.get("width"), root.get("height")
    assert root.get("viewBox") == f"0 0 {width} {height}"


@pytest.fixture(autouse=True)
def _request(ui_app):
    with ui_app.test_request_context("/?lang=zh"):
        yield


def test_bar_chart_has_one_bar_per_value_axes_and_its_numbers():
    chart = charts.bar_chart(
        ["3月", "4月", "5月", "6月"],
        [120, 95, 1430, 0],
        title="每月检查数",
        x_label="月份",
        y_label="检查数",
    )
    root = parse(chart)
    check_accessible(root, "每月检查数")
    bars = by_class(root, "bar")
    assert len(bars) == 4
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] == max(heights) and heights[3] < 1  # 1,430 tallest, 0 flat
    assert [b.find("svg:title", NS).text for b in bars] == [
        "3月: 120",
        "4月: 95",
        "5月: 1,430",
        "6月: 0",
    ]
    assert texts(root, "x-label") == ["月份"] and texts(root, "y-label") == ["检查数"]
    assert texts(root, "x-tick") == ["3月", "4月", "5月", "6月"]
    y_ticks = texts(root, "y-tick")
    assert y_ticks[0] == "0" and "1,500" in y_ticks  # nice round ticks with separators
    assert texts(root, "value") == ["120", "95", "1,430", "0"]
    assert chart.headers == ["月份", "检查数"]
    assert chart.rows == [["3月", "120"], ["4月", "95"], ["5月", "1,430"], ["6月", "0"]]


def test_long_labels_turn_the_bars_sideways_and_none_leaves_a_gap():
    bodies = [f"区第{i}个行政执法主体（很长的名称）" for i in range(12)]
    values = [i * 3 for i in range(11)] + [None]
    root = parse(
        charts.bar_chart(bodies, values, title="各主体工作量", x_label="执法主体", y_label="检查数")
    )
    bars = by_class(root, "bar")
    assert len(bars) == 11
    assert len({b.get("x") for b in bars}) == 1  # all start at the value axis: horizontal
    assert len(texts(root, "y-tick")) == 12  # every body is named
    assert texts(root, "x-label") == ["检查数"] and texts(root, "y-label") == ["执法主体"]


def test_values_and_labels_are_escaped():
    nasty = '<script>alert("x")</script> & "q"'
    chart = charts.bar_chart([nasty], [5], title=nasty, x_label=nasty, y_label="<b>")
    assert "<script>" not in str(chart)
    root = parse(chart)
    assert root.find("svg:title", NS).text == nasty
    assert by_class(root, "bar")[0].find("svg:title", NS).text == f"{nasty}: 5"
    assert texts(root, "y-label") == ["<b>"]


def test_line_chart_series_differ_by_dash_and_marker_and_are_named():
    months = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    series = [
        ("检查", [10, 20, 30, 25, 40]),
        ("发现问题", [1, 3, None, 2, 5]),
        ("列入异常", [0, 1, 0, 0, 1]),
    ]
    chart = charts.line_chart(months, series, title="趋势", x_label="月份", y_label="户数")
    root = parse(chart)
    check_accessible(root, "趋势")
    points = by_class(root, "point")
    assert len(points) == 5 + 4 + 5  # the missing value has no point
    lines = by_class(root, "line")
    assert len(lines) == 3
    assert len({line.get("stroke-dasharray") for line in lines}) == 3
    shapes = []
    for index in range(3):
        group = [g for g in by_class(root, "series") if g.get("data-series") == str(index)][0]
        kinds = {c.get("class").split()[1] for c in group if "point" in (c.get("class") or "")}
        assert len(kinds) == 1
        shapes.append(kinds.pop())
    assert len(set(shapes)) == 3
    legend = by_class(root, "legend-item")
    assert [g.findall("svg:text", NS)[-1].text for g in legend] == ["检查", "发现问题", "列入异常"]
    assert lines[1].get("d").count("M") == 2  # the gap splits the line
    assert chart.headers == ["月份", "检查", "发现问题", "列入异常"]
    assert chart.rows[2] == ["2027-03", "30", "—", "0"]


def test_histogram_counts_whole_numbers_per_value_and_bins_the_rest():
    workload = [3, 3, 4, 5, 5, 5, 9]
    chart = charts.histogram(workload, title="每人检查数", x_label="检查数", y_label="人数")
    root = parse(chart)
    check_accessible(root, "每人检查数")
    assert len(by_class(root, "bar")) == 7  # 3..9, one bin each
    assert chart.rows == [
        ["3", "2"],
        ["4", "1"],
        ["5", "3"],
        ["6", "0"],
        ["7", "0"],
        ["8", "0"],
        ["9", "1"],
    ]
    spread = charts.histogram([i * 1.5 for i in range(100)], title="t", bins=5)
    assert len(by_class(parse(spread), "bar")) == 5
    assert sum(int(r[1]) for r in spread.rows) == 100
    edges = charts.histogram([0, 5, 10, 15, 20, 99], title="t", bins=[0, 10, 20])
    assert edges.rows == [["0–10", "2"], ["10–20", "3"]]  # 99 is outside, 20 in the last


def test_empty_charts_say_no_data():
    for chart in (
        charts.bar_chart([], [], title="空"),
        charts.line_chart([], [("a", [])], title="空"),
        charts.histogram([], title="空"),
        charts.bar_chart(["a"], [None], title="空"),
    ):
        root = parse(chart)
        assert texts(root, "no-data") == ["暂无数据"]
        assert not by_class(root, "bar")


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError):
        charts.bar_chart(["a", "b"], [1], title="t")
    with pytest.raises(TypeError):
        charts.bar_chart(["a"], ["many"], title="t")
    with pytest.raises(ValueError):
        charts.line_chart(["a", "b"], [("s", [1])], title="t")


def test_nice_ticks():
    assert charts.nice_ticks(0, 95) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(0, 1430) == [0, 500, 1000, 1500]
    assert charts.nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_chart_ids_are_deterministic_and_distinct():
    a = charts.bar_chart(["x"], [1], title="A")
    b = charts.bar_chart(["x"], [2], title="A")
    assert a == charts.bar_chart(["x"], [1], title="A")
    ids = {re.search(r'id="(chart-[0-9a-f]+)-title"', str(c)).group(1) for c in (a, b)}
    assert len(ids) == 2
