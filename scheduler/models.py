"""SQLAlchemy 2 models of the district's directories (一单两库): bodies, units, towns, items,
market entities, officers, their leave and conflicts, inspection history, users, audit log.

Enumerated columns are stored as short strings guarded by CHECK constraints, so that the
schema is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import Base


class EntityType(enum.StrEnum):
    """Type of market entity (市场主体类型)."""

    ENTERPRISE = "E"  # 企业
    INDIVIDUAL = "I"  # 个体工商户
    COOPERATIVE = "C"  # 农民专业合作社


class EntityStatus(enum.StrEnum):
    ACTIVE = "active"  # 存续
    DEREGISTERED = "deregistered"  # 注销
    REVOKED = "revoked"  # 吊销


class CreditClass(enum.StrEnum):
    """Credit-risk class (信用风险分类), A low .. D high. Confidential."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CertStatus(enum.StrEnum):
    """Status of an enforcement certificate (执法证)."""

    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"  # 注销


class ConflictKind(enum.StrEnum):
    """Kind of declared conflict of interest (回避事由)."""

    RELATIVE = "relative"  # 亲属
    FORMER_EMPLOYER = "former_employer"  # 曾任职
    SHAREHOLDING = "shareholding"  # 持股
    OTHER = "other"


class ItemKind(enum.StrEnum):
    GENERAL = "general"  # 一般检查事项
    KEY = "key"  # 重点检查事项


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    OFFICER = "officer"
    AUDITOR = "auditor"


INDUSTRY_SECTIONS = "ABCDEFGHIJKLMNOPQRST"  # GB/T 4754 sections


def _enum_check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_enum")


class Town(Base):
    """A town or subdistrict (镇街)."""

    __tablename__ = "town"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))


class Body(Base):
    """An enforcement body (行政执法主体)."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))

    units: Mapped[list[Unit]] = relationship(back_populates="body")


class Unit(Base):
    """A unit of a body (科室 / 所); the market-supervision bureau has one office per town."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    # The town whose entities the unit supervises (所所交叉 uses it); None for desk units.
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))

    body: Mapped[Body] = relationship(back_populates="units")
    town: Mapped[Town | None] = relationship()


class Item(Base):
    """An inspection item (抽查事项) of a body's random-inspection list (抽查事项清单)."""

    __tablename__ = "item"
    __table_args__ = (_enum_check("kind", ItemKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    category_zh: Mapped[str] = mapped_column(String(64))
    category_en: Mapped[str] = mapped_column(String(128))
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(256))
    entity_types: Mapped[str] = mapped_column(String(3))  # subset of "EIC"
    industries: Mapped[str] = mapped_column(String(20))  # GB/T 4754 letters or "*"
    kind: Mapped[str] = mapped_column(String(8))
    legal_basis: Mapped[str] = mapped_column(Text, default="")

    body: Mapped[Body] = relationship()

    def fits(self, entity_type: str, industry: str) -> bool:
        """Whether the item applies to an entity of this type (E/I/C) and industry section."""
        return entity_type in self.entity_types and (
            self.industries == "*" or industry in self.industries
        )


class Entity(Base):
    """A market entity (市场主体) of the directory of inspection objects (检查对象名录库)."""

    __tablename__ = "entity"
    __table_args__ = (
        _enum_check("type", EntityType),
        _enum_check("status", EntityStatus),
        _enum_check("credit_class", CreditClass),
        CheckConstraint("length(uscc) = 18", name="uscc_length"),
        CheckConstraint(
            "industry IN (" + ", ".join(f"'{c}'" for c in INDUSTRY_SECTIONS) + ")",
            name="industry_section",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(128), index=True)
    type: Mapped[str] = mapped_column(String(1))
    industry: Mapped[str] = mapped_column(String(1))
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    address: Mapped[str] = mapped_column(String(256), default="")
    registered_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=EntityStatus.ACTIVE.value)
    credit_class: Mapped[str] = mapped_column(String(1), default=CreditClass.A.value)
    key_supervision: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点监管
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)  # 经营异常名录

    town: Mapped[Town] = relationship()


class Officer(Base):
    """A certified enforcement officer (执法人员) of the officer registry (执法检查人员名录库)."""

    __tablename__ = "officer"
    __table_args__ = (
        _enum_check("cert_status", CertStatus),
        CheckConstraint("cert_valid_to >= cert_valid_from", name="cert_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(32), unique=True)  # 执法证号
    name: Mapped[str] = mapped_column(String(64), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    cert_valid_from: Mapped[dt.date] = mapped_column(Date)
    cert_valid_to: Mapped[dt.date] = mapped_column(Date)
    cert_status: Mapped[str] = mapped_column(String(16), default=CertStatus.VALID.value)
    # Item category names (Chinese, ';'-separated, sorted); empty means competent for all.
    competences: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="")  # confidential

    body: Mapped[Body] = relationship()
    unit: Mapped[Unit] = relationship()

    def competence_set(self) -> frozenset[str]:
        return frozenset(c for c in self.competences.split(";") if c)

    def certified_window(self) -> tuple[dt.date, dt.date] | None:
        """The days the certificate lets the officer inspect: its validity dates while its
        status is valid; None for an expired, suspended or revoked certificate."""
        if self.cert_status != CertStatus.VALID.value:
            return None
        return self.cert_valid_from, self.cert_valid_to

    def certified_for(self, start: dt.date, end: dt.date) -> bool:
        """Whether the certificate is valid on every day from `start` to `end`."""
        window = self.certified_window()
        return window is not None and window[0] <= start and end <= window[1]

    def certified_on(self, day: dt.date) -> bool:
        return self.certified_for(day, day)


class LeavePeriod(Base):
    """A period when an officer is unavailable (请假、培训、借调)."""

    __tablename__ = "leave_period"
    __table_args__ = (
        UniqueConstraint("officer_id", "starts_on", name="uq_leave_period_officer_start"),
        CheckConstraint("ends_on >= starts_on", name="leave_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(128), default="")

    officer: Mapped[Officer] = relationship()


class Conflict(Base):
    """A declared conflict of interest (回避) between an officer and an entity. Confidential."""

    __tablename__ = "conflict"
    __table_args__ = (
        UniqueConstraint("officer_id", "entity_id", name="uq_conflict_officer_entity"),
        _enum_check("kind", ConflictKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    declared_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    officer: Mapped[Officer] = relationship()
    entity: Mapped[Entity] = relationship()


history_officer = Table(
    "history_officer",
    Base.metadata,
    Column("history_id", ForeignKey("inspection_history.id"), primary_key=True),
    Column("officer_id", ForeignKey("officer.id"), primary_key=True, index=True),
)


class InspectionHistory(Base):
    """A past inspection of an entity by a body; feeds the rotation and frequency rules."""

    __tablename__ = "inspection_history"
    __table_args__ = (Index("ix_history_entity_body_date", "entity_id", "body_id", "inspected_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    plan_code: Mapped[str | None] = mapped_column(String(32))

    entity: Mapped[Entity] = relationship()
    body: Mapped[Body] = relationship()
    officers: Mapped[list[Officer]] = relationship(secondary=history_officer)


class User(Base):
    """A login. Planners belong to a body; officers are linked to their registry entry."""

    __tablename__ = "user"
    __table_args__ = (_enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

    body: Mapped[Body | None] = relationship()
    officer: Mapped[Officer | None] = relationship()

    # Flask-Login protocol, kept here so the domain does not import the web layer.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class AuditEvent(Base):
    """An append-only audit log entry (执法全过程记录). Never updated, never deleted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), default="", index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class PlanState(enum.StrEnum):
    """Lifecycle of a plan (抽查计划): each arrow is one service function."""

    DRAFT = "draft"
    FROZEN = "frozen"  # population fixed and its digest published
    DRAWN = "drawn"
    MATCHED = "matched"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    CLOSED = "closed"


plan_item = Table(
    "plan_item",
    Base.metadata,
    Column("plan_id", ForeignKey("plan.id"), primary_key=True),
    Column("item_id", ForeignKey("item.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

plan_body = Table(
    "plan_body",
    Base.metadata,
    Column("plan_id", ForeignKey("plan.id"), primary_key=True),
    Column("body_id", ForeignKey("body.id"), primary_key=True),
)


class Plan(Base):
    """A random-inspection plan or task (抽查计划 / 抽查任务); joint (联合抽查) when several
    bodies take part: the lead body draws the entities, each body matches its own officers."""

    __tablename__ = "plan"
    __table_args__ = (
        _enum_check("state", PlanState),
        CheckConstraint("window_end >= window_start", name="window_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    lead_body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PlanState.DRAFT.value, index=True)
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    # The plan's rules (抽查工作细则) as given in the plan file, normalised.
    rules: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))

    frozen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    population_digest: Mapped[str | None] = mapped_column(String(64))
    population_size: Mapped[int | None] = mapped_column(Integer)
    # Per stratum: size N, ratio_bp or count, k; plus the exclusion counts of the freeze.
    freeze_summary: Mapped[dict | None] = mapped_column(JSON)
    seed: Mapped[str | None] = mapped_column(String(256))
    seeded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    matched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Cap used, mode, total cost, number of assignments.
    match_summary: Mapped[dict | None] = mapped_column(JSON)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Calendar sources, officer-day-town combinations, load per day.
    schedule_summary: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the last inspection was disclosed or cancelled (closed is final).
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    lead_body: Mapped[Body] = relationship()
    items: Mapped[list[Item]] = relationship(secondary=plan_item, order_by=plan_item.c.position)
    bodies: Mapped[list[Body]] = relationship(secondary=plan_body, order_by=Body.code)


class PlanPopulation(Base):
    """The frozen population of a plan: the digest's lines `key,stratum\\n`, zlib-compressed,
    so that the population can be re-created after the directory changes."""

    __tablename__ = "plan_population"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    lines_zlib: Mapped[bytes] = mapped_column(LargeBinary)


class ListKind(enum.StrEnum):
    EXCLUDE = "exclude"  # planner-uploaded exclusion, with a reason
    KEY = "key"  # planner-listed key-supervision entity (重点监管)


class PlanListedEntity(Base):
    """An entity the planner listed for a plan: excluded from it, or added as key supervision."""

    __tablename__ = "plan_listed_entity"
    __table_args__ = (
        UniqueConstraint("plan_id", "uscc", "kind", name="uq_plan_listed_entity_key"),
        _enum_check("kind", ListKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(256), default="")


class InspectionOrigin(enum.StrEnum):
    RANDOM = "random"  # drawn by sha256-bottom-k/1
    KEY = "key"  # added for key supervision, never counted as a random draw


class Inspection(Base):
    """One drawn inspection (检查任务) of one entity in one plan; key `plan_code/uscc`."""

    __tablename__ = "inspection"
    __table_args__ = (
        UniqueConstraint("plan_id", "entity_id", name="uq_inspection_plan_entity"),
        _enum_check("origin", InspectionOrigin),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    stratum: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(8))
    ticket: Mapped[str | None] = mapped_column(String(64))  # hex; None for key supervision
    rank: Mapped[int | None] = mapped_column(Integer)  # position in its stratum's ticket order
    visit_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    disclosure_due: Mapped[dt.date | None] = mapped_column(Date)  # 20 working days after the visit
    # Set when a team could not be completed after a recusal: never silently left short.
    short_reason: Mapped[str | None] = mapped_column(Text)
    # Unguessable token of the public check page (/check/<token>) the notice's QR code opens.
    check_token: Mapped[str | None] = mapped_column(
        String(43), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    # The date the inspection was actually carried out (from its results): counts for
    # rotation and frequency caps instead of the scheduled visit date.
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    # Cancelled with a reason (e.g. the entity was deregistered): needs no result.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship()
    entity: Mapped[Entity] = relationship()

    def key(self) -> str:
        """The inspection key of spec section 4: `plan_code/uscc`."""
        return f"{self.plan.code}/{self.uscc}"


class PlanMatchInput(Base):
    """The match problem as solved (npz: keys, demand, caps, packed eligibility per body),
    so that the auditor export reproduces it after later recusals change eligibility."""

    __tablename__ = "plan_match_input"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    problem_npz: Mapped[bytes] = mapped_column(LargeBinary)
    # The schedule fitted at the match (plans/fitting.py): day per inspection, stats and the
    # fingerprint of its inputs; `flask plan schedule` takes it while the inputs are equal.
    schedule_npz: Mapped[bytes | None] = mapped_column(LargeBinary)


class AssignmentEnd(enum.StrEnum):
    """Why an officer left an inspection's team."""

    RECUSAL_OFFICER = "recusal_officer"  # the officer declared a conflict (回避申请)
    RECUSAL_ENTITY = "recusal_entity"  # the entity asked for the officer's recusal
    UNAVAILABLE = "unavailable"  # the planner removed an officer who became unavailable
    # no shared free working day with the rest of the team (排期调整, plans/fitting.py)
    SCHEDULE_REPAIR = "schedule_repair"


class Assignment(Base):
    """An officer on the team (检查组) of one inspection, for one body. Rows are never
    deleted: a replaced member's row is ended and the replacement gets a new row."""

    __tablename__ = "assignment"
    __table_args__ = (
        Index("ix_assignment_inspection_active", "inspection_id", "active"),
        CheckConstraint(
            "end_reason IS NULL OR end_reason IN "
            "(" + ", ".join(f"'{e.value}'" for e in AssignmentEnd) + ")",
            name="end_reason_enum",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    cost: Mapped[int] = mapped_column(BigInteger)  # 40-bit cost of spec section 4
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(24))
    end_note: Mapped[str] = mapped_column(Text, default="")  # confidential

    inspection: Mapped[Inspection] = relationship()
    officer: Mapped[Officer] = relationship()
    body: Mapped[Body] = relationship()


class CalendarSource(enum.StrEnum):
    """Where a year's working-day calendar (工作日历) comes from."""

    OFFICIAL = "official"  # the State Council's list, imported by an admin
    PACKAGE = "chinesecalendar"  # the chinesecalendar package (2004-2026)
    PROVISIONAL = "provisional"  # weekdays minus fixed-date holidays, until announced


class CalendarYear(Base):
    """A year whose official holiday list (节假日安排) was imported."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(256), default="")


class CalendarDay(Base):
    """A day of an imported year that differs from the weekday rule: a holiday on a weekday,
    or an adjusted working day (调休上班) on a weekend."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year"), index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")


# ---------------------------------------------------------------------------- results


class ResultState(enum.StrEnum):
    """State of one body's result of one inspection (检查结果): not entered, draft,
    submitted by a team member, returned by a planner, approved, disclosed (公示)."""

    NOT_ENTERED = "not_entered"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    DISCLOSED = "disclosed"


class VersionKind(enum.StrEnum):
    ENTRY = "entry"  # the first entry
    CORRECTION = "correction"  # 更正: after a disclosure
    FOLLOW_UP = "follow_up"  # 续录: a later follow-up entry


class ResultCategory(Base):
    """A standard result category (检查结果类别) of the national credit publicity system."""

    __tablename__ = "result_category"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    problem: Mapped[bool] = mapped_column(Boolean)  # a finding (发现问题)
    abnormal_list: Mapped[bool] = mapped_column(Boolean)  # puts the entity on 经营异常名录
    exclusive: Mapped[bool] = mapped_column(Boolean)  # only alone (e.g. 未发现问题)
    position: Mapped[int] = mapped_column(Integer)


class InspectionResult(Base):
    """One body's result of one inspection: its state and its versions (never deleted).
    `current_no` is the version being worked on; `disclosed_no` the one the public sees."""

    __tablename__ = "inspection_result"
    __table_args__ = (
        UniqueConstraint("inspection_id", "body_id", name="uq_inspection_result_body"),
        _enum_check("state", ResultState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    current_no: Mapped[int] = mapped_column(Integer, default=1)
    disclosed_no: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)

    inspection: Mapped[Inspection] = relationship()
    body: Mapped[Body] = relationship()
    versions: Mapped[list[ResultVersion]] = relationship(
        back_populates="result", order_by="ResultVersion.number"
    )


result_version_category = Table(
    "result_version_category",
    Base.metadata,
    Column("version_id", ForeignKey("result_version.id"), primary_key=True),
    Column("category_code", ForeignKey("result_category.code"), primary_key=True),
    Index("ix_result_version_category_code", "category_code"),
)


class ResultVersion(Base):
    """One version of a result: the first entry, a correction (更正) or a follow-up (续录).
    Findings and review notes are confidential; only `public_summary` is ever disclosed."""

    __tablename__ = "result_version"
    __table_args__ = (
        UniqueConstraint("result_id", "number", name="uq_result_version_number"),
        _enum_check("kind", VersionKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("inspection_result.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    inspected_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    findings: Mapped[str] = mapped_column(Text, default="")  # confidential
    public_summary: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(64))  # certificate number or user name
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    return_reason: Mapped[str] = mapped_column(Text, default="")  # confidential review note
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    disclosed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)

    result: Mapped[InspectionResult] = relationship(back_populates="versions")
    categories: Mapped[list[ResultCategory]] = relationship(
        secondary=result_version_category, order_by=ResultCategory.position
    )

    @property
    def corrected(self) -> bool:
        """Whether this version replaces an earlier disclosed one (shown to the public)."""
        return self.kind == VersionKind.CORRECTION.value


class ResultAttachment(Base):
    """A file attached to a result (photo, signed record); the bytes are under the
    instance folder (`FAIRDRAW_ATTACHMENTS_DIR`), named by their SHA-256. Confidential."""

    __tablename__ = "result_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("inspection_result.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(64))
