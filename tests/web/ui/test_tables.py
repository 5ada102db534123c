"""Server-side tables: whitelisted arguments, stable order, clamped pages, and downloads
that no spreadsheet runs as formulas."""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.datastructures import MultiDict

from web.translations.fill_zh import gather
from web.ui.tables import Column, Table, csv_bytes, csv_response, neutralise, xlsx_bytes


def people_table(**kw):
    return Table(
        [
            Column("name", "Name", sortable=True),
            Column("town", "Town", sortable=True),
            Column("count", "Count", sortable=True, numeric=True),
            Column("note", "Note"),
        ],
        **kw,
    )


# ------------------------------------------------------------- argument whitelist


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, ("name", "asc", 1, 50, None)),
        (
            {"sort": "town", "dir": "desc", "page": "3", "per_page": "20"},
            ("town", "desc", 3, 20, None),
        ),
        ({"sort": "note"}, ("name", "asc", 1, 50, None)),  # not sortable
        ({"sort": "password; drop table"}, ("name", "asc", 1, 50, None)),
        ({"dir": "sideways"}, ("name", "asc", 1, 50, None)),
        ({"page": "abc"}, ("name", "asc", 1, 50, None)),
        ({"page": "-3"}, ("name", "asc", 1, 50, None)),
        ({"page": "0"}, ("name", "asc", 1, 50, None)),
        ({"page": "1e3"}, ("name", "asc", 1, 50, None)),
        ({"page": "99999999999999999999999"}, ("name", "asc", 10**9, 50, None)),
        ({"per_page": "1000"}, ("name", "asc", 1, 50, None)),
        ({"per_page": "0"}, ("name", "asc", 1, 50, None)),
        ({"format": "csv"}, ("name", "asc", 1, 50, "csv")),
        ({"format": "xlsx"}, ("name", "asc", 1, 50, "xlsx")),
        ({"format": "pdf"}, ("name", "asc", 1, 50, None)),
    ],
)
def test_arguments_are_whitelisted(args, expected):
    parsed = people_table(default_sort="name").parse(MultiDict(args))
    assert (parsed.sort, parsed.dir, parsed.page, parsed.per_page, parsed.format) == expected


def test_prefixed_arguments_keep_two_tables_apart():
    table = people_table(default_sort="name", prefix="t2-")
    parsed = table.parse(MultiDict({"sort": "town", "t2-sort": "count", "t2-page": "2"}))
    assert (parsed.sort, parsed.page) == ("count", 2)


def test_a_table_refuses_a_default_sort_that_is_not_sortable():
    with pytest.raises(ValueError):
        people_table(default_sort="note")
    with pytest.raises(ValueError):
        Column("x", "X", kind="colour")


# ------------------------------------------------------------------- list mode


def rows(n):
    towns = ["TJ", "HX", "CH"]
    return [
        {"name": f"P{i:03d}", "town": towns[i % 3], "count": (i * 7) % 5 or None, "note": ""}
        for i in range(n)
    ]


def test_list_sorting_is_stable_for_ties_in_both_directions(ui_app):
    data = rows(30)
    table = people_table(default_sort="name", per_page=50)
    with ui_app.test_request_context("/"):
        asc = table.paginate(data, MultiDict({"sort": "town"})).items
        desc = table.paginate(data, MultiDict({"sort": "town", "dir": "desc"})).items
    # ties keep the input order, whichever way the column is sorted
    assert [r["name"] for r in asc if r["town"] == "HX"] == [
        r["name"] for r in data if r["town"] == "HX"
    ]
    assert [r["town"] for r in asc] == sorted(r["town"] for r in data)
    assert [r["town"] for r in desc] == sorted((r["town"] for r in data), reverse=True)
    assert [r["name"] for r in desc if r["town"] == "TJ"] == [
        r["name"] for r in data if r["town"] == "TJ"
    ]


def test_empty_values_sort_last_both_ways(ui_app):
    data = rows(20)
    table = people_table(default_sort="name")
    with ui_app.test_request_context("/"):
        for direction in ("asc", "desc"):
            items = table.paginate(data, MultiDict({"sort": "count", "dir": direction})).items
            counts = [r["count"] for r in items]
            first_none = counts.index(None)
            assert all(c is None for c in counts[first_none:])
            assert counts[:first_none] == sorted(counts[:first_none], reverse=direction == "desc")


def test_pages_are_clamped_and_cover_every_row_once(ui_app):
    data = rows(123)
    table = people_table(default_sort="name")
    with ui_app.test_request_context("/"):
        last = table.paginate(data, MultiDict({"page": "99", "per_page": "20"}))
        assert (last.page, last.pages, last.total) == (7, 7, 123)
        assert [r["name"] for r in last.items] == [f"P{i:03d}" for i in range(120, 123)]
        assert (last.first_index, last.last_index, last.has_next, last.has_prev) == (
            121,
            123,
            False,
            True,
        )
        seen = []
        for number in range(1, 8):
            seen += table.paginate(data, MultiDict({"page": str(number), "per_page": "20"})).items
        assert [r["name"] for r in seen] == [r["name"] for r in data]
        empty = table.paginate([], MultiDict({"page": "5"}))
        assert (empty.page, empty.pages, empty.total, empty.items) == (1, 1, 0, [])


def test_page_urls_keep_the_query_and_reset_to_page_one_on_sort(ui_app):
    table = people_table(default_sort="name")
    with ui_app.test_request_context("/results?q=%E9%A5%AD&town=TJ&town=HX&page=3&sort=name"):
        page = table.paginate(rows(500), None)
        assert page.page == 3
        assert page.sort_url("name") == ("/results?q=%E9%A5%AD&town=TJ&town=HX&sort=name&dir=desc")
        assert page.sort_url("count") == "/results?q=%E9%A5%AD&town=TJ&town=HX&sort=count&dir=asc"
        assert page.page_url(4) == "/results?q=%E9%A5%AD&town=TJ&town=HX&sort=name&page=4"
        assert page.page_url(1) == "/results?q=%E9%A5%AD&town=TJ&town=HX&sort=name"
        assert page.download_url("csv") == (
            "/results?q=%E9%A5%AD&town=TJ&town=HX&page=3&sort=name&format=csv"
        )
        assert page.aria_sort("name") == "ascending"
        assert page.aria_sort("town") == "none"


# ---------------------------------------------------------------- select mode


class Base(DeclarativeBase):
    pass


class Shop(Base):
    __tablename__ = "shop"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    town: Mapped[str | None] = mapped_column(String(4))


@pytest.fixture
def shops():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        towns = ["TJ", "HX", None, "CH"]
        # ids ascend while names descend, so a missing tie-breaker would show
        session.add_all(
            Shop(id=i, name=f"S{999 - i:03d}", town=towns[i % 4]) for i in range(1, 231)
        )
        session.commit()
        yield session


def shop_table():
    return Table(
        [
            Column("name", "Name", sortable=True),
            Column("town", "Town", sortable=True, sort=Shop.town),
            Column("id", "Id", numeric=True),
        ],
        default_sort="name",
    )


def test_select_pages_use_count_limit_offset_and_a_stable_tie_breaker(ui_app, shops):
    table = shop_table()
    with ui_app.test_request_context("/"):
        collected = []
        for number in range(1, 6):
            page = table.paginate(
                select(Shop), MultiDict({"sort": "town", "page": str(number)}), session=shops
            )
            assert page.total == 230 and page.pages == 5
            collected += page.items
        ids = [s.id for s in collected]
        assert sorted(ids) == list(range(1, 231))  # every row exactly once
        # ascending town, NULL last, and within a town by primary key
        expected = sorted(
            (s for s in collected), key=lambda s: (s.town is None, s.town or "", s.id)
        )
        assert ids == [s.id for s in expected]
        last = table.paginate(select(Shop), MultiDict({"page": "9"}), session=shops)
        assert last.page == 5 and len(last.items) == 30


def test_select_descending_keeps_nulls_last_and_ties_by_key(ui_app, shops):
    with ui_app.test_request_context("/"):
        page = shop_table().paginate(
            select(Shop).where(Shop.id <= 12),
            MultiDict({"sort": "town", "dir": "desc"}),
            session=shops,
        )
    assert [(s.town, s.id) for s in page.items] == [
        ("TJ", 4),
        ("TJ", 8),
        ("TJ", 12),
        ("HX", 1),
        ("HX", 5),
        ("HX", 9),
        ("CH", 3),
        ("CH", 7),
        ("CH", 11),
        (None, 2),
        (None, 6),
        (None, 10),
    ]


def test_select_of_columns_returns_rows_and_needs_a_tie_breaker(ui_app, shops):
    """ORM columns borrow their entity's primary key; a Core select must name one."""
    table = shop_table()
    stmt = select(Shop.name, Shop.town).where(Shop.town == "TJ")
    with ui_app.test_request_context("/"):
        page = table.paginate(stmt, MultiDict({"sort": "name", "dir": "desc"}), session=shops)
        assert page.items[0].name == "S995" and page.total == 57
        with pytest.raises(ValueError, match="tiebreak"):
            table.paginate(select(Shop.__table__.c.name), MultiDict(), session=shops)
        ordered = table.paginate(
            select(Shop.name, Shop.town),
            MultiDict({"sort": "town"}),
            session=shops,
            tiebreak=(Shop.name,),
        )
        assert [r.name for r in ordered.items[:3]] == ["S772", "S776", "S780"]


def test_entities_on_the_project_database_page_in_a_stable_order(app, db_session, small_district):
    """The same on SQLite and PostgreSQL: many ties (four towns), NULL-free order by id."""
    from scheduler.models import Entity

    table = Table(
        [
            Column("uscc", "Credit code", kind="mono"),
            Column("type", "Type", sortable=True, sort=Entity.type),
        ],
        default_sort="type",
    )
    seen = []
    with app.test_request_context("/"):
        for number in range(1, 10):
            page = table.paginate(
                select(Entity), MultiDict({"page": str(number)}), session=db_session
            )
            seen += page.items
    assert page.total == 402 and page.pages == 9
    assert len({e.id for e in seen}) == 402
    assert [(e.type, e.id) for e in seen] == sorted((e.type, e.id) for e in seen)


# ------------------------------------------------------------------ downloads

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


def test_neutralise_each_dangerous_prefix():
    for text in DANGEROUS:
        assert neutralise(text) == "'" + text
    for text in ["1+1", "公司=1", "a@b", "", "'=already"]:
        assert neutralise(text) == text


def download_rows():
    return [
        SimpleNamespace(
            name=text,
            code="913702820000000001",
            count=-5,
            day=dt.date(2027, 3, 1),
            at=dt.datetime(2027, 3, 1, 2, 0),
            state="published",
        )
        for text in [*DANGEROUS, "测试主体\x01"]
    ]


def download_columns():
    return [
        Column("name", "Name"),
        Column("code", "Credit code", kind="mono"),
        Column("count", "Amount", numeric=True),
        Column("day", "Date", kind="date"),
        Column("at", "Frozen at", kind="datetime"),
        Column("state", "State", kind="state"),
    ]


def test_csv_has_a_bom_and_neutralises_formulas(ui_app):
    with ui_app.test_request_context("/?lang=zh"):
        data = csv_bytes(download_columns(), download_rows())
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    # Every plain msgid label is translated where some area's catalogue has it ("Name",
    # "State" always); the others stay as written.
    zh = gather()
    labels = ["Name", "Credit code", "Amount", "Date", "Frozen at", "State"]
    assert read[0] == [zh.get(label, label) for label in labels]
    assert read[0][0] == "名称" and read[0][-1] == "状态"
    assert [r[0] for r in read[1:7]] == ["'" + t for t in DANGEROUS]
    first = read[1]
    assert first[1:] == [
        "913702820000000001",
        "-5",
        "2027-03-01",
        "2027-03-01 10:00 北京时间",
        "已公示",
    ]
    assert b"\r\n" in data


def test_xlsx_cells_stay_text_and_formulas_are_neutralised(ui_app):
    from openpyxl import load_workbook

    with ui_app.test_request_context("/?lang=en"):
        data = xlsx_bytes(download_columns(), download_rows(), sheet="plans: [2027]")
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "plans_ _2027_"
    header = [c.value for c in sheet[1]]
    assert header == ["Name", "Credit code", "Amount", "Date", "Frozen at", "State"]
    assert sheet["A1"].font.b
    for row_index, text in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=row_index, column=1)
        assert cell.data_type == "s", (text, cell.data_type)
        assert cell.value == "'" + text.replace("\r", "\n")  # XML reads CR as LF
        code = sheet.cell(row=row_index, column=2)
        assert code.data_type == "s" and code.value == "913702820000000001"
        count = sheet.cell(row=row_index, column=3)
        assert count.data_type == "n" and count.value == -5
        day = sheet.cell(row=row_index, column=4)
        assert day.value.date() == dt.date(2027, 3, 1) and day.number_format == "yyyy-mm-dd"
        assert sheet.cell(row=row_index, column=5).value == (
            "2027-03-01 10:00 China Standard Time (UTC+8)"
        )
        assert sheet.cell(row=row_index, column=6).value == "Published"
    assert sheet.cell(row=8, column=1).value == "测试主体"  # control character dropped
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_download_responses_name_the_file(ui_app):
    with ui_app.test_request_context("/"):
        response = csv_response(download_columns(), download_rows(), "抽查计划")
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert "filename*=UTF-8''%E6%8A%BD%E6%9F%A5%E8%AE%A1%E5%88%92.csv" in disposition
        assert response.headers["Cache-Control"] == "no-store"


def test_the_download_link_gives_exactly_the_rows_shown(ui_app):
    from openpyxl import load_workbook

    client = ui_app.test_client()
    shown = client.get("/_ui/sample?sort=inspections&dir=desc&page=2&per_page=20")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    codes_shown = [
        line.split('<span class="mono">')[1].split("<")[0]
        for line in html.split('data-label="计划编号">')[1:]
    ]
    assert len(codes_shown) == 20
    as_csv = client.get("/_ui/sample?sort=inspections&dir=desc&page=2&per_page=20&format=csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    read = list(csv.reader(io.StringIO(as_csv.get_data().decode("utf-8-sig"))))
    assert [r[0] for r in read[1:]] == codes_shown
    as_xlsx = client.get("/_ui/sample?sort=inspections&dir=desc&page=2&per_page=20&format=xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == codes_shown
