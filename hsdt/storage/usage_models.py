"""Outbound chat messages counted per channel and calendar month (Zalo's plan counts them)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hsdt.storage.types import UTCDateTime


class MessageUsage(SQLModel, table=True):
    """Messages a channel's platform accepted in one month (local calendar, "YYYY-MM").

    `warned_at` makes "the operators were warned this month" a database fact, so several bot
    processes warn once between them.
    """

    __tablename__ = "message_usage"
    channel: str = Field(primary_key=True, max_length=20)
    month: str = Field(primary_key=True, max_length=7)
    messages: int = Field(default=0, nullable=False)
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
