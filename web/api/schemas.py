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
        validate=validate.Range(0, 2**31 - 1),
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


# ---------------------------------------------------------------------- results


class ResultSearchQuery(Schema):
    name = fields.String(load_default=None, validate=validate.Length(min=1, max=128))
    uscc = fields.String(load_default=None, validate=validate.Length(min=1, max=18))
    body = fields.String(load_default=None, validate=validate.Length(min=1, max=8))
    item_category = fields.String(load_default=None, validate=validate.Length(min=1, max=128))
    town = fields.String(load_default=None, validate=validate.Length(min=1, max=8))
    category = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class CategoryRef(Schema):
    code = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class EarlierVersion(Schema):
    version = fields.Integer(required=True)
    disclosed_at = UTCDateTime(required=True)
    categories = fields.List(fields.Nested(CategoryRef), required=True)


class PublicResult(Schema):
    """A disclosed result as the public sees it (as on the national credit publicity
    system): never findings, review notes, attachments, officers or credit classes."""

    plan = fields.String(required=True)
    plan_name = fields.String(required=True)
    uscc = fields.String(required=True)
    entity = fields.String(required=True)
    origin = fields.String(required=True)
    town = fields.String(required=True)
    town_zh = fields.String(required=True)
    town_en = fields.String(required=True)
    body = fields.String(required=True)
    body_zh = fields.String(required=True)
    body_en = fields.String(required=True)
    inspected_on = fields.Date(allow_none=True, required=True)
    categories = fields.List(fields.Nested(CategoryRef), required=True)
    problem = fields.Boolean(required=True)
    public_summary = fields.String(required=True)
    disclosed_at = UTCDateTime(required=True)
    first_disclosed_at = UTCDateTime(required=True)
    corrected = fields.Boolean(required=True)
    follow_up_entry = fields.Boolean(required=True)
    version = fields.Integer(required=True)


class PublicResultWithHistory(PublicResult):
    earlier = fields.List(fields.Nested(EarlierVersion), required=True)


class ResultSearchPage(Schema):
    items = fields.List(fields.Nested(PublicResult), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class EntityHistory(Schema):
    uscc = fields.String(required=True)
    items = fields.List(fields.Nested(PublicResultWithHistory), required=True)


class BodyRef(Schema):
    code = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class TeamMemberPublic(Schema):
    name = fields.String(required=True)
    cert_no = fields.String(required=True)
    body = fields.String(required=True)
    body_zh = fields.String(required=True)
    body_en = fields.String(required=True)
    leader = fields.Boolean(required=True)


class CheckedInspection(Schema):
    plan = fields.String(required=True)
    plan_name = fields.String(required=True)
    bodies = fields.List(fields.Nested(BodyRef), required=True)
    uscc = fields.String(required=True)
    entity = fields.String(required=True)
    visit_date = fields.Date(allow_none=True, required=True)
    window = fields.Nested(DateWindow, required=True)
    origin = fields.String(required=True)
    cancelled = fields.Boolean(required=True)
    team = fields.List(fields.Nested(TeamMemberPublic), required=True)


class Card(Schema):
    """One of the officer's own inspections."""

    id = fields.Integer(required=True)
    plan = fields.String(required=True)
    plan_name = fields.String(required=True)
    uscc = fields.String(required=True)
    entity = fields.String(required=True)
    address = fields.String(required=True)
    town_zh = fields.String(required=True)
    town_en = fields.String(required=True)
    items = fields.List(fields.Dict(), required=True)
    team = fields.List(fields.Dict(), required=True)
    visit_date = fields.Date(allow_none=True, required=True)
    due = fields.Date(allow_none=True, required=True)
    state = fields.String(required=True)
    cancelled = fields.Boolean(required=True)
    return_reason = fields.String(required=True)


class MyInspections(Schema):
    upcoming = fields.List(fields.Nested(Card), required=True)
    to_enter = fields.List(fields.Nested(Card), required=True)
    returned = fields.List(fields.Nested(Card), required=True)
    done = fields.List(fields.Nested(Card), required=True)


class ResultBody(Schema):
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=16)),
        required=True,
        validate=validate.Length(max=20),
        metadata={"description": "result category codes (flask result categories)"},
    )
    inspected_on = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10),
        metadata={"description": "YYYY-MM-DD"},
    )
    findings = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "confidential"},
    )
    public_summary = fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"description": "disclosed"}
    )
    follow_up = fields.String(load_default="", validate=validate.Length(max=2000))
    follow_up_due = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=10)
    )
    by = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "a planner entering for a team member: his or her cert_no"},
    )
    follow_up_entry = fields.Boolean(
        load_default=False,
        metadata={"description": "after disclosure: a follow-up, not a correction"},
    )


class SubmitBody(Schema):
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))


class ReviewBody(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    reason = fields.String(load_default="", validate=validate.Length(max=1000))
    body = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=8))


class DiscloseBody(Schema):
    uscc = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=18)
    )
    all_approved = fields.Boolean(load_default=False)
    body = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=8))


class CancelBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ResultStatus(Schema):
    plan = fields.String(required=True)
    uscc = fields.String(required=True)
    body = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    categories = fields.List(fields.String(), required=True)
    inspected_on = fields.Date(allow_none=True, required=True)
    public_summary = fields.String(required=True)


class Disclosed(Schema):
    disclosed = fields.List(fields.Nested(ResultStatus), required=True)
    plan_state = fields.String(required=True)


class Cancelled(Schema):
    plan = fields.String(required=True)
    uscc = fields.String(required=True)
    cancelled = fields.Boolean(required=True)


class Attachment(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = UTCDateTime(required=True)
    uploaded_by = fields.String(required=True)


class Progress(Schema):
    plan = fields.String(required=True)
    state = fields.String(required=True)
    parts = fields.Integer(required=True)
    by_state = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    cancelled = fields.Integer(required=True)
    closed_at = UTCDateTime(allow_none=True, required=True)


# ---------------------------------------------------------------------- directories, users


class ImportResult(Schema):
    directory = fields.String(required=True)
    filename = fields.String(required=True)
    sha256 = fields.String(required=True)
    rows = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    ignored_columns = fields.List(fields.String(), required=True)


class ExportQuery(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    bom = fields.Boolean(load_default=False)


class User(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    body = fields.Function(
        lambda u: u.body.code if u.body else None, metadata={"type": ["string", "null"]}
    )
    cert_no = fields.Function(
        lambda u: u.officer.cert_no if u.officer else None, metadata={"type": ["string", "null"]}
    )
    active = fields.Boolean(required=True)
    created_at = UTCDateTime(required=True)


class UserPage(Schema):
    items = fields.List(fields.Nested(User), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class UserCreate(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    body = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=8))
    cert_no = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=32)
    )
