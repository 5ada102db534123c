"""Fixtures of the UI kit's tests: the real app with the kit's Chinese merged into the
catalogue (as `make translations` will do once fill_zh gathers web/**/zh.py), a render
helper, a tiny HTML tree, and a test-only sample page built from every macro."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[3]
DIGEST = "3d3fea6c0b1d4e5f60718293a4b5c6d7e8f901122334455667788990aabb3462"
SEED = "31415926535897932384626433"


# ------------------------------------------------------------------ translations


@pytest.fixture(scope="session")
def ui_translations(tmp_path_factory) -> Path:
    """A translations folder: the project's zh catalogue plus web/ui/zh.py, compiled."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from web.ui.zh import ZH

    folder = tmp_path_factory.mktemp("translations")
    for lang in ("zh", "en"):
        with open(ROOT / "web/translations" / lang / "LC_MESSAGES/messages.po", "rb") as f:
            catalog = read_po(f, locale=lang)
        if lang == "zh":
            for msgid, text in ZH.items():
                if msgid in catalog:
                    catalog[msgid].string = text
                else:
                    catalog.add(msgid, text)
        out = folder / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with open(out / "messages.mo", "wb") as f:
            write_mo(f, catalog)
    return folder


@pytest.fixture(autouse=True)
def fresh_translations():
    """flask-babel caches catalogues per locale on the one `Babel` object that every app
    of the process shares, whatever its folder: start and end each test with it empty."""
    from web import babel

    def clear():
        domain = babel.__dict__.get("domain_instance")  # a cached_property, once used
        if domain is not None:
            domain.cache.clear()

    clear()
    yield
    clear()


# ------------------------------------------------------------------------ app


SAMPLE = """
{%- extends "base.html" %}
{%- import "macros.html" as ui %}
{%- block title %}UI sample{% endblock %}
{%- block face %}{{ face }}{% endblock %}
{%- block body_class %}{{ "presentation" if present else "" }}{% endblock %}
{%- block content %}
<h1>{{ plan.name }}</h1>
<p class="intro">{{ intro }}</p>
<p>{% for state in ui_states %}{{ ui.badge(state) }} {% endfor %}</p>
{{ ui.figures([(217000, "户市场主体"), (2304, "名执法人员")]) }}
{{ ui.facts([("计划编号", plan.code|mono), ("状态", ui.badge(plan.state)),
              ("抽查时间", plan.start|date_long), none, ("备注", none)]) }}
{{ ui.timeline(plan_timeline(plan)) }}
{{ ui.error_summary(errors, labels) }}
<form method="post" class="sample-form">
  {{ ui.field("uscc", "统一社会信用代码", value=values.uscc, error=errors.uscc, hint="18 位",
              required=true) }}
  {{ ui.choices("category", "检查结果",
                [("OK", "未发现问题"), ("NOT_DISCLOSED", "未按规定公示应当公示的信息")],
                selected=values.category, error=errors.category) }}
  {{ ui.select("town", "镇街", [("TJ", "通济街道"), ("HX", "环秀街道")], selected="HX",
               blank="—") }}
  {{ ui.textarea("findings", "检查情况", value="<b>kept</b>") }}
  {{ ui.button("提交") }} {{ ui.button("保存草稿", kind="secondary") }}
</form>
{% call(row, col) ui.data_table(page, caption="抽查计划") -%}
  {%- if col.key == "name" %}<a href="#{{ row.code }}">{{ row.name }}</a>{% endif -%}
{%- endcall %}
{{ ui.chart(bar) }}
{{ ui.chart(line) }}
{{ ui.chart(bodies, caption="各执法主体本月完成的检查数") }}
{{ ui.chart(workload) }}
{{ ui.print_button() }}
{% for n in range(2) %}
{% call ui.notice("随机抽查告知书", number="SC-2027-001-" ~ n) %}
<p>检查对象：测试主体{{ n }}</p>
{{ ui.qr("http://127.0.0.1/check/abcdefghijklmnopqrstuvwx" ~ n) }}
{% endcall %}
{% endfor %}
{%- endblock %}
"""


NOTICES = """
{%- extends "base.html" %}
{%- import "macros.html" as ui %}
{%- block content %}
{{ ui.print_button() }}
{%- for n in range(count) %}
{% call ui.notice("随机抽查告知书", number="SC-2027-001-" ~ n) %}
{{ ui.facts([("检查对象", "测试主体" ~ n), ("统一社会信用代码", "91370282MA3C4D5E6F"|mono),
             ("检查日期", "2027-03-0" ~ (n + 1))]) }}
<p>根据《市场监督管理行政执法程序规定》，现对你单位进行随机抽查，请予配合。</p>
{{ ui.qr("http://127.0.0.1/check/abcdefghijklmnopqrstuvwx" ~ n) }}
{% endcall %}
{%- endfor %}
{%- endblock %}
"""
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)


def sample_rows(n: int = 600) -> list[dict]:
    states = ["draft", "frozen", "drawn", "published", "closed", "cancelled"]
    return [
        {
            "code": f"SC-2027-{i:03d}",
            "name": f"2027年第{i}批市场监管领域随机抽查计划（长名称用来检查换行）",
            "state": states[i % len(states)],
            "inspections": (i * 37) % 1200,
            "frozen_at": dt.datetime(2027, 3, 1, 2, 0) + dt.timedelta(hours=i),
            "digest": DIGEST,
            "uscc": "91370282MA3C4D5E6F",
        }
        for i in range(1, n + 1)
    ]


def sample_table():
    from web.ui.tables import Column, Table

    return Table(
        [
            Column("code", "Plan number", sortable=True, kind="mono"),
            Column("name", "Name", sortable=True),
            Column("state", "State", kind="state"),
            Column("inspections", "Inspections", sortable=True, numeric=True),
            Column("frozen_at", "Frozen at", sortable=True, kind="datetime"),
            Column("digest", "Digest", kind="digest"),
            Column("uscc", "Credit code", kind="mono"),
        ],
        default_sort="code",
    )


def sample_plan():
    return SimpleNamespace(
        code="SC-2027-001",
        name="2027年第一批市场监管随机抽查",
        state="published",
        start=dt.date(2027, 3, 1),
        frozen_at=dt.datetime(2027, 2, 20, 2, 0),
        population_digest=DIGEST,
        seeded_at=dt.datetime(2027, 2, 21, 1, 30),
        seed=SEED,
        drawn_at=dt.datetime(2027, 2, 21, 1, 31),
        published_at=None,
    )


def make_ui_app(translations: Path):
    from flask import Blueprint, flash, render_template_string, request

    from web import create_app
    from web.access import public
    from web.ui import charts

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "FAIRDRAW_CHECK_SCHEMA": False,  # pages only: the sample touches no table
            "FAIRDRAW_ENV": "test",
            "SECRET_KEY": "ui-test",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
        }
    )
    sample = Blueprint("ui_sample", __name__)  # test-only: never in production code

    @sample.route("/_ui/sample")
    @public
    def page():
        table = sample_table()
        page = table.paginate(sample_rows(), request.args)
        if page.format:
            return page.download("样例计划")
        flash("计划已冻结。", "ok")
        flash(("种子已设定。", "下一步：抽取检查对象。"), "info")
        months = ["2027-03", "2027-04", "2027-05", "2027-06"]
        return render_template_string(
            SAMPLE,
            page=page,
            plan=sample_plan(),
            intro=(
                "随机抽取检查对象，随机选派执法检查人员，抽查情况及查处结果及时向社会公开。"
                "这一段文字足够长，用来检查段落在桌面上的宽度不超过四十个汉字，"
                "并在手机上正常换行而不出现横向滚动。"
            ),
            face=request.args.get("face", "portal"),
            present=request.args.get("present") == "1",
            errors={"uscc": "校验位错误", "category": ["请至少选择一项"]},
            labels={"uscc": "统一社会信用代码", "category": "检查结果"},
            values={"uscc": "91370282<MA3C4D5E6X", "category": ["NOT_DISCLOSED"]},
            bar=charts.bar_chart(
                months, [120, 95, 143, 80], title="每月检查数", x_label="月份", y_label="检查数"
            ),
            bodies=charts.bar_chart(
                [
                    "区市场监督管理局",
                    "区综合行政执法局",
                    "青岛市生态环境局即墨分局",
                    "区交通运输局",
                ],
                [520, 454, 110, 160],
                title="各执法主体检查数",
                x_label="执法主体",
                y_label="检查数",
            ),
            workload=charts.histogram(
                [(i * 7) % 23 for i in range(120)],
                title="每名执法人员的检查数",
                x_label="检查数",
                y_label="人数",
            ),
            line=charts.line_chart(
                months,
                [("检查", [120, 95, 143, 80]), ("发现问题", [12, 9, None, 7])],
                title="检查与发现问题",
                x_label="月份",
                y_label="户数",
            ),
        )

    @sample.route("/_ui/notices")
    @public
    def notices():
        return render_template_string(NOTICES, count=int(request.args.get("n", "3")))

    @sample.after_app_request
    def strict_csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    app.register_blueprint(sample)
    return app


@pytest.fixture(scope="session")
def ui_app(ui_translations):
    return make_ui_app(ui_translations)


@pytest.fixture
def new_ui_app(ui_translations):
    """Make another app like ui_app (after changing the environment, say)."""
    return lambda: make_ui_app(ui_translations)


@pytest.fixture
def render(ui_app):
    """render(source, lang="zh", path="/", **context) -> HTML, in a request of `path`."""
    from flask import render_template_string

    def _render(source: str, lang: str = "zh", path: str = "/", **context) -> str:
        joiner = "&" if "?" in path else "?"
        with ui_app.test_request_context(f"{path}{joiner}lang={lang}"):
            return render_template_string(source, **context)

    return _render


# --------------------------------------------------------------- HTML helper

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        found = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.classes:
                continue
            if any(node.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]

    def by_id(self, ident: str) -> Node:
        return self.find(id=ident)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


@pytest.fixture(name="parse_html")
def parse_html_fixture():
    return parse


@pytest.fixture(name="sample")
def sample_fixture():
    return SimpleNamespace(
        rows=sample_rows, table=sample_table, plan=sample_plan, digest=DIGEST, seed=SEED
    )
