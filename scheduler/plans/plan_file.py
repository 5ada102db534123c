"""The plan file (抽查计划文件): JSON that `flask plan create --from` reads and the console writes.

`read_plan_file` turns the bytes of a file into a dict, refusing cleanly what is not a
plan file at all: an encoding other than UTF-8 (BOM optional) or GBK, NUL bytes, more than
`MAX_PLAN_FILE_BYTES`, JSON nested deeper than `MAX_DEPTH`, numbers beyond any bound.

The dict is validated by a marshmallow schema whose messages are `Msg` objects;
`field_errors` turns marshmallow's nested errors into messages by dotted field path. Every
object refuses keys it does not know, naming the nearest known key (`cross_jurisdicton`:
did you mean `cross_jurisdiction`?). Numbers have upper bounds, dates lie in
`DATE_MIN`..`DATE_MAX`. Cross-references (bodies and towns, by code or Chinese name; items)
are checked against the database by `scheduler.plans.create`.

Defaults worth knowing: `key_supervision` defaults to `KEY_SUPERVISION_DEFAULT`, i.e.
`{"flagged": true, "entities": []}`: every active entity flagged for key supervision
(重点监管) that fits one of the plan's items is inspected on top of the random draw. Give
`"key_supervision": {"flagged": false}` for a plan without them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from scheduler.errors import FairdrawError, Msg, PlanError
from scheduler.textfiles import decode_text

CREDIT_CLASSES = ("A", "B", "C", "D")
# Strata by the confidential credit-risk class are sealed (分层保密, spec section 7); strata by
# public attributes (none, item code, town code, entity type E/I/C) are open (sections 1-5).
SEALED_STRATA_BY = ("credit_class", "credit_class_item")
OPEN_STRATA_BY = ("none", "item", "town", "entity_type")
STRATA_BY = SEALED_STRATA_BY + OPEN_STRATA_BY
ENTITY_TYPES = ("E", "I", "C")
ALL_STRATUM = "ALL"
# A plan code (计划编号): upper-case letters, digits and hyphens, 2 to 32 characters, first
# not a hyphen. Matched on the whole string: it appears in URLs, file names and headers.
PLAN_CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
CODE_RE = PLAN_CODE_PATTERN  # the former name
PLAN_CODE_FORMAT = Msg(
    "计划编号由大写字母、数字和连字符组成，2 至 32 个字符，不以连字符开头，如 SC-2027-001",
    "a plan code is 2 to 32 upper-case letters, digits and hyphens, not starting with a "
    "hyphen, e.g. SC-2027-001",
)

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
MAX_WINDOW_DAYS = 731  # two years
MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 16  # the plan file nests 4 deep; anything far deeper is not a plan file
MAX_COUNT = 1_000_000  # a stratum's sample size
MAX_CAP_PER_OFFICER = 1000
MAX_LISTED = 10_000  # entities listed for exclusion or key supervision
MAX_CODES = 500  # bodies, items, towns
KEY_SUPERVISION_DEFAULT = {"flagged": True, "entities": []}


def is_plan_code(text: object) -> bool:
    """Whether `text` is a well-formed plan code (the whole of it, see `PLAN_CODE_PATTERN`)."""
    return isinstance(text, str) and PLAN_CODE_PATTERN.fullmatch(text) is not None


def _code(max_length: int = 64) -> fields.String:
    return fields.String(validate=validate.Length(1, max_length))


def _date() -> fields.Date:
    return fields.Date(required=True, validate=validate.Range(DATE_MIN, DATE_MAX))


def nearest(key: str, known) -> str | None:
    """The known key closest to `key` (a typo's likely intent), or None if none is close."""
    found = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    if not found:
        found = [k for k in sorted(known) if k.casefold() == key.casefold()]
    return found[0] if found else None


def unknown_key_message(key: str, known) -> Msg:
    guess = nearest(key, known)
    if guess:
        return Msg(
            f"未知的键“{key}”，是否应为“{guess}”？", f"unknown key {key!r}: did you mean {guess!r}?"
        )
    listed = ", ".join(sorted(known))
    return Msg(f"未知的键“{key}”；可用的键：{listed}", f"unknown key {key!r}; known keys: {listed}")


class StrictSchema(Schema):
    """A plan-file object: a key the schema does not know is an error naming the nearest one."""

    class Meta:
        unknown = EXCLUDE  # reported by `no_unknown_keys`, with a suggestion

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def no_unknown_keys(self, data, original_data, **kwargs):
        if not isinstance(original_data, dict):
            return
        known = {f.data_key or name for name, f in self.load_fields.items()}
        errors = {
            str(key): [unknown_key_message(str(key), known)]
            for key in original_data
            if key not in known
        }
        if errors:
            raise ValidationError(errors)


class WindowSchema(StrictSchema):
    start = _date()
    end = _date()

    @validates_schema(skip_on_field_errors=True)
    def end_after_start(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError(
                [Msg("结束日期早于开始日期", "the window ends before it starts")], field_name="end"
            )
        if (data["end"] - data["start"]).days >= MAX_WINDOW_DAYS:
            raise ValidationError(
                [
                    Msg(
                        f"抽查时间窗口最长 {MAX_WINDOW_DAYS} 天",
                        f"the window lasts at most {MAX_WINDOW_DAYS} days",
                    )
                ],
                field_name="end",
            )


class FiltersSchema(StrictSchema):
    towns = fields.List(_code(), load_default=list, validate=validate.Length(max=MAX_CODES))


class StrataSchema(StrictSchema):
    by = fields.String(load_default="credit_class", validate=validate.OneOf(STRATA_BY))
    ratios_bp = fields.Dict(
        keys=_code(),
        values=fields.Integer(strict=True, validate=validate.Range(0, 10000)),
    )
    counts = fields.Dict(
        keys=_code(), values=fields.Integer(strict=True, validate=validate.Range(0, MAX_COUNT))
    )

    @validates_schema
    def exactly_one_rule(self, data, **kwargs):
        if ("ratios_bp" in data) == ("counts" in data):
            raise ValidationError(
                [Msg("须给出 ratios_bp 或 counts 之一", "give exactly one of ratios_bp and counts")]
            )
        if not (data.get("ratios_bp") or data.get("counts")):
            raise ValidationError([Msg("分层规则为空", "the strata rules are empty")])


class ListedEntitySchema(StrictSchema):
    uscc = fields.String(required=True, validate=validate.Length(equal=18))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))


class ExclusionsSchema(StrictSchema):
    months_since_last = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 120)
    )
    max_per_year = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 366)
    )
    entities = fields.List(
        fields.Nested(ListedEntitySchema),
        load_default=list,
        validate=validate.Length(max=MAX_LISTED),
    )


class KeySupervisionSchema(StrictSchema):
    flagged = fields.Boolean(load_default=True)
    entities = fields.List(
        fields.Nested(ListedEntitySchema),
        load_default=list,
        validate=validate.Length(max=MAX_LISTED),
    )


class PlanCode(fields.String):
    """A plan code, the whole string matching `PLAN_CODE_PATTERN`."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_plan_code(text):
            raise ValidationError([PLAN_CODE_FORMAT])
        return text


class PlanFileSchema(StrictSchema):
    """The documented plan file (README "Plan files"); every key is known, see the module."""

    code = PlanCode(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=256))
    lead_body = fields.String(required=True, validate=validate.Length(1, 64))
    bodies = fields.List(_code(), load_default=list, validate=validate.Length(max=MAX_CODES))
    items = fields.List(_code(), required=True, validate=validate.Length(1, MAX_CODES))
    window = fields.Nested(WindowSchema, required=True)
    filters = fields.Nested(FiltersSchema, load_default=lambda: {"towns": []})
    strata = fields.Nested(StrataSchema, required=True)
    team_size = fields.Dict(
        keys=_code(),
        values=fields.Integer(strict=True, validate=validate.Range(2, 10)),
        load_default=dict,
    )
    cap_per_officer = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, MAX_CAP_PER_OFFICER),
    )
    cap_per_day = fields.Integer(strict=True, load_default=4, validate=validate.Range(1, 20))
    mode = fields.String(load_default="balanced", validate=validate.OneOf(("balanced", "random")))
    cross_jurisdiction = fields.Boolean(load_default=False)
    exclusions = fields.Nested(
        ExclusionsSchema,
        load_default=lambda: {"months_since_last": None, "max_per_year": None, "entities": []},
    )
    key_supervision = fields.Nested(
        KeySupervisionSchema, load_default=lambda: dict(KEY_SUPERVISION_DEFAULT, entities=[])
    )

    @validates_schema
    def consistent(self, data, **kwargs):
        if data.get("mode") == "random" and not data.get("cap_per_officer"):
            raise ValidationError(
                [Msg("random 模式须给出 cap_per_officer", "mode random needs cap_per_officer")],
                field_name="cap_per_officer",
            )
        strata = data.get("strata")
        if strata:
            rules = strata.get("ratios_bp") or strata.get("counts") or {}
            if strata["by"] == "none" and set(rules) != {ALL_STRATUM}:
                raise ValidationError(
                    [
                        Msg(
                            f'不分层时只能有 "{ALL_STRATUM}"',
                            f'with by=none give only "{ALL_STRATUM}"',
                        )
                    ],
                    field_name="strata",
                )
            if strata["by"] == "credit_class" and set(rules) != set(CREDIT_CLASSES):
                raise ValidationError(
                    [
                        Msg(
                            f"按信用风险分类分层须给出 A、B、C、D 四类，此处为 {sorted(rules)}",
                            f"by credit_class gives exactly A, B, C and D, got {sorted(rules)}",
                        )
                    ],
                    field_name="strata",
                )
            if strata["by"] == "entity_type" and not set(rules) <= set(ENTITY_TYPES):
                raise ValidationError(
                    [
                        Msg(
                            f"按主体类型分层的标签只能是 E、I、C，此处为 {sorted(rules)}",
                            f"by entity_type labels are E, I or C, got {sorted(rules)}",
                        )
                    ],
                    field_name="strata",
                )

    @post_load
    def normalise(self, data, **kwargs):
        data["bodies"] = sorted(set(data["bodies"]) | {data["lead_body"]})
        return data


def to_rules(data: dict) -> dict:
    """The JSON-serialisable rules stored on the plan (dates as ISO strings)."""
    return {
        "filters": {"towns": sorted(data["filters"]["towns"])},
        "strata": data["strata"],
        "team_size": {b: data["team_size"].get(b, 2) for b in data["bodies"]},
        "cap_per_officer": data["cap_per_officer"],
        "cap_per_day": data["cap_per_day"],
        "mode": data["mode"],
        "cross_jurisdiction": data["cross_jurisdiction"],
        "exclusions": {
            "months_since_last": data["exclusions"]["months_since_last"] or None,
            "max_per_year": data["exclusions"]["max_per_year"] or None,
        },
        "key_supervision": {"flagged": data["key_supervision"]["flagged"]},
    }


# Marshmallow's own messages are English; these are the ones a plan file can meet.
_MARSHMALLOW_ZH = {
    "Missing data for required field.": "缺少必填项",
    "Field may not be null.": "不能为空",
    "Unknown field.": "未知字段",
    "Not a valid integer.": "应为整数",
    "Not a valid string.": "应为文本",
    "Not a valid date.": "应为日期 YYYY-MM-DD",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Invalid input type.": "类型无效",
    "Invalid value.": "值无效",
    "String does not match expected pattern.": "格式不符",
}
_MARSHMALLOW_PATTERNS = (
    (re.compile(r"Must be one of: (.*)\.$"), "须为以下之一：{0}"),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        "须在 {0} 到 {1} 之间",
    ),
    (re.compile(r"Must be greater than or equal to (\S+)\.$"), "须不小于 {0}"),
    (re.compile(r"Must be less than or equal to (\S+)\.$"), "须不大于 {0}"),
    (re.compile(r"Length must be between (\S+) and (\S+)\.$"), "长度须在 {0} 到 {1} 之间"),
    (re.compile(r"Shorter than minimum length (\S+)\.$"), "长度不能少于 {0}"),
    (re.compile(r"Length must be (\S+)\.$"), "长度须为 {0}"),
)


def _as_msg(message) -> Msg:
    if isinstance(message, Msg):
        return message
    en = str(message)
    if en in _MARSHMALLOW_ZH:
        return Msg(_MARSHMALLOW_ZH[en], en)
    for pattern, zh in _MARSHMALLOW_PATTERNS:
        m = pattern.match(en)
        if m:
            return Msg(zh.format(*m.groups()), en)
    return Msg(en, en)


def field_errors(messages: dict, prefix: str | None = None) -> dict[str | None, list[Msg]]:
    """Marshmallow's nested error dict as messages by dotted field path (`window.end`,
    `exclusions.entities.0.uscc`); errors of a whole object go to its own path, those of
    the whole file to None."""
    out: dict[str | None, list[Msg]] = {}
    for field, value in messages.items():
        if field == "_schema":
            path = prefix
        else:
            path = f"{prefix}.{field}" if prefix else str(field)
        if isinstance(value, dict):
            for key, msgs in field_errors(value, path).items():
                out.setdefault(key, []).extend(msgs)
        else:
            for message in value if isinstance(value, list) else [value]:
                out.setdefault(path, []).append(_as_msg(message))
    return out


# ---------------------------------------------------------------------------- reading

PLAN_FILE_FORMAT = Msg(
    "计划文件应为一个 JSON 对象（UTF-8 或 GBK 编码），各键见 README“计划文件”一节，"
    "如 data/examples/plan-sc-2027-001.json",
    "a plan file is one JSON object (UTF-8 or GBK), with the keys README 'Plan files' "
    "lists, e.g. data/examples/plan-sc-2027-001.json",
)


def _unreadable(zh: str, en: str, *, status: int | None = None, details=()) -> PlanError:
    return PlanError(
        Msg(f"无法读取计划文件：{zh}", f"cannot read the plan file: {en}"),
        [*details, PLAN_FILE_FORMAT],
        code="plan_file_unreadable",
        status=status,
    )


class _Duplicate(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _walk_problem(data) -> Msg | None:
    """Nesting deeper than `MAX_DEPTH`, or a NUL character in a key or a text value."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return Msg(
                f"JSON 嵌套超过 {MAX_DEPTH} 层", f"the JSON nests deeper than {MAX_DEPTH} levels"
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return Msg("键中含有空字符（\\u0000）", "a key holds a NUL character (\\u0000)")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            return Msg(
                "文本中含有空字符（\\u0000）", "a text value holds a NUL character (\\u0000)"
            )
    return None


def read_plan_file(data: bytes) -> dict:
    """The plan file's content as a dict, not yet validated (see `PlanFileSchema`); raise
    `PlanError` (code `plan_file_unreadable`) saying what is wrong and what is expected."""
    if len(data) > MAX_PLAN_FILE_BYTES:
        raise _unreadable(
            f"文件过大（{len(data)} 字节，上限 {MAX_PLAN_FILE_BYTES} 字节）",
            f"the file is too large ({len(data)} bytes, at most {MAX_PLAN_FILE_BYTES})",
            status=413,
        )
    try:
        text = decode_text(data)
    except FairdrawError as exc:
        raise _unreadable("编码错误", "wrong encoding", details=exc.details) from None
    try:
        content = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant
        )
    except _Duplicate as exc:
        raise _unreadable(
            f"键“{exc.key}”在同一对象中出现两次", f"the key {exc.key!r} appears twice in one object"
        ) from None
    except json.JSONDecodeError as exc:
        raise _unreadable(
            f"不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
            f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
        ) from None
    except RecursionError:
        raise _unreadable(
            f"JSON 嵌套超过 {MAX_DEPTH} 层", f"the JSON nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:  # NaN, Infinity, an integer of thousands of digits
        raise _unreadable(f"数值无效：{exc}", f"invalid number: {exc}") from None
    problem = _walk_problem(content)
    if problem is not None:
        raise _unreadable(problem.zh, problem.en)
    if not isinstance(content, dict):
        raise _unreadable("最外层应为 JSON 对象 {...}", "the top level must be a JSON object {...}")
    return content


# ---------------------------------------------------------------------------- names


def resolve_names(loaded: dict, bodies: dict[str, str], towns: dict[str, str]) -> None:
    """Bodies and towns given by Chinese name become codes, in place: `bodies` and `towns`
    map a code or a unique Chinese name to the code. Unknown names are left for the caller
    to report."""
    loaded["lead_body"] = bodies.get(loaded["lead_body"], loaded["lead_body"])
    loaded["bodies"] = sorted({bodies.get(b, b) for b in loaded["bodies"]} | {loaded["lead_body"]})
    loaded["team_size"] = {bodies.get(b, b): n for b, n in loaded["team_size"].items()}
    loaded["filters"]["towns"] = [towns.get(t, t) for t in loaded["filters"]["towns"]]


def read_plan_path(path) -> dict:
    """`read_plan_file` of the file at `path` (what `flask plan create --from` reads)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PLAN_FILE_BYTES + 1)
    except OSError as exc:
        raise _unreadable(f"{path}：{exc.strerror}", f"{path}: {exc.strerror}") from None
    return read_plan_file(data)
