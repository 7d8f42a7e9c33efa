"""Each Sở's own chat channels: its Telegram bot, its Zalo bot, its Zalo Official Account.

`tenant_channel` is read before any tenant is in scope (a process builds one channel set per tenant at
its start, a webhook is routed to its tenant by its path), so it is global like `tenant`: no row-level
security, and every function here names the tenant itself. A channel is unique per (kind, account):
one bot or OA serves one Sở. The secrets are stored here as the environment holds them for the first
Sở; they are never logged (the bootstrap registers them with `hsdt.redaction`) nor listed.

The channels configured in the environment stay the first tenant's and are not rows of this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from hsdt.storage.types import UTCDateTime, utcnow


class ChannelKind(StrEnum):
    TELEGRAM = "telegram"
    ZALO_BOT = "zalo_bot"
    ZALO_OA = "zalo_oa"


class TenantChannel(SQLModel, table=True):
    """One Sở's channel: `account` is what identifies it on the platform (the Telegram bot id the token
    starts with, the Zalo bot's scope, the OA id)."""

    __tablename__ = "tenant_channel"
    __table_args__ = (UniqueConstraint("kind", "account", name="uq_tenant_channel_kind_account"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", sa_type=Integer, index=True)
    kind: str = Field(sa_type=String(20))
    account: str = Field(max_length=80)
    # Telegram and Zalo bots: the bot token and the webhook's secret token.
    token: str | None = Field(default=None, sa_type=Text)
    webhook_secret: str | None = Field(default=None, sa_type=Text)
    # Zalo OA: the app (id, secret, redirect URI) and the OA secret key that signs its webhook calls.
    app_id: str | None = Field(default=None, max_length=80)
    app_secret: str | None = Field(default=None, sa_type=Text)
    oa_secret_key: str | None = Field(default=None, sa_type=Text)
    redirect_uri: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def secrets(self) -> list[str]:
        """What the log redaction must scrub."""
        return [s for s in (self.token, self.webhook_secret, self.app_secret, self.oa_secret_key) if s]


@dataclass(frozen=True)
class ChannelConfig:
    """A channel row as the bootstrap and the CLI read it (detached from any session)."""

    tenant_id: int
    kind: ChannelKind
    account: str
    token: str | None = None
    webhook_secret: str | None = None
    app_id: str | None = None
    app_secret: str | None = None
    oa_secret_key: str | None = None
    redirect_uri: str | None = None
    updated_at: datetime | None = None

    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.webhook_secret, self.app_secret, self.oa_secret_key) if s]

    def __repr__(self) -> str:  # never the secrets, should a config reach a log line or a traceback
        return f"ChannelConfig(tenant_id={self.tenant_id}, kind={self.kind.value}, account={self.account})"


class ChannelTaken(ValueError):
    """The bot or OA already serves another Sở (one platform account routes to one tenant)."""

    def __init__(self, kind: ChannelKind, account: str, tenant_id: int) -> None:
        super().__init__(f"{kind.value} {account} belongs to tenant {tenant_id}")
        self.kind, self.account, self.tenant_id = kind, account, tenant_id


def _config(row: TenantChannel) -> ChannelConfig:
    return ChannelConfig(row.tenant_id, ChannelKind(row.kind), row.account, row.token, row.webhook_secret,
                         row.app_id, row.app_secret, row.oa_secret_key, row.redirect_uri, row.updated_at)


def all_channels(engine: Engine) -> list[ChannelConfig]:
    with Session(engine) as session:
        rows = session.exec(select(TenantChannel).order_by(col(TenantChannel.tenant_id), col(TenantChannel.kind),
                                                           col(TenantChannel.account))).all()
        return [_config(row) for row in rows]


def tenant_channels(engine: Engine, tenant_id: int) -> list[ChannelConfig]:
    return [c for c in all_channels(engine) if c.tenant_id == tenant_id]


def save_channel(engine: Engine, config: ChannelConfig) -> ChannelConfig:
    """Added, or its secrets replaced when the tenant already has this account. ChannelTaken when the
    account is another tenant's."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        row = session.exec(select(TenantChannel).where(TenantChannel.kind == config.kind.value,
                                                       TenantChannel.account == config.account)
                           .with_for_update()).first()
        if row is not None and row.tenant_id != config.tenant_id:
            raise ChannelTaken(config.kind, config.account, row.tenant_id)
        if row is None:
            row = TenantChannel(tenant_id=config.tenant_id, kind=config.kind.value, account=config.account)
        row.token, row.webhook_secret = config.token, config.webhook_secret
        row.app_id, row.app_secret = config.app_id, config.app_secret
        row.oa_secret_key, row.redirect_uri = config.oa_secret_key, config.redirect_uri
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        return _config(row)


def remove_channel(engine: Engine, tenant_id: int, kind: ChannelKind, account: str | None = None) -> int:
    """The tenant's channels of `kind` (only `account`'s when given) removed; how many there were."""
    with Session(engine) as session, session.begin():
        query = select(TenantChannel).where(TenantChannel.tenant_id == tenant_id, TenantChannel.kind == kind.value)
        if account is not None:
            query = query.where(TenantChannel.account == account)
        rows = session.exec(query).all()
        for row in rows:
            session.delete(row)
        return len(rows)
