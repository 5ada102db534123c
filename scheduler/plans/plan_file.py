"""The plan file (抽查计划文件): JSON that `flask plan create --from` reads and the console writes.

Validated by a marshmallow schema whose messages are `Msg` objects; `field_errors` turns
marshmallow's nested errors into messages by dotted field path. Cross-references (bodies,
items, towns) are checked against the database by `scheduler.plans.create`.
"""

from __future__ import annotations

import re

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from scheduler.errors import Msg

CREDIT_CLASSES = ("A", "B", "C", "D")
# Strata by the confidential credit-risk class are sealed (分层保密, spec section 7); strata by
# public attributes (none, item code, town code, entity type E/I/C) are open (sections 1-5).
SEALED_STRATA_BY = ("credit_class", "credit_class_item")
OPEN_STRATA_BY = ("none", "item", "town", "entity_type")
STRATA_BY = SEALED_STRATA_BY + OPEN_STRATA_BY
ENTITY_TYPES = ("E", "I", "C")
ALL_STRATUM = "ALL"
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")


class WindowSchema(Schema):
    class Meta:
        unknown = RAISE

    start = fields.Date(required=True)
    end = fields.Date(required=True)

    @validates_schema
    def end_after_start(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError(
                [Msg("结束日期早于开始日期", "the window ends before it starts")], field_name="end"
            )


class FiltersSchema(Schema):
    class Meta:
        unknown = RAISE

    towns = fields.List(fields.String(), load_default=list)


class StrataSchema(Schema):
    class Meta:
        unknown = RAISE

    by = fields.String(load_default="credit_class", validate=validate.OneOf(STRATA_BY))
    ratios_bp = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(strict=True, validate=validate.Range(0, 10000)),
    )
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(strict=True, validate=validate.Range(min=0))
    )

    @validates_schema
    def exactly_one_rule(self, data, **kwargs):
        if ("ratios_bp" in data) == ("counts" in data):
            raise ValidationError(
                [Msg("须给出 ratios_bp 或 counts 之一", "give exactly one of ratios_bp and counts")]
            )
        if not (data.get("ratios_bp") or data.get("counts")):
            raise ValidationError([Msg("分层规则为空", "the strata rules are empty")])


class ListedEntitySchema(Schema):
    class Meta:
        unknown = RAISE

    uscc = fields.String(required=True, validate=validate.Length(equal=18))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))


class ExclusionsSchema(Schema):
    class Meta:
        unknown = RAISE

    months_since_last = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 120)
    )
    max_per_year = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 366)
    )
    entities = fields.List(fields.Nested(ListedEntitySchema), load_default=list)


class KeySupervisionSchema(Schema):
    class Meta:
        unknown = RAISE

    flagged = fields.Boolean(load_default=True)
    entities = fields.List(fields.Nested(ListedEntitySchema), load_default=list)


class PlanFileSchema(Schema):
    """The documented plan file; unknown top-level keys are ignored for forward compatibility."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Regexp(CODE_RE))
    name = fields.String(required=True, validate=validate.Length(min=1, max=256))
    lead_body = fields.String(required=True)
    bodies = fields.List(fields.String(), load_default=list)
    items = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    window = fields.Nested(WindowSchema, required=True)
    filters = fields.Nested(FiltersSchema, load_default=lambda: {"towns": []})
    strata = fields.Nested(StrataSchema, required=True)
    team_size = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(strict=True, validate=validate.Range(2, 10)),
        load_default=dict,
    )
    cap_per_officer = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1)
    )
    cap_per_day = fields.Integer(strict=True, load_default=4, validate=validate.Range(1, 20))
    mode = fields.String(load_default="balanced", validate=validate.OneOf(("balanced", "random")))
    cross_jurisdiction = fields.Boolean(load_default=False)
    exclusions = fields.Nested(
        ExclusionsSchema,
        load_default=lambda: {"months_since_last": None, "max_per_year": None, "entities": []},
    )
    key_supervision = fields.Nested(
        KeySupervisionSchema, load_default=lambda: {"flagged": True, "entities": []}
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
