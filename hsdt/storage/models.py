"""Tables. Schema changes go through Alembic migrations in `migrations/versions/`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hsdt.storage.types import UTCDateTime, utcnow


class Role(StrEnum):
    PRINCIPAL = "principal"
    INSPECTOR = "inspector"
    DISTRICT_STAFF = "district_staff"
    SO_STAFF = "so_staff"


class UnitKind(StrEnum):
    """The structural place of a unit; what each level is called is the deployment's data."""

    DEPARTMENT = "so"
    MANAGING = "district"
    SCHOOL = "school"


class AssessmentKind(StrEnum):
    """Who scored a school's answers: the school itself, its managing unit, or a cross-inspection team."""

    SELF = "self"
    RESCORE = "district"
    CROSS = "cross"


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


def _ts(nullable: bool = False, default: bool = True) -> Any:
    if default:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class RubricVersion(SQLModel, table=True):
    __tablename__ = "rubric_version"
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    name: str
    version: str
    source: str = Field(description="The YAML text as loaded, so old answers can be re-scored exactly.")
    loaded_at: datetime = _ts()


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str
    record_start: date
    record_end: date
    inspection_start: date
    inspection_end: date
    self_assessment_due: datetime = Field(sa_type=UTCDateTime)
    deadline: datetime = Field(sa_type=UTCDateTime)
    rubric_version_id: int = Field(foreign_key="rubric_version.id")
    active: bool = True
    created_at: datetime = _ts()


class Unit(SQLModel, table=True):
    """An organisation unit. `kind` is data ("so", "district", "school", or a future level)."""

    __tablename__ = "unit"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str
    kind: str = Field(max_length=20, index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    uses_erecords: bool = True


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, description="Stable id from the roster.")
    full_name: str
    role: str = Field(max_length=20)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    phone: str | None = None
    email: str | None = None
    active: bool = True
    created_at: datetime = _ts()


class InviteCode(SQLModel, table=True):
    __tablename__ = "invite_code"
    code: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = _ts(nullable=True, default=False)
    used_by_identity_id: int | None = Field(default=None, foreign_key="chat_identity.id")
    created_at: datetime = _ts()


class ChatIdentity(SQLModel, table=True):
    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_chat_identity_channel_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    display_name: str | None = None
    created_at: datetime = _ts()


class Answer(SQLModel, table=True):
    """Current answer per school x criterion x kind of assessment. History lives in AnswerAudit."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("campaign_id", "school_id", "kind", "criterion_id", name="uq_answer_scope"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(default="self", max_length=20)
    criterion_id: str = Field(max_length=12)
    value: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    points: float
    answered_by: int = Field(foreign_key="app_user.id")
    answered_at: datetime = _ts()
    version: int = 1


class AnswerAudit(SQLModel, table=True):
    """Append-only: one row for every change of an answer."""

    __tablename__ = "answer_audit"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(default="self", max_length=20)
    criterion_id: str = Field(max_length=12)
    old_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    new_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    user_id: int = Field(foreign_key="app_user.id")
    channel: str = Field(max_length=20)
    event_id: str = Field(max_length=64)
    at: datetime = _ts()


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("campaign_id", "school_id", "kind", name="uq_submission_scope"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(default="self", max_length=20)
    status: str = Field(default=SubmissionStatus.DRAFT, max_length=20)
    total: float | None = None
    band: str | None = None
    submitted_at: datetime | None = _ts(nullable=True, default=False)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = _ts()


class Evidence(SQLModel, table=True):
    """A checked file attached to a school's criterion. The file itself is content-addressed on disk."""

    __tablename__ = "evidence"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(default="self", max_length=20)
    criterion_id: str = Field(max_length=12)
    sha256: str = Field(max_length=64)
    size: int
    file_name: str
    status: str = Field(max_length=20)
    verdict: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    uploaded_by: int = Field(foreign_key="app_user.id")
    uploaded_at: datetime = _ts()


class ConversationState(SQLModel, table=True):
    """Where a user is in a conversation. Per user, so it is shared by all their chat identities."""

    __tablename__ = "conversation_state"
    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    flow: str = Field(default="idle", max_length=30)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = _ts()


class ProcessedEvent(SQLModel, table=True):
    """Marks an incoming event as applied; written in the same transaction as its effects."""

    __tablename__ = "processed_event"
    channel: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = _ts()


class OutboxMessage(SQLModel, table=True):
    """A message to a user that is not a reply to their own event (notifications, reminders).

    Written in the same transaction as the decision to send it; a delivery service sends it later.
    `dedupe_key` (unique) makes "at most one per (reason, user)" a database fact.
    """

    __tablename__ = "outbox_message"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=30)
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    replies: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    not_before: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True, default=False)
    failed_at: datetime | None = _ts(nullable=True, default=False)
    attempts: int = 0
    last_error: str | None = None


Index("ix_outbox_pending", OutboxMessage.sent_at, OutboxMessage.failed_at, OutboxMessage.not_before)
Index("ix_answer_audit_scope", AnswerAudit.campaign_id, AnswerAudit.school_id, AnswerAudit.criterion_id)
Index("ix_evidence_scope", Evidence.campaign_id, Evidence.school_id, Evidence.criterion_id)


# Feature tables live in their own modules; importing them here registers them on the metadata.
# (one line per feature module, below)
from hsdt.storage import inspection_models  # noqa: F401
from hsdt.storage import reminder_models  # noqa: F401
from hsdt.storage import channels_models  # noqa: F401
from hsdt.storage import dashboard_models  # noqa: F401
