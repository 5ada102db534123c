"""Directory and calendar files as users make them, and as attackers make them: title rows,
dates as offices write them, reports of what changed, capped error reports, decompression
bombs, mixed encodings, over-long cells, and CSV formula injection on export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from scheduler import uscc
from scheduler.actors import Actor
from scheduler.errors import CalendarError, TooLarge
from scheduler.exporters import export_directory
from scheduler.importers import import_directory
from scheduler.models import Entity
from scheduler.textfiles import neutralise_cell, restore_cell
from scheduler.workdays import parse_official

ACTOR = Actor.system("tester")
COLUMNS = [
    "uscc",
    "name",
    "type",
    "industry",
    "town",
    "address",
    "registered_on",
    "status",
    "credit_class",
    "key_supervision",
    "abnormal",
]


def code(n: int) -> str:
    return uscc.with_check_digit(f"91370282{n:09d}")


def entity(n: int, **changes) -> list[str]:
    row = {
        "uscc": code(n),
        "name": f"即墨测试商贸有限公司{n}",
        "type": "E",
        "industry": "F",
        "town": "TJ",
        "address": f"通济路{n}号",
        "registered_on": "2016-05-03",
        "status": "active",
        "credit_class": "B",
        "key_supervision": "0",
        "abnormal": "0",
    }
    row.update(changes)
    return [row[c] for c in COLUMNS]


def to_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def run(session, data: bytes, filename: str = "f.csv", **kwargs):
    return import_directory(session, "entities", filename, data, ACTOR, **kwargs)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Entity))


def registered(session, n: int) -> dt.date:
    return session.scalar(select(Entity.registered_on).where(Entity.uscc == code(n)))


# ---------------------------------------------------------------------------- title rows


def test_title_rows_above_the_header_are_skipped(db_session):
    rows = [
        ["2027年即墨区市场主体名录（导出自登记系统）"],
        ["制表单位：区市场监督管理局", "", "制表日期：2027-01-05"],
        [],
        ["统一社会信用代码", *COLUMNS[1:]],
        entity(1),
        entity(2, town="XX"),
    ]
    report = run(db_session, to_csv(rows))
    assert [(e.row, e.column) for e in report.errors] == [(6, "town")]  # spreadsheet rows
    rows.pop()
    report = run(db_session, to_csv(rows))
    assert report.ok, report.format_errors()
    assert report.created == 1 and report.ignored_columns == []


def test_without_the_key_column_the_first_row_is_taken_as_the_header(db_session):
    rows = [["标题"], COLUMNS[1:], entity(1)[1:]]
    report = run(db_session, to_csv(rows))
    assert report.errors[0].row == 1
    assert "uscc" in report.errors[0].message.en and "missing" in report.errors[0].message.en


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text,day",
    [
        ("2016/5/3", dt.date(2016, 5, 3)),
        ("2016/05/03", dt.date(2016, 5, 3)),
        ("2016-5-3", dt.date(2016, 5, 3)),
        ("2016.5.3", dt.date(2016, 5, 3)),
        ("2016年5月3日", dt.date(2016, 5, 3)),
        ("42493", dt.date(2016, 5, 3)),  # Excel's serial number of 2016-05-03
        ("61", dt.date(1900, 3, 1)),
    ],
)
def test_dates_as_offices_write_them(db_session, text, day):
    report = run(db_session, to_csv([COLUMNS, entity(1, registered_on=text)]))
    assert report.ok, report.format_errors()
    assert registered(db_session, 1) == day


@pytest.mark.parametrize("text", ["2016/5/32", "3/5/2016", "60", "2101-01-01", "1899/12/31"])
def test_impossible_dates_are_refused(db_session, text):
    report = run(db_session, to_csv([COLUMNS, entity(1, registered_on=text)]))
    assert [e.column for e in report.errors] == ["registered_on"]
    assert count(db_session) == 0


def test_an_xlsx_date_shown_as_a_number_is_a_serial(db_session):
    wb = Workbook()
    wb.active.append(COLUMNS)
    values = entity(1)
    values[COLUMNS.index("registered_on")] = 42493  # a number cell, as a pasted date becomes
    wb.active.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    report = run(db_session, buf.getvalue(), "f.xlsx")
    assert report.ok, report.format_errors()
    assert registered(db_session, 1) == dt.date(2016, 5, 3)


# ---------------------------------------------------------------------------- changes


def test_updated_rows_report_which_columns_changed(app, db_session, tmp_path):
    assert run(db_session, to_csv([COLUMNS, entity(1), entity(2), entity(3)])).ok
    db_session.commit()
    path = tmp_path / "e.csv"
    path.write_bytes(
        to_csv(
            [
                COLUMNS,
                entity(1),
                entity(2, name="改名", town="HX"),
                entity(3, abnormal="1"),
                entity(4),
            ]
        )
    )
    report_path = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(
        args=["import", "entities", str(path), "--report", str(report_path)]
    )
    assert result.exit_code == 0, result.output
    assert "1 created, 2 updated, 1 unchanged" in result.output
    assert "abnormal 1, name 1, town 1" in result.output
    lines = list(csv.reader(io.StringIO(report_path.read_text("utf-8-sig"))))
    assert lines[0] == ["row", "key", "action", "column", "old", "new"]
    assert [code(1), "unchanged"] == lines[1][1:3]
    assert ["3", code(2), "updated", "name", "即墨测试商贸有限公司2", "改名"] in lines
    assert ["3", code(2), "updated", "town", "TJ", "HX"] in lines  # codes, not ids
    assert ["4", code(3), "updated", "abnormal", "0", "1"] in lines
    assert ["5", code(4), "created", "", "", ""] in lines
    assert len(lines) == 1 + 5


def test_report_of_a_refused_file_lists_the_problems(app, db_session, tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(to_csv([COLUMNS, entity(1, town="XX")]))
    report_path = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(
        args=["import", "entities", str(path), "--report", str(report_path)]
    )
    assert result.exit_code == 1
    lines = list(csv.reader(io.StringIO(report_path.read_text("utf-8-sig"))))
    assert lines[0][:3] == ["row", "cell", "column"]
    assert lines[1][:4] == ["2", "E2", "town", "XX"]


# ---------------------------------------------------------------------------- error cap


def test_error_report_is_capped_with_counts_per_column(db_session, monkeypatch):
    monkeypatch.setenv("FAIRDRAW_IMPORT_MAX_ERRORS", "10")
    rows = [COLUMNS] + [entity(i, town="XX", type="Q") for i in range(1, 1001)]
    report = run(db_session, to_csv(rows))
    assert report.error_count == 2000 and len(report.errors) == 10
    assert report.error_kinds == {"town": 1000, "type": 1000}
    assert len(report.bad_rows) == 1000
    error = report.as_error()
    assert "2000 error(s) in 1000 row(s)" in error.message.en
    last = error.details[-1]
    assert "first 10 errors" in last.en and "town: 1000" in last.en and "前 10 处" in last.zh
    assert count(db_session) == 0


# ---------------------------------------------------------------------------- bombs


def _xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    wb = Workbook()
    wb.active.append(COLUMNS)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_an_xlsx_decompression_bomb_is_refused_before_parsing(db_session):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + row * 400_000 + b"</sheetData></worksheet>"
    )
    data = _xlsx_with_sheet(sheet)
    assert len(data) < 200_000 < len(sheet) // 50
    with pytest.raises(TooLarge) as err:
        run(db_session, data, "bomb.xlsx")
    assert err.value.status == 413
    assert "decompression bomb" in err.value.message.en and "压缩" in err.value.message.zh


def test_xlsx_uncompressed_size_limit(db_session, monkeypatch):
    monkeypatch.setenv("FAIRDRAW_XLSX_MAX_MB", "1")
    wb = Workbook()
    wb.active.append(COLUMNS)
    for i in range(1, 6000):
        wb.active.append(entity(i))
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(TooLarge) as err:
        run(db_session, buf.getvalue(), "big.xlsx")
    assert "more than 1 MB" in err.value.message.en


@pytest.mark.parametrize("filename", ["f.csv", "f.xlsx"])
def test_cell_count_limit(db_session, monkeypatch, filename):
    monkeypatch.setenv("FAIRDRAW_IMPORT_MAX_CELLS", "100")
    rows = [COLUMNS] + [entity(i) for i in range(1, 20)]
    if filename.endswith(".csv"):
        data = to_csv(rows)
    else:
        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    with pytest.raises(TooLarge) as err:
        run(db_session, data, filename)
    assert "more than 100 cells" in err.value.message.en
    assert count(db_session) == 0


def test_a_wide_row_counts_its_cells(db_session, monkeypatch):
    monkeypatch.setenv("FAIRDRAW_IMPORT_MAX_CELLS", "10000")
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="XFD1" t="inlineStr"><is><t>'
        b"x</t></is></c></row></sheetData></worksheet>"
    )
    with pytest.raises(TooLarge):
        run(db_session, _xlsx_with_sheet(sheet), "wide.xlsx")


# ---------------------------------------------------------------------------- encodings


def test_mixed_utf8_and_gbk_rows_are_refused_naming_the_first_bad_line(db_session):
    data = to_csv([COLUMNS, entity(1), entity(2)]) + to_csv([entity(3)], "gbk")
    report = run(db_session, data)
    (error,) = report.errors
    assert error.row == 4 and "line 4" in error.message.en and "mixed" in error.message.en
    assert count(db_session) == 0
    data = to_csv([COLUMNS, entity(1)], "gbk") + to_csv([entity(3)], "utf-8")
    (error,) = run(db_session, data).errors
    assert error.row == 3 and "GBK" in error.message.en


def test_a_gbk_file_is_still_read(db_session):
    report = run(db_session, to_csv([["统一社会信用代码", *COLUMNS[1:]], entity(1)], "gbk"))
    assert report.ok, report.format_errors()


def test_a_nul_byte_is_refused_with_its_line(db_session):
    data = to_csv([COLUMNS, entity(1), entity(2, name="a\x00b")])
    (error,) = run(db_session, data).errors
    assert error.row == 3 and "NUL" in error.message.en


def test_an_over_long_cell_names_its_row_in_both_languages(db_session):
    data = to_csv([COLUMNS, entity(1)]) + b'"' + code(2).encode() + b"," + b"x" * 200_000 + b"\n"
    report = run(db_session, data)
    (error,) = report.errors
    assert error.row == 3
    assert "row 3" in error.message.en and "128 KB" in error.message.en
    assert "第 3 行" in error.message.zh


# ---------------------------------------------------------------------------- injection


def test_neutralise_and_restore_are_inverse():
    for text in ["", "x", "'", "''", "=1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\tx",
                 "\rx", "'-x", "''=x", "'x", "a=b"]:  # fmt: skip
        cell = neutralise_cell(text)
        assert restore_cell(cell) == text
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_export_neutralises_formula_cells_and_imports_back_unchanged(db_session):
    hostile = {
        1: {"name": "+cmd|' /C calc'!A0", "address": "-1+1"},
        # in a CSV file "''-" stands for "'-" (the importer removes one apostrophe)
        2: {"name": "@SUM(1+1)*cmd|' /C calc'!A0", "address": "''-already quoted"},
        3: {"name": "普通公司", "address": "'plain apostrophe"},
    }
    rows = [COLUMNS] + [entity(n, **v) for n, v in hostile.items()]
    assert run(db_session, to_csv(rows)).ok
    db_session.commit()
    out = io.BytesIO()
    export_directory(db_session, "entities", out, "csv", ACTOR)
    exported = list(csv.reader(io.StringIO(out.getvalue().decode())))
    names = {r[0]: (r[1], r[5]) for r in exported[1:]}
    assert names[code(1)] == ("'+cmd|' /C calc'!A0", "'-1+1")
    assert names[code(2)] == ("'@SUM(1+1)*cmd|' /C calc'!A0", "''-already quoted")
    assert names[code(3)] == ("普通公司", "'plain apostrophe")
    again = run(db_session, out.getvalue())
    assert again.ok and again.unchanged == 3, again.format_errors()
    stored = dict(db_session.execute(select(Entity.uscc, Entity.address)).all())
    assert stored[code(2)] == "'-already quoted"


def test_xlsx_export_keeps_hostile_text_as_text(db_session):
    rows = [COLUMNS, entity(1, name="+cmd|' /C calc'!A0", address="@SUM(1)")]
    assert run(db_session, to_csv(rows)).ok
    out = io.BytesIO()
    export_directory(db_session, "entities", out, "xlsx", ACTOR)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    cells = list(ws.iter_rows(min_row=2))[0]
    assert cells[1].value == "+cmd|' /C calc'!A0" and cells[1].data_type == "s"
    assert cells[5].value == "@SUM(1)" and cells[5].data_type == "s"


# ---------------------------------------------------------------------------- calendar


def test_calendar_file_in_gbk_with_chinese_headers_and_title_rows():
    text = "2027年节假日安排\n日期,类型,名称\n2027/1/1,放假,元旦\n2027年2月6日,调休上班,春节调休\n"
    rows = parse_official(text.encode("gbk"), 2027)
    assert rows == [
        (dt.date(2027, 1, 1), False, "元旦"),
        (dt.date(2027, 2, 6), True, "春节调休"),
    ]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("date,kind,name\n2027-02-06,workday,调休\n", "no holiday in 2027"),
        ("date,kind,name\n2028-01-01,holiday,x\n", "not in 2027"),
        ("date,kind,name\n2027-01-01,holiday,x\n2027/1/1,holiday,y\n", "same day as row 2"),
        ("date,kind,name\n2027-02-30,holiday,x\n", "not a date"),
        ("name\nx\n", "no header"),
        ("date,name\n2027-01-01,x\n", "kind column"),
    ],
)
def test_bad_calendar_files_are_refused(text, fragment):
    with pytest.raises(CalendarError) as err:
        parse_official(text.encode(), 2027)
    assert fragment in str(err.value)
    assert "GBK" in str(err.value)  # states the expected format


def test_calendar_file_with_mixed_encodings_or_nul_is_refused():
    data = (
        "date,kind,name\n2027-01-01,holiday,元旦\n".encode()
        + "2027-10-01,holiday,国庆\n".encode("gbk")
    )
    with pytest.raises(CalendarError, match="line 3"):
        parse_official(data, 2027)
    with pytest.raises(CalendarError, match="NUL"):
        parse_official(b"date,kind\n2027-01-01,holi\x00day\n", 2027)
