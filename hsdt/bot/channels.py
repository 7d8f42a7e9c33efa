"""Pushing messages to a user outside a request/response turn (reminders, notifications)."""

from __future__ import annotations

from typing import Protocol

from hsdt.events import Reply


class RecipientBlocked(Exception):
    """The user blocked the bot or left the platform: stop writing to them."""


class RetryLater(Exception):
    """The platform asked us to slow down (Telegram 429)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ChannelSender(Protocol):
    """One per channel; `external_id` is ChatIdentity.external_id on that channel."""

    channel: str

    async def send(self, external_id: str, replies: list[Reply]) -> None: ...
