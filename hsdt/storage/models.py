"""Tables. Schema changes go through Alembic migrations in `migrations/versions/`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String, TypeDecorator, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel, col

from hsdt.scoring.assessment import AssessmentKind, AssessmentStatus
from hsdt.signatures.verdict import FileVerdict, verdict_from_json
from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime, utcnow


class Role(StrEnum):
    PRINCIPAL = "principal"
    INSPECTOR = "inspector"
    DISTRICT_STAFF = "district_staff"
    SO_STAFF = "so_staff"
    MINISTRY_STAFF = "ministry_staff"  # reads every Sở's aggregates, province by province


class UnitKind(StrEnum):
    """The structural place of a unit; what each level is called is the deployment's data."""

    DEPARTMENT = "so"
    MANAGING = "district"
    SCHOOL = "school"


# The domain's own enums (hsdt.scoring.assessment), stored as their string values.
SubmissionStatus = AssessmentStatus


class StrEnumColumn(TypeDecorator[StrEnum]):
    """A string column read back as a member of `enum` (stored values stay plain strings)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _enum(enum: type[StrEnum], default: StrEnum | None = None) -> Any:
    if default is None:
        return Field(sa_type=StrEnumColumn(enum))
    return Field(default=default, sa_type=StrEnumColumn(enum))


def _ts(nullable: bool = False, default: bool = True) -> Any:
    if default:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class TenantKind(StrEnum):
    DEPARTMENT = "so"  # a province's Department of Education (Sở GD&ĐT): units, people, campaigns
    MINISTRY = "bo"  # the Ministry (Bộ GD&ĐT): people who read every Sở's aggregates, nothing of its own


class Tenant(SQLModel, table=True):
    """A province's Sở (or the Ministry). Every other table but the rubric texts and the workers'
    own bookkeeping belongs to one (`hsdt.storage.tenancy`)."""

    __tablename__ = "tenant"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, description="Short name the CLI takes, e.g. hanoi.")
    name: str = Field(description="The Department's name, e.g. Sở Giáo dục và Đào tạo Hà Nội.")
    province: str = Field(description="The province or city it serves, e.g. Hà Nội.")
    kind: TenantKind = _enum(TenantKind, TenantKind.DEPARTMENT)
    created_at: datetime = _ts()


class RubricVersion(SQLModel, table=True):
    __tablename__ = "rubric_version"
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    name: str
    version: str
    source: str = Field(description="The YAML text as loaded, so old answers can be re-scored exactly.")
    loaded_at: datetime = _ts()


class Campaign(TenantOwned, table=True):
    """One inspection campaign (an "đợt kiểm tra"). Several live in one database; one is active.

    The notice's fields (number, date, issuing body, place) are what the official forms print.
    """

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_campaign_code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    name: str
    school_year: str = Field(max_length=9, description="e.g. 2026-2027")
    record_start: date
    record_end: date
    inspection_start: date
    inspection_end: date
    self_assessment_due: datetime = Field(sa_type=UTCDateTime)
    rescore_due: datetime = Field(sa_type=UTCDateTime)
    deadline: datetime = Field(sa_type=UTCDateTime)
    rubric_version_id: int = Field(foreign_key="rubric_version.id")
    notice_no: str | None = Field(default=None, max_length=60)
    notice_date: date | None = None
    issuer: str = Field(description="The issuing body in capitals, e.g. the Sở's full name.")
    issuer_parent: str = Field(description="The body above the issuer, e.g. the city's People's Committee.")
    place: str = Field(max_length=60, description="The place name of the date line.")
    # Until the Sở confirms the rubric (`hsdt campaign set --rubric-confirmed`), the forms and the web page
    # print what the rubric says it assumes.
    rubric_confirmed: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    active: bool = True
    closed_at: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()


class UnitLevel(TenantOwned, table=True):
    """What one campaign calls a level of the hierarchy; a missing managing level means schools sit
    directly under the Sở. `kind` is a `UnitKind` value."""

    __tablename__ = "unit_level"
    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    kind: str = Field(primary_key=True, max_length=20)
    singular: str
    plural: str
    short: str
    staff: str


class CampaignUnit(TenantOwned, table=True):
    """A unit taking part in a campaign; the people of a unit take part with it."""

    __tablename__ = "campaign_unit"
    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    unit_id: int = Field(primary_key=True, foreign_key="unit.id", index=True)


class Unit(TenantOwned, table=True):
    """An organisation unit. `kind` is its structural place (a `UnitKind` value); what the level is
    called is the campaign's `UnitLevel`. `position` is the roster's STT, the order reports follow."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_unit_code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    name: str
    kind: str = Field(max_length=20, index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    uses_erecords: bool = True
    position: int | None = None
    cluster: str | None = Field(default=None, max_length=60, description="Cross-inspection cluster (cụm).")
    tax_code: str | None = Field(default=None, max_length=20, description="A school's tax code (MST), for seals.")
    # What the official forms print for the unit (Nghị định 30/2020/NĐ-CP, Phụ lục I). Each left empty takes
    # the default of the unit's level (hsdt.reports.heading); a line break splits a name over two lines.
    official_name: str | None = Field(default=None, description="Full official name, e.g. ỦY BAN NHÂN DÂN\nPHƯỜNG X.")
    short_name: str | None = Field(default=None, description="The name its own units print above theirs.")
    parent_body: str | None = Field(default=None, description="The body printed above the unit's name.")
    place_name: str | None = Field(default=None, max_length=60, description="Địa danh of the unit's date line.")
    signer_authority: str | None = Field(default=None, description="TM./KT./Q. lines above the signer's title.")
    signer_title: str | None = Field(default=None, description="The title of the unit's head who signs.")


class User(TenantOwned, table=True):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_app_user_code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, description="Stable id from the roster.")
    full_name: str
    role: Role = _enum(Role)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    phone: str | None = None
    email: str | None = None
    active: bool = True
    created_at: datetime = _ts()


class InviteCode(TenantOwned, table=True):
    __tablename__ = "invite_code"
    code: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = _ts(nullable=True, default=False)
    used_by_identity_id: int | None = Field(default=None, foreign_key="chat_identity.id")
    created_at: datetime = _ts()


class ChatIdentity(TenantOwned, table=True):
    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "external_id", name="uq_chat_identity_channel_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    display_name: str | None = None
    created_at: datetime = _ts()


class Answer(TenantOwned, table=True):
    """Current answer per school x criterion x kind of assessment. History lives in AnswerAudit."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("campaign_id", "school_id", "kind", "criterion_id", name="uq_answer_scope"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: AssessmentKind = _enum(AssessmentKind, AssessmentKind.SELF)
    criterion_id: str = Field(max_length=12)
    value: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    points: float
    answered_by: int = Field(foreign_key="app_user.id")
    answered_at: datetime = _ts()
    version: int = 1


class AnswerAudit(TenantOwned, table=True):
    """Append-only: one row for every change of an answer."""

    __tablename__ = "answer_audit"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: AssessmentKind = _enum(AssessmentKind, AssessmentKind.SELF)
    criterion_id: str = Field(max_length=12)
    old_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    new_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    user_id: int = Field(foreign_key="app_user.id")
    channel: str = Field(max_length=20)
    event_id: str = Field(max_length=64)
    at: datetime = _ts()


class Submission(TenantOwned, table=True):
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("campaign_id", "school_id", "kind", name="uq_submission_scope"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: AssessmentKind = _enum(AssessmentKind, AssessmentKind.SELF)
    status: SubmissionStatus = _enum(SubmissionStatus, SubmissionStatus.DRAFT)
    total: float | None = None
    band: str | None = None
    submitted_at: datetime | None = _ts(nullable=True, default=False)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = _ts()
    version: int = 0


class Evidence(TenantOwned, table=True):
    """A checked file attached to a school's criterion. The file itself is content-addressed on disk."""

    __tablename__ = "evidence"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: AssessmentKind = _enum(AssessmentKind, AssessmentKind.SELF)
    criterion_id: str = Field(max_length=12)
    sha256: str = Field(max_length=64)
    size: int
    file_name: str
    status: str = Field(max_length=20)
    verdict: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    uploaded_by: int = Field(foreign_key="app_user.id")
    uploaded_at: datetime = _ts()

    def read_verdict(self) -> FileVerdict | None:
        """The stored verdict as its type (see `stored_verdict`)."""
        return stored_verdict(self.verdict)


def stored_verdict(data: Any) -> FileVerdict | None:
    """A verdict read back from its stored JSON (`verdict_from_json`); None for one that breaks today's
    contract (damaged, or written by a release before it): the row's status still says what the check found."""
    try:
        return verdict_from_json(data)
    except ValueError:
        return None


class ConversationState(TenantOwned, table=True):
    """Where a user is in a conversation. Per user, so it is shared by all their chat identities."""

    __tablename__ = "conversation_state"
    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    flow: str = Field(default="idle", max_length=30)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = _ts()
    # The screen key (`Reply.screen`) of the last reply the channel delivered to the user.
    shown_screen: str | None = Field(default=None, max_length=64)
    # The platform's position of the last event applied (a Telegram update id, per bot): with several
    # workers an older event can arrive after a newer one was applied, and is then recognised as stale.
    last_event_stream: str | None = Field(default=None, max_length=40)
    last_event_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # Where that screen is shown ("telegram:4711"): a channel that edits messages changes it in place
    # when the screen is answered (`Reply.replaces`).
    shown_ref: str | None = Field(default=None, max_length=84)
    # The conversation `version` after the turn whose screen that is: a confirmation that arrives late
    # for an older turn (another worker sent a redelivered copy) leaves a newer screen on record.
    shown_turn: int | None = None
    # The screen the last committed turn put up, and that turn (the conversation's version after it):
    # the user's next message means that screen even before its sending worker confirmed it, since a
    # chat's events apply one after another on any worker. Cleared when the platform refused it for good.
    pending_screen: str | None = Field(default=None, max_length=64)
    pending_turn: int | None = None


class ProcessedEvent(TenantOwned, table=True):
    """Marks an incoming event as applied; written in the same transaction as its effects."""

    __tablename__ = "processed_event"
    channel: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = _ts()
    # The replies the event produced, committed with its effects and sent after the commit; `sent`
    # counts those the platform confirmed, `settled_at` marks all sent (or refused for good).
    user_ref: str | None = Field(default=None, max_length=64)
    replies: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    sent: int = 0
    settled_at: datetime | None = _ts(nullable=True, default=False)
    last_error: str | None = Field(default=None, max_length=300)
    # The worker that committed the event and sends its replies (`hsdt.storage.leases`); another
    # worker sends them only once that one's lease is gone. None: committed outside the fleet.
    owner: str | None = Field(default=None, max_length=64)
    # The conversation's version after this turn (None: no conversation touched): one chat's turns in
    # the order they applied, whichever worker applied them, so they are also sent in that order.
    turn: int | None = None


class OutboxMessage(TenantOwned, table=True):
    """A message to a user that is not a reply to their own event (notifications, reminders).

    Written in the same transaction as the decision to send it; a delivery service sends it later.
    `dedupe_key` (unique) makes "at most one per (reason, user)" a database fact.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("tenant_id", "dedupe_key", name="uq_outbox_dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=30)
    dedupe_key: str | None = Field(default=None, max_length=120)
    replies: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    not_before: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True, default=False)
    failed_at: datetime | None = _ts(nullable=True, default=False)
    attempts: int = 0
    last_error: str | None = None


Index("ix_processed_event_unsettled", col(ProcessedEvent.channel), col(ProcessedEvent.settled_at))
# A chat's latest turns (the screen re-shown to a message that arrived late).
Index("ix_processed_event_chat", col(ProcessedEvent.channel), col(ProcessedEvent.user_ref),
      col(ProcessedEvent.processed_at))
Index("ix_outbox_pending", col(OutboxMessage.sent_at), col(OutboxMessage.failed_at), col(OutboxMessage.not_before))
Index("ix_answer_audit_scope", col(AnswerAudit.campaign_id), col(AnswerAudit.school_id), col(AnswerAudit.criterion_id))
Index("ix_evidence_scope", col(Evidence.campaign_id), col(Evidence.school_id), col(Evidence.criterion_id))


# Feature tables live in their own modules; importing them here registers them on the metadata.
# (one line per feature module, below)
from hsdt.storage import inspection_models  # noqa: F401
from hsdt.storage import reminder_models  # noqa: F401
from hsdt.storage import channels_models  # noqa: F401
from hsdt.storage import dashboard_models  # noqa: F401
from hsdt.storage import usage_models  # noqa: F401
from hsdt.storage import send_budget  # noqa: F401
from hsdt.storage import leases  # noqa: F401
from hsdt.storage import zalo_oa_models  # noqa: F401
from hsdt.storage import tenant_channels  # noqa: F401

from hsdt.storage.tenancy import prepare_criteria

prepare_criteria()
