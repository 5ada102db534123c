"""Directory imports: every error class is reported and leaves the database as it was."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError
from openpyxl import Workbook
from sqlalchemy import func, select

from scheduler import uscc
from scheduler.actors import Actor
from scheduler.audit import EventKind
from scheduler.directory_rows import EntityRow, Lookups
from scheduler.errors import Msg
from scheduler.importers import import_directory
from scheduler.models import AuditEvent, Conflict, Entity, LeavePeriod, Officer, Town

ACTOR = Actor.system("tester")

ENTITY_COLUMNS = [
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
OFFICER_COLUMNS = [
    "cert_no",
    "name",
    "body",
    "unit",
    "cert_valid_from",
    "cert_valid_to",
    "cert_status",
    "competences",
    "phone",
]
CONFLICT_COLUMNS = ["cert_no", "uscc", "kind", "declared_on", "note"]
LEAVE_COLUMNS = ["cert_no", "start", "end", "reason"]
COLUMNS = {
    "entities": ENTITY_COLUMNS,
    "officers": OFFICER_COLUMNS,
    "conflicts": CONFLICT_COLUMNS,
    "leave": LEAVE_COLUMNS,
}


def code(n: int, prefix: str = "91370282") -> str:
    """A synthetic credit code with a correct check digit."""
    return uscc.with_check_digit(f"{prefix}{n:09d}")


def entity(n: int, **changes) -> dict:
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
    return row


def officer(n: int, **changes) -> dict:
    row = {
        "cert_no": f"37020{n:04d}",
        "name": f"执法员{n}",
        "body": "SC",
        "unit": "SC-TJ",
        "cert_valid_from": "2021-01-01",
        "cert_valid_to": "2026-12-31",
        "cert_status": "valid",
        "competences": "食品安全;企业信息公示",
        "phone": "13800000000",
    }
    row.update(changes)
    return row


def conflict(n_officer: int, n_entity: int, **changes) -> dict:
    row = {
        "cert_no": f"37020{n_officer:04d}",
        "uscc": code(n_entity),
        "kind": "relative",
        "declared_on": "2024-03-01",
        "note": "配偶任该公司监事",
    }
    row.update(changes)
    return row


def leave(n_officer: int, start: str = "2025-07-01", end: str = "2025-07-10", **changes) -> dict:
    row = {"cert_no": f"37020{n_officer:04d}", "start": start, "end": end, "reason": "年休假"}
    row.update(changes)
    return row


def to_csv(columns: list[str], rows: list[dict], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue().encode(encoding)


def to_xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def snapshot(session) -> dict:
    """Every row of the directory tables, and the number of audit events."""
    out = {}
    for model in (Entity, Officer, Conflict, LeavePeriod):
        cols = model.__table__.columns
        out[model.__tablename__] = session.execute(select(*cols).order_by(model.id)).all()
    out["audit"] = session.scalar(select(func.count()).select_from(AuditEvent))
    return out


def run(session, kind: str, rows_or_data, filename: str = "file.csv"):
    data = rows_or_data
    if isinstance(rows_or_data, list):
        data = to_csv(COLUMNS[kind], rows_or_data)
    return import_directory(session, kind, filename, data, ACTOR)


def load(session, kind: str, rows: list[dict]):
    report = run(session, kind, rows)
    assert report.ok, report.format_errors()
    session.commit()
    return report


def refused(session, kind, data, filename="file.csv", *expected):
    """Import must fail with each expected (row, column, zh fragment, en fragment) and
    leave the database, audit log included, exactly as it was."""
    before = snapshot(session)
    report = run(session, kind, data, filename)
    assert not report.ok
    assert report.created == report.updated == report.unchanged == 0
    text = report.format_errors()
    for row, column, zh, en in expected:
        assert any(
            e.row == row and e.column == column and zh in e.message.zh and en in e.message.en
            for e in report.errors
        ), f"no error ({row}, {column}, {zh}, {en}) in:\n{text}"
    assert not session.new and not session.dirty and not session.deleted
    assert snapshot(session) == before
    return report


def entity_exists(session, n: int) -> bool:
    return session.scalar(select(Entity.id).where(Entity.uscc == code(n))) is not None


@pytest.fixture
def directory(db_session):
    """Three entities and two officers of the market-supervision bureau, committed."""
    load(db_session, "entities", [entity(1), entity(2), entity(3)])
    load(db_session, "officers", [officer(1), officer(2)])
    return db_session


# ---------------------------------------------------------------------------- entities


def test_good_entities_file_is_imported_with_every_value(db_session):
    rows = [
        entity(1),
        entity(2, type="I", industry="H", town="HX", address="", status="deregistered"),
        entity(3, type="C", credit_class="D", key_supervision="1", abnormal="1"),
    ]
    report = run(db_session, "entities", rows)
    assert report.ok, report.format_errors()
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    db_session.commit()
    e2 = db_session.scalar(select(Entity).where(Entity.uscc == code(2)))
    assert (e2.type, e2.industry, e2.town.code, e2.address, e2.status) == (
        "I",
        "H",
        "HX",
        "",
        "deregistered",
    )
    assert e2.registered_on == dt.date(2016, 5, 3)
    e3 = db_session.scalar(select(Entity).where(Entity.uscc == code(3)))
    assert (e3.credit_class, e3.key_supervision, e3.abnormal) == ("D", True, True)


ENTITY_ERRORS = [
    # (changes to the bad row, column, Chinese fragment, English fragment)
    (
        {"uscc": code(9)[:17] + ("0" if code(9)[17] != "0" else "1")},
        "uscc",
        "校验位错误",
        "check digit",
    ),
    ({"uscc": code(9)[:16]}, "uscc", "应为 18 位", "has 18 characters"),
    ({"uscc": code(9)[:10] + "O" + code(9)[11:]}, "uscc", "不允许的字符", "not allowed"),
    ({"uscc": ""}, "uscc", "必填", "required"),
    ({"name": ""}, "name", "必填", "required"),
    ({"name": "公" * 129}, "name", "最多 128 个字符", "at most 128"),
    ({"name": '=HYPERLINK("http://x")'}, "name", "公式", "formula"),
    ({"type": "X"}, "type", "不是允许的值", "use one of E, I, C"),
    ({"industry": "U"}, "industry", "不是允许的值", "not an allowed value"),
    ({"town": "XX"}, "town", "镇街代码“XX”不存在", "unknown town code"),
    ({"registered_on": "2016-02-30"}, "registered_on", "不是有效日期", "not a valid date"),
    ({"registered_on": "3/5/2016"}, "registered_on", "YYYY-MM-DD", "YYYY-MM-DD"),
    ({"registered_on": "1899-12-31"}, "registered_on", "1900 至 2100", "1900 to 2100"),
    ({"registered_on": "2016年5月3"}, "registered_on", "YYYY-MM-DD", "YYYY-MM-DD"),
    ({"status": "closed"}, "status", "不是允许的值", "active, deregistered, revoked"),
    ({"credit_class": "E"}, "credit_class", "不是允许的值", "A, B, C, D"),
    ({"key_supervision": "yes"}, "key_supervision", "应为 1（是）或 0（否）", "1 (yes) or 0"),
    ({"abnormal": "2"}, "abnormal", "应为 1（是）或 0（否）", "1 (yes) or 0"),
]


@pytest.mark.parametrize("changes, column, zh, en", ENTITY_ERRORS)
def test_bad_entity_value_refuses_the_whole_file(db_session, changes, column, zh, en):
    load(db_session, "entities", [entity(1)])
    data = [entity(1, name="改名"), entity(2), entity(9, **changes), entity(4)]
    report = refused(db_session, "entities", data, "file.csv", (4, column, zh, en))
    assert report.bad_rows == [4]
    bad = [e for e in report.errors if e.row == 4]
    assert len(bad) == 1
    assert bad[0].value == changes[column].strip()
    assert bad[0].cell == f"{'ABCDEFGHIJK'[ENTITY_COLUMNS.index(column)]}4"
    assert not entity_exists(db_session, 2) and not entity_exists(db_session, 4)
    assert db_session.scalar(select(Entity.name).where(Entity.uscc == code(1))) != "改名"


def test_every_bad_row_and_every_bad_cell_is_listed(db_session):
    rows = [
        entity(1),
        entity(2, town="XX", registered_on="2020-13-01"),
        entity(3),
        entity(4, type="Q"),
        entity(5, uscc=code(1)),  # duplicate of row 2
    ]
    report = refused(
        db_session,
        "entities",
        rows,
        "file.csv",
        (3, "town", "不存在", "unknown town"),
        (3, "registered_on", "不是有效日期", "not a valid date"),
        (5, "type", "不是允许的值", "not an allowed value"),
        (6, "uscc", "与第 2 行重复", "duplicates row 2"),
    )
    assert report.bad_rows == [3, 5, 6]
    assert len(report.errors) == 4
    text = report.format_errors()
    assert "未写入任何数据" in text and "nothing was written" in text
    assert "第 3 行 / row 3 E3 [town] “XX”" in text


def test_duplicate_in_file_is_found_after_normalising_the_code(db_session):
    rows = [entity(1), entity(1, uscc=code(1).lower(), name="另一家")]
    refused(
        db_session,
        "entities",
        rows,
        "file.csv",
        (3, "uscc", "与第 2 行重复", "duplicates row 2"),
    )


def test_chinese_headers_and_labels_in_gbk_are_imported(db_session):
    header = (
        "统一社会信用代码,名称,类型,行业,镇街,地址,成立日期,状态,信用风险分类,重点监管,经营异常"
    )
    lines = [
        header,
        f"{code(1)},即墨区通济测试饭店,个体工商户,H,通济街道,通济路1号,2019-01-02,存续,A,是,否",
        f"{code(2)},即墨区环秀测试有限公司,企业,C,HX,环秀路2号,2010-10-10,注销,C,0,1",
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run(db_session, "entities", data, "名录.csv")
    assert report.ok, report.format_errors()
    assert report.created == 2
    e1 = db_session.scalar(select(Entity).where(Entity.uscc == code(1)))
    assert (e1.name, e1.type, e1.town.code, e1.status) == (
        "即墨区通济测试饭店",
        "I",
        "TJ",
        "active",
    )
    assert (e1.key_supervision, e1.abnormal) == (True, False)
    e2 = db_session.scalar(select(Entity).where(Entity.uscc == code(2)))
    assert (e2.name, e2.type, e2.status, e2.abnormal) == (
        "即墨区环秀测试有限公司",
        "E",
        "deregistered",
        True,
    )


def test_gb18030_only_characters_and_utf8_bom_are_read(db_session):
    name = "即墨区𠀀记面馆"  # U+20000 exists in GB18030 (four bytes) but not in GBK
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    data = to_csv(ENTITY_COLUMNS, [entity(1, name=name)], encoding="gb18030")
    assert run(db_session, "entities", data).ok
    assert db_session.scalar(select(Entity.name).where(Entity.uscc == code(1))) == name
    data = to_csv(ENTITY_COLUMNS, [entity(2)], encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    report = run(db_session, "entities", data)
    assert report.ok, report.format_errors()
    assert entity_exists(db_session, 2)


@pytest.mark.parametrize(
    "encode, zh, en",
    [
        (lambda t: t.encode("utf-16"), "UTF-16", "UTF-16"),
        (lambda t: t.encode("utf-16-le"), "文件编码错误", "wrong encoding"),
        (lambda t: t.encode("utf-32"), "UTF-16/UTF-32", "UTF-16/UTF-32"),
        (lambda t: random.Random(7).randbytes(3000), "文件编码错误", "wrong encoding"),
        (lambda t: t.encode("utf-8")[:-3] + b"\x80\xff\xfe", "文件编码错误", "wrong encoding"),
    ],
    ids=["utf-16-bom", "utf-16-no-bom", "utf-32", "random-binary", "invalid-tail"],
)
def test_wrong_encoding_is_refused_clearly(db_session, encode, zh, en):
    text = to_csv(ENTITY_COLUMNS, [entity(1), entity(2)]).decode("utf-8")
    data = encode(text)
    report = refused(db_session, "entities", data, "file.csv")
    assert len(report.errors) == 1
    (error,) = report.errors
    assert zh in error.message.zh and en in error.message.en
    assert error.row is not None and f"line {error.row}" in error.message.en or "UTF-16" in zh


def test_ascii_utf16_without_bom_is_refused_although_it_is_valid_utf8(db_session):
    text = to_csv(ENTITY_COLUMNS, [entity(1, name="Shop", address="Road 1")]).decode()
    data = text.encode("utf-16-le")  # every other byte NUL: valid UTF-8, yet not text
    assert data.decode("utf-8")
    report = refused(db_session, "entities", data, "f.csv", (1, "", "空字符", "NUL"))
    assert "文件编码错误" in report.errors[0].message.zh


def test_missing_required_columns_are_named(db_session):
    columns = [c for c in ENTITY_COLUMNS if c not in ("town", "registered_on")]
    data = to_csv(columns, [entity(1)])
    report = refused(
        db_session,
        "entities",
        data,
        "file.csv",
        (1, "town, registered_on", "缺少必需的列", "missing required columns"),
    )
    assert "镇街" in report.errors[0].message.zh and "成立日期" in report.errors[0].message.zh


def test_a_semicolon_separated_file_gets_a_hint(db_session):
    data = to_csv(ENTITY_COLUMNS, [entity(1)]).decode().replace(",", ";").encode()
    refused(
        db_session,
        "entities",
        data,
        "f.csv",
        (
            1,
            "uscc, name, type, industry, town, registered_on",
            "英文逗号分隔",
            "separated by commas",
        ),
    )


def test_headers_are_matched_ignoring_case_and_spaces(db_session):
    columns = [f" {c.upper()} " for c in ENTITY_COLUMNS]
    row = dict(zip(columns, entity(1).values(), strict=True))
    report = run(db_session, "entities", to_csv(columns, [row]))
    assert report.ok, report.format_errors()
    assert entity_exists(db_session, 1)


def test_a_column_given_twice_is_refused(db_session):
    data = to_csv([*ENTITY_COLUMNS, "名称"], [entity(1)])
    refused(db_session, "entities", data, "file.csv", (1, "name", "重复出现", "appears twice"))


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b" , ,\n"])
def test_empty_file_is_refused(db_session, data):
    report = refused(db_session, "entities", data, "file.csv", (None, "", "文件是空的", "empty"))
    assert len(report.errors) == 1


@pytest.mark.parametrize("tail", ["", "\r\n", "\r\n,,,\r\n\r\n"])
def test_header_only_file_is_refused(db_session, tail):
    data = (",".join(ENTITY_COLUMNS) + tail).encode()
    refused(db_session, "entities", data, "file.csv", (1, "", "只有表头", "no data rows"))


def test_more_cells_than_header_columns_is_refused(db_session):
    lines = to_csv(ENTITY_COLUMNS, [entity(1), entity(2)]).decode().splitlines()
    lines[2] += ",unexpected"
    data = "\n".join(lines).encode()
    refused(db_session, "entities", data, "file.csv", (3, "", "所在列没有表头", "no header"))


def test_extra_columns_and_blank_rows_are_ignored(db_session):
    columns = ["备注列", *ENTITY_COLUMNS, "source"]
    rows = [entity(1, 备注列="随便", source="x"), {}, entity(2)]
    report = run(db_session, "entities", to_csv(columns, rows))
    assert report.ok, report.format_errors()
    assert report.rows == 2 and report.created == 2
    assert report.ignored_columns == ["备注列", "source"]


def test_malformed_csv_is_refused(db_session):
    data = to_csv(ENTITY_COLUMNS, [entity(1)]) + b'"unterminated,x\n"a"b,c\n'
    refused(db_session, "entities", data, "file.csv", (3, "", "CSV 格式错误", "malformed CSV"))


def test_unsupported_file_types_are_refused(db_session):
    good = to_csv(ENTITY_COLUMNS, [entity(1)])
    refused(
        db_session, "entities", good, "file.txt", (None, "", "不支持的文件类型", ".csv or .xlsx")
    )
    xlsx = to_xlsx([ENTITY_COLUMNS, list(entity(1).values())])
    refused(db_session, "entities", xlsx, "file.csv", (None, "", "Excel 文件", "not a CSV file"))
    refused(db_session, "entities", good, "file.xlsx", (None, "", "不是有效的 XLSX", "not a valid"))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    refused(db_session, "entities", ole, "file.xlsx", (None, "", ".xls", ".xls"))
    refused(db_session, "entities", b"PK\x03\x04broken", "f.xlsx", (None, "", "XLSX", "XLSX"))


# ---------------------------------------------------------------------------- upserts


def test_upsert_counts_created_updated_unchanged(db_session):
    load(db_session, "entities", [entity(1), entity(2), entity(3)])
    ids = {u: i for u, i in db_session.execute(select(Entity.uscc, Entity.id))}
    rows = [entity(1), entity(2, name="改名后的公司", abnormal="1"), entity(3), entity(4)]
    data = to_csv(ENTITY_COLUMNS, rows)
    report = run(db_session, "entities", data)
    assert report.ok, report.format_errors()
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 1, 1, 2)
    db_session.commit()
    e2 = db_session.scalar(select(Entity).where(Entity.uscc == code(2)))
    assert (e2.id, e2.name, e2.abnormal) == (ids[code(2)], "改名后的公司", True)
    assert db_session.scalar(select(func.count()).select_from(Entity)) == 4
    # the audit event records the file and the counts
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.kind == EventKind.DIRECTORY_IMPORTED.value and event.actor == "tester"
    assert event.payload == {
        "directory": "entities",
        "file": "file.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": 4,
        "created": 1,
        "updated": 1,
        "unchanged": 2,
        "changed_columns": {"abnormal": 1, "name": 1},
        "actor_role": "system",
    }
    # the same file again: all unchanged, and audited again
    report = run(db_session, "entities", rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_update_refreshes_objects_already_in_the_session(db_session):
    load(db_session, "entities", [entity(1)])
    obj = db_session.scalar(select(Entity).where(Entity.uscc == code(1)))
    assert obj.status == "active"
    assert run(db_session, "entities", [entity(1, status="revoked")]).updated == 1
    assert obj.status == "revoked"


def test_absent_optional_columns_keep_values_and_default_on_create(db_session):
    load(db_session, "entities", [entity(1, status="revoked", credit_class="D", abnormal="1")])
    required = ["uscc", "name", "type", "industry", "town", "registered_on"]
    report = run(db_session, "entities", to_csv(required, [entity(1, name="新名"), entity(2)]))
    assert report.ok, report.format_errors()
    assert (report.created, report.updated) == (1, 1)
    e1 = db_session.scalar(select(Entity).where(Entity.uscc == code(1)))
    assert (e1.name, e1.status, e1.credit_class, e1.abnormal) == ("新名", "revoked", "D", True)
    e2 = db_session.scalar(select(Entity).where(Entity.uscc == code(2)))
    assert (e2.status, e2.credit_class, e2.abnormal, e2.address) == ("active", "A", False, "")


def test_empty_optional_cells_mean_the_default(db_session):
    load(db_session, "entities", [entity(1, status="revoked", abnormal="1")])
    report = run(db_session, "entities", [entity(1, status="", abnormal="")])
    assert report.updated == 1
    e1 = db_session.scalar(select(Entity).where(Entity.uscc == code(1)))
    assert (e1.status, e1.abnormal) == ("active", False)


def test_town_by_chinese_name_and_code_case(db_session):
    report = run(db_session, "entities", [entity(1, town="环秀街道"), entity(2, town="hx")])
    assert report.ok, report.format_errors()
    hx = db_session.scalar(select(Town.id).where(Town.code == "HX"))
    assert set(db_session.scalars(select(Entity.town_id))) == {hx}


# ---------------------------------------------------------------------------- XLSX


def test_xlsx_with_typed_cells_is_imported(db_session):
    header = ENTITY_COLUMNS
    row1 = list(entity(1).values())
    row1[6] = dt.date(2016, 5, 3)  # a date cell
    row1[9] = 1  # numbers for the flags
    row1[10] = 0
    row2 = list(entity(2).values())
    row2[6] = dt.datetime(2001, 2, 3)
    report = run(db_session, "entities", to_xlsx([header, row1, [], row2]), "名录.xlsx")
    assert report.ok, report.format_errors()
    assert report.created == 2
    e1 = db_session.scalar(select(Entity).where(Entity.uscc == code(1)))
    assert (e1.registered_on, e1.key_supervision, e1.abnormal) == (dt.date(2016, 5, 3), True, False)
    e2 = db_session.scalar(select(Entity).where(Entity.uscc == code(2)))
    assert e2.registered_on == dt.date(2001, 2, 3)


def test_xlsx_numbers_become_text_without_decimals(directory):
    header = OFFICER_COLUMNS
    row = list(officer(3).values())
    row[0] = 370200003  # a certificate number typed as a number
    row[8] = 13912345678
    report = run(directory, "officers", to_xlsx([header, row]), "o.xlsx")
    assert report.ok, report.format_errors()
    o = directory.scalar(select(Officer).where(Officer.cert_no == "370200003"))
    assert o.phone == "13912345678"


def test_xlsx_formula_is_refused_naming_the_cell(db_session):
    rows = [ENTITY_COLUMNS, list(entity(1).values()), list(entity(2).values())]
    rows[2][1] = '=CONCATENATE("即墨","公司")'
    report = refused(
        db_session,
        "entities",
        to_xlsx(rows),
        "f.xlsx",
        (3, "name", "B3 是公式", "B3 holds a formula"),
    )
    assert report.errors[0].cell == "B3"
    assert not entity_exists(db_session, 1)


def test_xlsx_merged_cells_are_refused_naming_the_range(db_session):
    wb = Workbook()
    ws = wb.active
    ws.append(ENTITY_COLUMNS)
    ws.append(list(entity(1).values()))
    ws.append(list(entity(2).values()))
    ws.append(list(entity(3).values()))
    ws.merge_cells("E3:E4")  # the town of rows 3 and 4 in one merged cell
    buf = io.BytesIO()
    wb.save(buf)
    report = refused(
        db_session, "entities", buf.getvalue(), "m.xlsx", (3, "town", "合并单元格 E3:E4", "E3:E4")
    )
    assert report.errors[0].cell == "E3:E4"
    assert not entity_exists(db_session, 1)


def test_xlsx_header_below_title_rows_keeps_spreadsheet_row_numbers(db_session):
    rows = [[], [], ENTITY_COLUMNS, list(entity(1).values()), list(entity(2, town="XX").values())]
    refused(db_session, "entities", to_xlsx(rows), "t.xlsx", (5, "town", "不存在", "unknown town"))


# ---------------------------------------------------------------------------- officers


def test_officers_are_imported_with_canonical_competences(db_session):
    rows = [
        officer(1, competences="Food safety；广告; enterprise information disclosure"),
        officer(2, competences="", body="区综合行政执法局", unit="ZF-TJ", cert_status="暂扣"),
    ]
    report = run(db_session, "officers", rows)
    assert report.ok, report.format_errors()
    o1 = db_session.scalar(select(Officer).where(Officer.cert_no == "370200001"))
    assert o1.competences == ";".join(sorted(["食品安全", "广告", "企业信息公示"]))
    assert (o1.body.code, o1.unit.code, o1.cert_valid_to) == ("SC", "SC-TJ", dt.date(2026, 12, 31))
    o2 = db_session.scalar(select(Officer).where(Officer.cert_no == "370200002"))
    assert (o2.competences, o2.body.code, o2.cert_status) == ("", "ZF", "suspended")
    assert run(db_session, "officers", rows).unchanged == 2


OFFICER_ERRORS = [
    ({"body": "XX"}, "body", "执法主体代码“XX”不存在", "unknown body code"),
    ({"unit": "SC-XX"}, "unit", "单位代码“SC-XX”不存在", "unknown unit code"),
    ({"unit": "ZF-TJ"}, "unit", "不属于执法主体", "does not belong to body"),
    ({"cert_valid_to": "2020-12-31"}, "cert_valid_to", "早于证件生效日期", "is before"),
    ({"cert_valid_from": "1-1-2021"}, "cert_valid_from", "YYYY-MM-DD", "YYYY-MM-DD"),
    ({"cert_status": "lost"}, "cert_status", "不是允许的值", "valid, expired"),
    ({"competences": "食品安全;城市管理"}, "competences", "没有类别：城市管理", "no inspection"),
    ({"phone": "=1+1"}, "phone", "公式", "formula"),
    ({"cert_no": ""}, "cert_no", "必填", "required"),
]


@pytest.mark.parametrize("changes, column, zh, en", OFFICER_ERRORS)
def test_bad_officer_value_refuses_the_whole_file(db_session, changes, column, zh, en):
    rows = [officer(1), officer(2, **changes)]
    refused(db_session, "officers", rows, "o.csv", (3, column, zh, en))
    assert db_session.scalar(select(func.count()).select_from(Officer)) == 0


def test_duplicate_certificate_number_is_refused(db_session):
    rows = [officer(1), officer(2), officer(1, name="同号")]
    refused(db_session, "officers", rows, "o.csv", (4, "cert_no", "与第 2 行重复", "row 2"))


# ---------------------------------------------------------------------------- conflicts, leave


def test_conflicts_are_upserted_by_officer_and_entity(directory):
    rows = [conflict(1, 1), conflict(1, 2, kind="曾任职"), conflict(2, 1, kind="shareholding")]
    report = run(directory, "conflicts", rows)
    assert report.ok, report.format_errors()
    assert report.created == 3
    directory.commit()
    rows[0]["kind"] = "other"
    report = run(directory, "conflicts", rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    kinds = {
        (c.officer.cert_no, c.entity.uscc): c.kind for c in directory.scalars(select(Conflict))
    }
    assert kinds == {
        ("370200001", code(1)): "other",
        ("370200001", code(2)): "former_employer",
        ("370200002", code(1)): "shareholding",
    }


CONFLICT_ERRORS = [
    ({"cert_no": "999"}, "cert_no", "没有执法证号“999”", "no officer"),
    ({"uscc": code(77)}, "uscc", "检查对象名录库中没有", "no entity"),
    ({"uscc": code(77)[:17] + "#"}, "uscc", "不允许的字符", "not allowed"),
    ({"kind": "friend"}, "kind", "不是允许的值", "relative, former_employer"),
    ({"declared_on": "2024-02-30"}, "declared_on", "不是有效日期", "not a valid date"),
]


@pytest.mark.parametrize("changes, column, zh, en", CONFLICT_ERRORS)
def test_bad_conflict_refuses_the_whole_file(directory, changes, column, zh, en):
    rows = [conflict(1, 1), conflict(2, 2, **changes)]
    refused(directory, "conflicts", rows, "c.csv", (3, column, zh, en))
    assert directory.scalar(select(func.count()).select_from(Conflict)) == 0


def test_conflicts_refer_to_the_database_not_to_other_files(db_session):
    load(db_session, "entities", [entity(1)])
    rows = [conflict(1, 1)]
    refused(db_session, "conflicts", rows, "c.csv", (2, "cert_no", "请先导入执法人员", "first"))


def test_duplicate_conflict_pair_is_refused(directory):
    rows = [conflict(1, 1), conflict(1, 2), conflict(1, 1, kind="other")]
    refused(directory, "conflicts", rows, "c.csv", (4, "cert_no, uscc", "与第 2 行重复", "row 2"))


def test_leave_is_upserted_by_officer_and_start(directory):
    rows = [leave(1), leave(1, "2025-08-01", "2025-08-01"), leave(2, reason="")]
    assert run(directory, "leave", rows).created == 3
    directory.commit()
    rows[1]["end"] = "2025-08-03"
    report = run(directory, "leave", rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    ends = {lp.starts_on: lp.ends_on for lp in directory.scalars(select(LeavePeriod))}
    assert ends[dt.date(2025, 8, 1)] == dt.date(2025, 8, 3)


LEAVE_ERRORS = [
    ({"end": "2025-06-30"}, "end", "结束日期早于开始日期", "end is before start"),
    ({"cert_no": "nobody"}, "cert_no", "没有执法证号", "no officer"),
    ({"start": ""}, "start", "必填", "required"),
    ({"end": "31/12/2025"}, "end", "YYYY-MM-DD", "YYYY-MM-DD"),
]


@pytest.mark.parametrize("changes, column, zh, en", LEAVE_ERRORS)
def test_bad_leave_refuses_the_whole_file(directory, changes, column, zh, en):
    rows = [leave(1), leave(2, **changes)]
    refused(directory, "leave", rows, "l.csv", (3, column, zh, en))


def test_duplicate_leave_start_is_refused(directory):
    rows = [leave(1), leave(1, "2025-07-01", "2025-07-20")]
    refused(directory, "leave", rows, "l.csv", (3, "cert_no, start", "与第 2 行重复", "row 2"))


# ---------------------------------------------------------------------------- CLI


def test_cli_import_prints_counts_and_exits_zero(app, db_session, tmp_path):
    path = tmp_path / "entities.csv"
    path.write_bytes(to_csv(ENTITY_COLUMNS, [entity(1), entity(2)]))
    result = app.test_cli_runner().invoke(args=["import", "entities", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.stdout and "2 created" in result.stdout
    assert result.stderr == ""
    db_session.rollback()  # what the CLI committed is in the database
    assert entity_exists(db_session, 1) and entity_exists(db_session, 2)


def test_cli_import_of_a_bad_file_exits_one_with_the_report_on_stderr(app, db_session, tmp_path):
    path = tmp_path / "entities.csv"
    path.write_bytes(to_csv(ENTITY_COLUMNS, [entity(1), entity(2, town="XX")]))
    before = snapshot(db_session)
    result = app.test_cli_runner().invoke(args=["import", "entities", str(path)])
    assert result.exit_code == 1
    assert "第 3 行 / row 3 E3 [town] “XX”" in result.stderr
    assert "nothing was written" in result.stderr
    assert result.stdout == ""
    db_session.rollback()
    assert snapshot(db_session) == before


def test_cli_import_of_a_missing_file_fails(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", "officers", str(tmp_path / "no.csv")])
    assert result.exit_code != 0
    assert "does not exist" in result.stderr


def test_cli_import_records_the_actor(app, db_session, tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes(to_csv(OFFICER_COLUMNS, [officer(1)]))
    args = ["import", "officers", str(path), "--actor", "planner-sc"]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    db_session.rollback()
    event = db_session.scalars(select(AuditEvent)).one()
    assert (event.actor, event.subject, event.payload["file"]) == (
        "planner-sc",
        "officers",
        "o.csv",
    )


# ---------------------------------------------------------------------------- the fast path

TOWNS = {"TJ": 1, "HX": 2, "通济街道": 1}
_cells = {
    "uscc": st.sampled_from(
        [code(1), code(2).lower(), code(3)[:17] + "0", "", "123", " " + code(4)]
    ),
    "name": st.sampled_from(["甲公司", "", "=1", "x" * 129, " 乙 "]),
    "type": st.sampled_from(["E", "i", "企业", "X", ""]),
    "industry": st.sampled_from(["A", ACTOR, "U", ""]),
    "town": st.sampled_from(["TJ", "hx", "通济街道", "ZZ", ""]),
    "address": st.sampled_from(["", "路1号", "a\nb"]),
    "registered_on": st.sampled_from(["2020-01-01", "2020-02-30", "20200101", ""]),
    "status": st.sampled_from(["active", "注销", "closed", ""]),
    "credit_class": st.sampled_from(["A", "d", "E", ""]),
    "key_supervision": st.sampled_from(["0", "1", "是", "2", ""]),
    "abnormal": st.sampled_from(["0", "1", "否", "x", ""]),
}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=_cells), st.integers(0, 3))
def test_fast_row_loading_is_marshmallow_loading(values, repeat):
    """`load_row` (direct, memoised) must return exactly what `load` returns, or fail alike."""
    schema = EntityRow(Lookups(towns=TOWNS))
    reference = EntityRow(Lookups(towns=TOWNS))
    for _ in range(repeat + 1):  # later rounds hit the memo
        try:
            expected = reference.load(values)
        except ValidationError as exc:
            expected = (exc.messages, exc.valid_data)
        try:
            got = schema.load_row(values)
        except ValidationError as exc:
            got = (exc.messages, exc.valid_data)
        assert got == expected


def test_schema_messages_are_bilingual_objects():
    schema = EntityRow(Lookups(towns=TOWNS))
    with pytest.raises(ValidationError) as exc:
        schema.load_row({**entity(1), "type": "Q", "town": "ZZ"})
    messages = exc.value.messages
    assert set(messages) == {"type", "town"}
    assert all(isinstance(m, Msg) for ms in messages.values() for m in ms)
