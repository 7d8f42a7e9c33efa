"""Tables for chat channels without buttons (Zalo) and for the one-time upload page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field

from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime, utcnow


class ChatMenu(TenantOwned, table=True):
    """The numbered options last shown to one chat identity, so typing "2" presses that button.

    In the database (not in memory): it must survive a restart and be shared by every bot process.
    """

    __tablename__ = "chat_menu"
    channel: str = Field(primary_key=True, max_length=20)
    external_id: str = Field(primary_key=True, max_length=64)
    # [[key, label, action], ...]
    options: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The purpose of the last screen that asked for a file (a document payload such as "chk:file").
    upload: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UsedUploadLink(TenantOwned, table=True):
    """A one-time upload link that has been used; the primary key makes reuse a database fact."""

    __tablename__ = "used_upload_link"
    nonce: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    purpose: str = Field(max_length=64)
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

