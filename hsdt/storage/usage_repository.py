"""Counting outbound messages per channel and month, atomically across bot processes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hsdt.storage.models import Role, User
from hsdt.storage.usage_models import MessageUsage


class UsageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, channel: str, month: str, messages: int) -> int:
        """Adds `messages` to the month's count and returns the new count. An upsert: two processes
        counting the first message of a month at once must not collide on the insert."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        tenant = self.session.info["tenant_id"]
        statement = insert(MessageUsage).values(tenant_id=tenant, channel=channel, month=month, messages=messages)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "channel", "month"],
            set_={"messages": MessageUsage.__table__.c.messages + messages},  # type: ignore[attr-defined]
        )
        self.session.execute(statement)
        return self.count(channel, month)

    def count(self, channel: str, month: str) -> int:
        found = self.session.exec(
            select(MessageUsage.messages).where(MessageUsage.channel == channel, MessageUsage.month == month)
        ).first()
        return int(found or 0)

    def claim_warning(self, channel: str, month: str, now: datetime) -> bool:
        """True for the one caller that marks the month warned (the others see it already set)."""
        result = self.session.execute(
            update(MessageUsage)
            .where(col(MessageUsage.channel) == channel, col(MessageUsage.month) == month,
                   col(MessageUsage.warned_at).is_(None))
            .values(warned_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def of_month(self, month: str) -> Sequence[MessageUsage]:
        return self.session.exec(
            select(MessageUsage).where(MessageUsage.month == month).order_by(col(MessageUsage.channel))
        ).all()

    def operators(self) -> Sequence[int]:
        """The Sở staff, who are told when a channel's monthly plan runs low."""
        return self.session.exec(
            select(User.id).where(User.role == Role.SO_STAFF, User.active == True)  # noqa: E712
            .order_by(col(User.id))
        ).all()  # type: ignore[return-value]
