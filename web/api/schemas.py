"""Marshmallow schemas of the API's requests and responses; the OpenAPI document's
components are generated from them (`web.api.spec`)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from scheduler.models import ConflictKind, PlanState, Role
from scheduler.plans.core import iso_utc
from scheduler.tokens import MAX_DAYS, NAME_MAX
from web.api.core import PageQuery

CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


class UTCDateTime(fields.DateTime):
    """A stored UTC time as ISO 8601 with a Z (`2027-03-01T08:00:00Z`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return iso_utc(value)


def nullable_dt(**kw):
    return UTCDateTime(allow_none=True, **kw)


# ---------------------------------------------------------------------- errors


class ErrorEntry(Schema):
    code = fields.String(required=True, metadata={"description": "stable machine code"})
    message = fields.String(
        required=True, metadata={"description": "in the request's language (Accept-Language)"}
    )
    field = fields.String(allow_none=True, required=True)
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    cell = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)


class ErrorEnvelope(Schema):
    errors = fields.List(fields.Nested(ErrorEntry), required=True)


# ---------------------------------------------------------------------- plans (public)


class ItemRef(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)


class DateWindow(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class InspectionCounts(Schema):
    random = fields.Integer(required=True)
    key = fields.Integer(required=True)


class PublicPlan(Schema):
    """What the public sees of a published plan."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in PlanState]))
    lead_body = fields.String(required=True)
    bodies = fields.List(fields.String(), required=True)
    items = fields.List(fields.Nested(ItemRef), required=True)
    window = fields.Nested(DateWindow, required=True)
    frozen_at = nullable_dt(required=True)
    published_at = nullable_dt(required=True)
    population_digest = fields.String(allow_none=True, required=True)
    population_size = fields.Integer(allow_none=True, required=True)
    seed = fields.String(allow_none=True, required=True)


class PublicPlanDetail(PublicPlan):
    inspections = fields.Nested(InspectionCounts, required=True)


class PlanPage(Schema):
    items = fields.List(fields.Nested(PublicPlan), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class PlanListQuery(PageQuery):
    body = fields.String(
        load_default=None, validate=CODE, metadata={"description": "a participating body"}
    )


class StratumSize(Schema):
    stratum = fields.String(required=True)
    size = fields.Integer(required=True)
    ratio_bp = fields.Integer(allow_none=True)
    k = fields.Integer(required=True)


class Commitment(Schema):
    """Spec section 1: published at the freeze, before the seed exists; names no entity."""

    class Meta:
        unknown = INCLUDE  # the spec may add fields (sealed strata, section 7)

    plan_code = fields.String(required=True)
    lead_body = fields.String(required=True)
    algorithm = fields.String(required=True)
    frozen_at = fields.String(required=True)
    population_digest = fields.String(required=True)
    population_size = fields.Integer(required=True)
    strata = fields.List(fields.Dict(), required=True)
    seed = fields.String(allow_none=True, required=True)
    state = fields.String(required=True)


class Bundle(Schema):
    """The verification bundle of spec section 5 (section 7 for a sealed plan), as
    `solver/verify.py` reads it; a sealed plan's bundle has its own further fields."""

    class Meta:
        unknown = INCLUDE

    algorithm = fields.String(required=True)
    plan_code = fields.String(required=True)
    seed = fields.String(required=True)
    population_digest = fields.String(required=True)
    frozen_at = fields.String()
    strata = fields.List(fields.Dict())
    population = fields.List(fields.Raw())
    selected = fields.List(fields.Raw())


class PublicInspection(Schema):
    uscc = fields.String(required=True, metadata={"description": "统一社会信用代码"})
    name = fields.String(required=True)
    town = fields.String(required=True)
    origin = fields.String(
        required=True,
        validate=validate.OneOf(["random", "key"]),
        metadata={"description": "random: drawn; key: key supervision"},
    )


class InspectionPage(Schema):
    items = fields.List(fields.Nested(PublicInspection), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class PublicOfficer(Schema):
    cert_no = fields.String(required=True)
    name = fields.String(required=True)
    body = fields.String(required=True)
    unit = fields.String(required=True)
    unit_name = fields.String(required=True)
    cert_status = fields.String(required=True)
    cert_valid_from = fields.Date(required=True)
    cert_valid_to = fields.Date(required=True)
    competences = fields.List(fields.String(), required=True)


class OfficerPage(Schema):
    items = fields.List(fields.Nested(PublicOfficer), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class OfficerQuery(PageQuery):
    body = fields.String(load_default=None, validate=CODE)
    name = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


# ---------------------------------------------------------------------- me


class Me(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    body = fields.String(allow_none=True, required=True)
    cert_no = fields.String(allow_none=True, required=True)
    via = fields.String(required=True, validate=validate.OneOf(["token", "session"]))
    csrf_token = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "send it as X-CSRFToken on unsafe requests (session only)"},
    )


# ---------------------------------------------------------------------- tokens


class TokenCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    body = fields.String(load_default=None, allow_none=True, validate=CODE)
    cert_no = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=32)
    )
    days = fields.Integer(load_default=90, strict=True, validate=validate.Range(1, MAX_DAYS))


class Token(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    role = fields.String(required=True)
    body = fields.Function(
        lambda t: t.body.code if t.body else None, metadata={"type": ["string", "null"]}
    )
    cert_no = fields.Function(
        lambda t: t.officer.cert_no if t.officer else None, metadata={"type": ["string", "null"]}
    )
    status = fields.Function(
        lambda t: _token_status(t),
        metadata={"type": "string", "enum": ["active", "expired", "revoked"]},
    )
    created_at = UTCDateTime(required=True)
    created_by = fields.String(required=True)
    expires_at = UTCDateTime(required=True)
    last_used_at = nullable_dt(required=True)
    revoked_at = nullable_dt(required=True)


def _token_status(t) -> str:
    from scheduler.tokens import status

    return status(t)


class TokenCreated(Token):
    secret = fields.String(
        required=True, metadata={"description": "shown once; only its SHA-256 is stored"}
    )


class TokenList(Schema):
    items = fields.List(fields.Nested(Token), required=True)


# ---------------------------------------------------------------------- plans (staff)


class StaffPlanQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf([s.value for s in PlanState]))


class StaffPlan(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True)
    lead_body = fields.String(required=True)
    bodies = fields.List(fields.String(), required=True)
    window = fields.Nested(DateWindow, required=True)


class StaffPlanPage(Schema):
    items = fields.List(fields.Nested(StaffPlan), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ShortTeam(Schema):
    inspection = fields.String(required=True)
    reason = fields.String(required=True)


class WindowText(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)


class PlanSummary(Schema):
    """A plan as staff see it (`flask plan show --json`): rules, strata, counts, match and
    schedule summaries. Confidential parts (strata by class) are for staff only."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in PlanState]))
    lead_body = fields.String(required=True)
    bodies = fields.List(fields.String(), required=True)
    items = fields.List(fields.String(), required=True)
    window = fields.Nested(WindowText, required=True)
    rules = fields.Dict(required=True)
    frozen_at = fields.String(allow_none=True, required=True)
    population_digest = fields.String(allow_none=True, required=True)
    population_size = fields.Integer(allow_none=True, required=True)
    strata = fields.List(fields.Dict(), allow_none=True, required=True)
    excluded = fields.Dict(allow_none=True, required=True)
    key_supervision = fields.Integer(required=True)
    seed = fields.String(allow_none=True, required=True)
    inspections = fields.Nested(InspectionCounts, required=True)
    short_teams = fields.List(fields.Nested(ShortTeam), required=True)
    match = fields.Dict(allow_none=True, required=True)
    schedule = fields.Dict(allow_none=True, required=True)
    published_at = fields.String(allow_none=True, required=True)


class SeedBody(Schema):
    seed = fields.String(
        required=True,
        validate=validate.Length(min=1, max=256),
        metadata={"description": "at least 20 digits, from the public ceremony"},
    )


class RecusalBody(Schema):
    uscc = fields.String(required=True, validate=validate.Length(min=1, max=18))
    cert_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    by = fields.String(
        required=True,
        validate=validate.OneOf(["officer", "entity"]),
        metadata={"description": "officer: he or she declares a conflict; entity: it asks"},
    )
    kind = fields.String(
        load_default="other", validate=validate.OneOf([k.value for k in ConflictKind])
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "kept confidential"},
    )


class RemovalBody(Schema):
    cert_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class TeamChange(Schema):
    left = fields.List(fields.String(), required=True)
    replacements = fields.List(fields.String(), required=True)
    short = fields.Integer(
        required=True, metadata={"description": "teams left short: nobody was eligible"}
    )


class AuditExport(Schema):
    """Spec section 6 (confidential): the match problem and its assignment."""

    class Meta:
        unknown = INCLUDE

    plan_code = fields.String()
    eligible = fields.List(fields.Raw(), required=True)
    assignment = fields.List(fields.Raw(), required=True)


# ---------------------------------------------------------------------- audit


class AuditQuery(Schema):
    cursor = fields.Integer(
        load_default=None,
        validate=validate.Range(0, 2**62),
        metadata={"description": "the previous page's next_cursor; absent for the first page"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    subject = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    kind = fields.String(load_default=None, validate=validate.Length(min=1, max=48))


class AuditEvent(Schema):
    id = fields.Integer(required=True)
    at = UTCDateTime(required=True)
    kind = fields.String(required=True)
    actor = fields.String(required=True)
    subject = fields.String(required=True)
    payload = fields.Dict(required=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEvent), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
