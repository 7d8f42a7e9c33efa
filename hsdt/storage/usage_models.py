"""Outbound chat messages counted per channel and calendar month (Zalo's plan counts them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlmodel import Field

from hsdt.storage.tenancy import TenantOwned, tenant_of_statement
from hsdt.storage.types import UTCDateTime


class MessageUsage(TenantOwned, table=True):
    """Messages a channel's platform accepted in one month (local calendar, "YYYY-MM").

    `warned_at` makes "the operators were warned this month" a database fact, so several bot
    processes warn once between them.
    """

    __tablename__ = "message_usage"
    # Each Sở's own count, so the tenant is part of the key.
    tenant_id: int = Field(default=None, primary_key=True, foreign_key="tenant.id", sa_type=Integer,
                                  sa_column_kwargs={"default": tenant_of_statement, "autoincrement": False})
    channel: str = Field(primary_key=True, max_length=20)
    month: str = Field(primary_key=True, max_length=7)
    messages: int = Field(default=0, nullable=False)
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
