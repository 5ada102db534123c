"""Marshmallow schemas of one row of each directory file (entities, officers, conflicts, leave).

A row arrives as a dict of column name to cell text (`str`, possibly empty). Loading it
returns the model's column values (`town` becomes `town_id`, `cert_no` in a conflict
becomes `officer_id`, ...). Every message is bilingual: errors carry `Msg(zh, en)` objects.

Columns: an empty cell of a required column is an error; an empty cell of an optional
column means the column's default. A column missing from the file is absent from the
loaded dict, so an update leaves that attribute as it is.

The schemas need the reference data and the existing officers and entities: pass a
`Lookups` to the constructor. They never touch the database themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from scheduler import uscc
from scheduler.errors import Msg
from scheduler.models import (
    INDUSTRY_SECTIONS,
    CertStatus,
    ConflictKind,
    CreditClass,
    EntityStatus,
    EntityType,
)

REQUIRED = Msg("必填，不能为空", "required, must not be empty")
NOT_TEXT = Msg("应为文本", "must be text")


@dataclass(frozen=True)
class Column:
    """A column of a directory file: English header, Chinese header alias, required?"""

    name: str
    zh: str
    required: bool


@dataclass
class Lookups:
    """What the row schemas check references against (filled by the importer)."""

    towns: Mapping[str, int] = field(default_factory=dict)  # code or Chinese name -> id
    bodies: Mapping[str, int] = field(default_factory=dict)  # code or Chinese name -> id
    units: Mapping[str, int] = field(default_factory=dict)  # code or Chinese name -> id
    unit_body: Mapping[int, int] = field(default_factory=dict)  # unit id -> body id
    body_codes: Mapping[int, str] = field(default_factory=dict)  # body id -> code
    # body id -> {category_zh: category_zh, category_en.casefold(): category_zh}
    categories: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    officers: Mapping[str, int] = field(default_factory=dict)  # cert_no -> id
    entities: Mapping[str, int] = field(default_factory=dict)  # uscc -> id


# ---------------------------------------------------------------------------- fields

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Cell(fields.Field):
    """A spreadsheet cell given as text, stripped. Empty: an error if required, else `empty`."""

    default_error_messages = {"required": REQUIRED, "null": REQUIRED, "invalid": NOT_TEXT}
    # The loaded value depends on the cell text alone (and the schema's fixed lookups) and
    # few distinct texts occur in a column: `RowSchema.load_row` memoises it.
    cacheable = False

    def __init__(self, *, empty=None, **kwargs):
        super().__init__(**kwargs)
        self.empty = empty

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        value = value.strip()
        if not value:
            if self.required:
                raise self.make_error("required")
            return self.empty
        return self.parse(value)

    def parse(self, value: str):
        return value

    @staticmethod
    def fail(zh: str, en: str) -> ValidationError:
        return ValidationError([Msg(zh, en)])


class Text(Cell):
    """Free text of at most `max_length` characters; never a formula (`=...`)."""

    def __init__(self, max_length: int, *, multiline: bool = False, **kwargs):
        kwargs.setdefault("empty", "")
        super().__init__(**kwargs)
        self.max_length = max_length
        self.control = _CONTROL_MULTILINE if multiline else _CONTROL

    def parse(self, value: str) -> str:
        if len(value) > self.max_length:
            raise self.fail(
                f"最多 {self.max_length} 个字符，此处为 {len(value)} 个",
                f"at most {self.max_length} characters, this has {len(value)}",
            )
        if value.startswith("="):
            raise self.fail(
                "不接受以“=”开头的内容（公式）", "a value starting with '=' (a formula) is refused"
            )
        if self.control.search(value):
            raise self.fail(
                "含有控制字符（如换行）", "contains control characters (e.g. line breaks)"
            )
        return value


class Choice(Cell):
    """One of a fixed set of codes; Chinese labels are accepted as aliases."""

    cacheable = True

    def __init__(self, choices: Mapping[str, tuple[str, ...]], *, case: str = "", **kwargs):
        super().__init__(**kwargs)
        self.labels = {code: aliases[0] if aliases else "" for code, aliases in choices.items()}
        self.case = case
        self.accepted: dict[str, str] = {}
        for code, aliases in choices.items():
            self.accepted[code] = code
            for alias in aliases:
                self.accepted[alias] = code

    def parse(self, value: str) -> str:
        key = value.upper() if self.case == "upper" else value.lower() if self.case else value
        code = self.accepted.get(key)
        if code is None:
            allowed_zh = "、".join(f"{c}（{z}）" if z else c for c, z in self.labels.items())
            allowed_en = ", ".join(self.labels)
            raise self.fail(
                f"“{value}”不是允许的值，应为：{allowed_zh}",
                f"{value!r} is not an allowed value; use one of {allowed_en}",
            )
        return code


DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
_DATE_FORMS = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日)")
_SERIAL = re.compile(r"\d{1,5}")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 is 1900-03-01 (Excel's 1900 leap-year bug)
DATE_FORMAT = Msg(
    "应为 YYYY-MM-DD 格式的日期（也可写作 2027/3/1 或 2027年3月1日），在 1900 至 2100 年之间",
    "must be a date in YYYY-MM-DD form (2027/3/1 and 2027年3月1日 work too), from 1900 to 2100",
)


def parse_date(value: str) -> dt.date | None:
    """A date written `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D`, `YYYY年M月D日` or as an Excel
    date serial number (what a date cell formatted as a number shows), within
    `DATE_MIN`..`DATE_MAX`; None if it is none of these. `ValueError` for a date of the
    right form that does not exist (2027-02-30)."""
    m = _DATE_FORMS.fullmatch(value)
    if m:
        year, month, day = m.group(1), m.group(3) or m.group(5), m.group(4) or m.group(6)
        found = dt.date(int(year), int(month), int(day))
    elif _SERIAL.fullmatch(value) and int(value) >= 61:
        found = _EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        return None
    return found if DATE_MIN <= found <= DATE_MAX else None


class IsoDate(Cell):
    """A date: `YYYY-MM-DD` (what exports write), `YYYY/M/D`, `YYYY年M月D日` or an Excel
    serial number; see `parse_date`."""

    cacheable = True

    def parse(self, value: str) -> dt.date:
        try:
            day = parse_date(value)
        except ValueError:
            raise self.fail(f"“{value}”不是有效日期", f"{value!r} is not a valid date") from None
        if day is None:
            raise self.fail(f"“{value}”{DATE_FORMAT.zh}", f"{value!r} {DATE_FORMAT.en}")
        return day


class Flag(Cell):
    """A yes/no column: 1 or 0 (是 / 否 accepted too)."""

    cacheable = True

    TRUE = ("1", "是")
    FALSE = ("0", "否")

    def __init__(self, **kwargs):
        kwargs.setdefault("empty", False)
        super().__init__(**kwargs)

    def parse(self, value: str) -> bool:
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise self.fail(f"“{value}”应为 1（是）或 0（否）", f"{value!r} must be 1 (yes) or 0 (no)")


class CreditCode(Cell):
    """A unified social credit code with a correct check digit, stored compact and uppercase."""

    def parse(self, value: str) -> str:
        try:
            return uscc.validate(value)
        except uscc.USCCError as exc:
            raise ValidationError([exc.message]) from None


class Ref(Cell):
    """A code (or Chinese name) of a row of the reference table `lookups.<table>`; loads its id."""

    cacheable = True

    def __init__(self, table: str, what: Msg, **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.what = what

    def parse(self, value: str) -> int:
        table = getattr(self.root.lookups, self.table)
        found = table.get(value)
        if found is None:
            found = table.get(value.upper())
        if found is None:
            raise self.fail(f"{self.what.zh}“{value}”不存在", f"unknown {self.what.en} {value!r}")
        return found


class OfficerRef(Cell):
    """The certificate number of an officer already in the registry; loads the officer's id."""

    cacheable = True

    def parse(self, value: str) -> int:
        found = self.root.lookups.officers.get(value)
        if found is None:
            raise self.fail(
                f"执法人员名录库中没有执法证号“{value}”，请先导入执法人员",
                f"no officer with certificate number {value!r} in the registry; "
                "import the officers first",
            )
        return found


class EntityRef(CreditCode):
    """The credit code of an entity already in the directory; loads the entity's id."""

    def parse(self, value: str) -> int:
        code = super().parse(value)
        found = self.root.lookups.entities.get(code)
        if found is None:
            raise self.fail(
                f"检查对象名录库中没有统一社会信用代码“{code}”，请先导入市场主体",
                f"no entity with credit code {code!r} in the directory; import the entities first",
            )
        return found


class CategoryList(Cell):
    """`;`-separated item category names (Chinese or English); loads a tuple of them as given."""

    cacheable = True

    SEPARATORS = re.compile(r"[;；]")

    def __init__(self, **kwargs):
        kwargs.setdefault("empty", ())
        super().__init__(**kwargs)

    def parse(self, value: str) -> tuple[str, ...]:
        return tuple(t for t in (s.strip() for s in self.SEPARATORS.split(value)) if t)


# ---------------------------------------------------------------------------- choices

ENTITY_TYPES = {
    EntityType.ENTERPRISE.value: ("企业",),
    EntityType.INDIVIDUAL.value: ("个体工商户", "个体"),
    EntityType.COOPERATIVE.value: ("农民专业合作社", "合作社"),
}
INDUSTRIES = {letter: () for letter in INDUSTRY_SECTIONS}
ENTITY_STATUSES = {
    EntityStatus.ACTIVE.value: ("存续", "在业"),
    EntityStatus.DEREGISTERED.value: ("注销",),
    EntityStatus.REVOKED.value: ("吊销",),
}
CREDIT_CLASSES = {c.value: () for c in CreditClass}
CERT_STATUSES = {
    CertStatus.VALID.value: ("有效",),
    CertStatus.EXPIRED.value: ("过期", "已过期"),
    CertStatus.SUSPENDED.value: ("暂停", "暂扣"),
    CertStatus.REVOKED.value: ("注销",),
}
CONFLICT_KINDS = {
    ConflictKind.RELATIVE.value: ("亲属",),
    ConflictKind.FORMER_EMPLOYER.value: ("曾任职",),
    ConflictKind.SHAREHOLDING.value: ("持股",),
    ConflictKind.OTHER.value: ("其他",),
}


# ---------------------------------------------------------------------------- schemas


class _Failed:
    """A cell text that failed to load, memoised with its messages."""

    __slots__ = ("messages",)

    def __init__(self, messages):
        self.messages = messages


class RowSchema(Schema):
    """Base of the row schemas: holds the `Lookups`."""

    class Meta:
        unknown = RAISE

    COLUMNS: tuple[Column, ...] = ()

    def __init__(self, lookups: Lookups, **kwargs):
        super().__init__(**kwargs)
        self.lookups = lookups
        hooks = (PRE_LOAD, POST_LOAD, VALIDATES, VALIDATES_SCHEMA)
        self._direct = not any(self._hooks[h] for h in hooks)
        self._required = frozenset(n for n, f in self.load_fields.items() if f.required)
        # name -> (loaded attribute, deserialiser, memo or None). For a text cell,
        # `Field.deserialize` is `_deserialize` followed by the field's validators.
        self._plan = {
            name: (
                f.attribute or name,
                f.deserialize if f.validators else f._deserialize,
                {} if getattr(f, "cacheable", False) else None,
            )
            for name, f in self.load_fields.items()
        }

    def load_row(self, values: dict[str, str]) -> dict:
        """`self.load(values)`, faster on big files; same result, same errors.

        A schema without hooks needs nothing but its fields: each field deserialises its cell
        directly, memoised per distinct text where `cacheable`. Any error, unknown or missing
        column falls back to `load`, which reports every problem of the row.
        """
        if not self._direct or not self._required <= values.keys():
            return self.load(values)
        out = {}
        errors: dict = {}
        plan = self._plan
        try:
            for name, text in values.items():
                attr, deserialize, cache = plan[name]
                if type(text) is not str:
                    raise TypeError(name)
                if cache is not None and text in cache:
                    value = cache[text]
                else:
                    try:
                        value = deserialize(text, name, values)
                    except ValidationError as exc:
                        # A field's messages, as `load` stores them; memoised like values.
                        value = _Failed(exc.messages)
                    if cache is not None:
                        cache[text] = value
                if type(value) is _Failed:
                    errors[name] = value.messages
                else:
                    out[attr] = value
        except (KeyError, TypeError):
            return self.load(values)
        if errors:
            # What `load` raises for field errors alone (a direct schema has no hooks).
            raise ValidationError(errors, valid_data=out)
        return out

    def defaults(self) -> dict:
        """Loaded attribute -> value used when an optional column is missing from the file."""
        return {
            f.attribute or name: f.empty for name, f in self.load_fields.items() if not f.required
        }


def _check_order(data: dict, first: str, last: str, column: str, msg: Msg) -> None:
    if first in data and last in data and data[last] < data[first]:
        raise ValidationError({column: [msg]})


class EntityRow(RowSchema):
    """A market entity (检查对象名录库)."""

    COLUMNS = (
        Column("uscc", "统一社会信用代码", True),
        Column("name", "名称", True),
        Column("type", "类型", True),
        Column("industry", "行业", True),
        Column("town", "镇街", True),
        Column("address", "地址", False),
        Column("registered_on", "成立日期", True),
        Column("status", "状态", False),
        Column("credit_class", "信用风险分类", False),
        Column("key_supervision", "重点监管", False),
        Column("abnormal", "经营异常", False),
    )

    uscc = CreditCode(required=True)
    name = Text(128, required=True)
    type = Choice(ENTITY_TYPES, case="upper", required=True)
    industry = Choice(INDUSTRIES, case="upper", required=True)
    town = Ref("towns", Msg("镇街代码", "town code"), attribute="town_id", required=True)
    address = Text(256)
    registered_on = IsoDate(required=True)
    status = Choice(ENTITY_STATUSES, case="lower", empty=EntityStatus.ACTIVE.value)
    credit_class = Choice(CREDIT_CLASSES, case="upper", empty=CreditClass.A.value)
    key_supervision = Flag()
    abnormal = Flag()


class OfficerRow(RowSchema):
    """A certified enforcement officer (执法检查人员名录库)."""

    COLUMNS = (
        Column("cert_no", "执法证号", True),
        Column("name", "姓名", True),
        Column("body", "执法主体", True),
        Column("unit", "所属单位", True),
        Column("cert_valid_from", "证件生效日期", True),
        Column("cert_valid_to", "证件有效期至", True),
        Column("cert_status", "证件状态", False),
        Column("competences", "执法领域", False),
        Column("phone", "联系电话", False),
    )

    cert_no = Text(32, required=True)
    name = Text(64, required=True)
    body = Ref("bodies", Msg("执法主体代码", "body code"), attribute="body_id", required=True)
    unit = Ref("units", Msg("单位代码", "unit code"), attribute="unit_id", required=True)
    cert_valid_from = IsoDate(required=True)
    cert_valid_to = IsoDate(required=True)
    cert_status = Choice(CERT_STATUSES, case="lower", empty=CertStatus.VALID.value)
    competences = CategoryList()
    phone = Text(32)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def check_row(self, data, original_data, **kwargs):
        errors: dict[str, list[Msg]] = {}
        body_id = data.get("body_id")
        if body_id is not None and "unit_id" in data:
            if self.lookups.unit_body.get(data["unit_id"]) != body_id:
                unit, body = original_data.get("unit", "").strip(), original_data["body"].strip()
                errors["unit"] = [
                    Msg(
                        f"单位“{unit}”不属于执法主体“{body}”",
                        f"unit {unit!r} does not belong to body {body!r}",
                    )
                ]
        if body_id is not None and data.get("competences"):
            known = self.lookups.categories.get(body_id, {})
            unknown = [c for c in data["competences"] if _category(known, c) is None]
            if unknown:
                body = self.lookups.body_codes.get(body_id, "")
                errors["competences"] = [
                    Msg(
                        f"执法主体 {body} 的抽查事项中没有类别：{'、'.join(unknown)}；"
                        f"可用类别：{'、'.join(sorted(set(known.values())))}",
                        f"body {body} has no inspection-item category "
                        f"{', '.join(repr(u) for u in unknown)}",
                    )
                ]
        try:
            _check_order(
                data,
                "cert_valid_from",
                "cert_valid_to",
                "cert_valid_to",
                Msg("证件有效期至早于证件生效日期", "cert_valid_to is before cert_valid_from"),
            )
        except ValidationError as exc:
            errors.update(exc.messages)
        if errors:
            raise ValidationError(errors)

    @post_load
    def canonical_competences(self, data, **kwargs):
        if "competences" in data:
            known = self.lookups.categories.get(data["body_id"], {})
            data["competences"] = ";".join(
                sorted({_category(known, c) for c in data["competences"]})
            )
        return data


def _category(known: Mapping[str, str], name: str) -> str | None:
    return known.get(name) or known.get(name.casefold())


class ConflictRow(RowSchema):
    """A declared conflict of interest (回避) of an officer with an entity."""

    COLUMNS = (
        Column("cert_no", "执法证号", True),
        Column("uscc", "统一社会信用代码", True),
        Column("kind", "回避类型", True),
        Column("declared_on", "申报日期", True),
        Column("note", "备注", False),
    )

    cert_no = OfficerRef(attribute="officer_id", required=True)
    uscc = EntityRef(attribute="entity_id", required=True)
    kind = Choice(CONFLICT_KINDS, case="lower", required=True)
    declared_on = IsoDate(required=True)
    note = Text(2000, multiline=True)


class LeaveRow(RowSchema):
    """A period when an officer is unavailable (请假、培训、借调)."""

    COLUMNS = (
        Column("cert_no", "执法证号", True),
        Column("start", "开始日期", True),
        Column("end", "结束日期", True),
        Column("reason", "事由", False),
    )

    cert_no = OfficerRef(attribute="officer_id", required=True)
    start = IsoDate(attribute="starts_on", required=True)
    end = IsoDate(attribute="ends_on", required=True)
    reason = Text(128)

    @validates_schema(skip_on_field_errors=False)
    def check_dates(self, data, **kwargs):
        _check_order(
            data, "starts_on", "ends_on", "end", Msg("结束日期早于开始日期", "end is before start")
        )


SCHEMAS: dict[str, type[RowSchema]] = {
    "entities": EntityRow,
    "officers": OfficerRow,
    "conflicts": ConflictRow,
    "leave": LeaveRow,
}
