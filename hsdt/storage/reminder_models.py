"""Tables of the reminders feature: the extra calendar fields, mutes, blocked chats, fired reminders.

The campaign's dates stay in `campaign`; what only reminders need is keyed by campaign here.
The APScheduler job table is declared here too, so migrations own it (APScheduler's
`SQLAlchemyJobStore` finds it existing and uses it as is).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, LargeBinary, Table, Unicode
from sqlmodel import Field, SQLModel

from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime, utcnow

DEFAULT_OFFSETS = [7, 3, 1]


class ReminderCalendar(TenantOwned, table=True):
    """Reminder settings of one campaign; `version` grows on every change so schedulers resync."""

    __tablename__ = "reminder_calendar"
    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    offsets_days: list[int] = Field(default_factory=lambda: list(DEFAULT_OFFSETS),
                                    sa_column=Column(JSON, nullable=False))
    quiet_start: str = Field(default="21:00", max_length=5, description="Local HH:MM; nothing is sent from here")
    quiet_end: str = Field(default="07:00", max_length=5, description="Local HH:MM; ...until here")
    morning_at: str = Field(default="08:00", max_length=5, description="Local HH:MM when day reminders go out")
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=80)


class ReminderMute(TenantOwned, table=True):
    """A user who asked for no optional reminders (/tatnhac). Final-deadline reminders still reach them."""

    __tablename__ = "reminder_mute"
    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    muted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BlockedIdentity(TenantOwned, table=True):
    """A chat identity the platform refused (the user blocked the bot); skipped by the delivery."""

    __tablename__ = "blocked_identity"
    identity_id: int = Field(primary_key=True, foreign_key="chat_identity.id")
    blocked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=200)


class FiredReminder(TenantOwned, table=True):
    """A reminder that has been decided; written with its outbox rows, so it is never scheduled again."""

    __tablename__ = "fired_reminder"
    reminder_id: str = Field(primary_key=True, max_length=80)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    fired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recipients: int = 0
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# Exactly the table APScheduler 3's SQLAlchemyJobStore defines (it creates it only when missing).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
