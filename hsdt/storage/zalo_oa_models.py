"""Zalo Official Account state: OAuth tokens per OA, each OA user's last interaction, message counts.

Ids are Zalo's big integers kept as text (never numbers: they pass 2^53).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, col

from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime

ID_LENGTH = 64
TOKEN_LENGTH = 2048


class TokenState(StrEnum):
    OK = "ok"
    # The last refresh got no answer: Zalo may have rotated the refresh token (then the next refresh
    # is refused) or not (then it succeeds). The stored access token is used while it lasts.
    REFRESH_UNCERTAIN = "refresh_uncertain"
    # Zalo refused the refresh token: only the OA admin can fix it, by connecting the OA again.
    REFRESH_REFUSED = "refresh_refused"


class MessageCharge(StrEnum):
    """What a message the OA sent cost."""

    FREE = "free"  # a consultation message inside the free window
    QUOTA = "quota"  # a consultation message counted against the OA's quota
    TRANSACTION = "transaction"  # a transaction message (paid, or counted against its own quota)


class ZaloOAToken(TenantOwned, table=True):
    """The OAuth token pair of one OA. `generation` grows at each rotation: a worker that waited
    for the row lock sees another worker's refresh by it and uses that token instead of refreshing."""

    __tablename__ = "zalo_oa_token"
    oa_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    app_id: str = Field(max_length=ID_LENGTH)
    access_token: str = Field(max_length=TOKEN_LENGTH)
    refresh_token: str = Field(max_length=TOKEN_LENGTH)
    access_expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Zalo does not say; about 3 months after it was issued, by its documentation.
    refresh_expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    generation: int = Field(default=1, nullable=False)
    refreshed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: str = Field(default=TokenState.OK.value, max_length=20)
    state_detail: str | None = Field(default=None, max_length=300)
    state_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ZaloOAUser(TenantOwned, table=True):
    """One user of one OA: when they last interacted (the 7-day and 48-hour windows count from it)
    and how many free messages went to them since."""

    __tablename__ = "zalo_oa_user"
    oa_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    user_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    last_interaction_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    free_sent: int = Field(default=0, nullable=False)
    following: bool | None = Field(default=None, nullable=True)


class ZaloOAUsage(TenantOwned, table=True):
    """Messages one OA sent in one month (local calendar, "YYYY-MM"), by what they cost. The
    channel-wide total is also counted in `message_usage` (channel "zalo_oa") for `hsdt status`."""

    __tablename__ = "zalo_oa_usage"
    oa_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    month: str = Field(primary_key=True, max_length=7)
    free: int = Field(default=0, nullable=False)
    quota: int = Field(default=0, nullable=False)
    transaction: int = Field(default=0, nullable=False)


class ZaloOAInbox(TenantOwned, table=True):
    """A verified webhook event, recorded before the webhook answers 200: Zalo does not send an event
    again once answered, so an event still being handled (a PDF downloaded and checked) when the
    process dies is applied from here by the next worker.

    The worker handling an event holds it (`claimed_by`, `claimed_at`) and renews `claimed_at` while it
    has it in hand; an unapplied event whose hold is older than the grace period belongs to a dead
    worker and is taken over. `event` is the typed event as JSON (ids as strings)."""

    __tablename__ = "zalo_oa_inbox"
    oa_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    event_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=ID_LENGTH)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    claimed_by: str = Field(max_length=40)
    claimed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Times a worker took it on: an event that kills every worker that handles it is given up.
    attempts: int = Field(default=1, nullable=False)


Index("ix_zalo_oa_inbox_unapplied", col(ZaloOAInbox.oa_id), col(ZaloOAInbox.applied_at))
