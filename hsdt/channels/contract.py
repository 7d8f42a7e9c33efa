"""What every channel's sending shares: the outcome of a send, and the sender protocol."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Protocol

from hsdt.events import Reply


class SendRefused(Exception):
    """The platform said it will never take this message (bad request, message gone): do not retry."""


class RecipientBlocked(SendRefused):
    """The user blocked the bot or left the platform: stop writing to them."""


class RetryLater(Exception):
    """The send failed for now (flood control, a 5xx, the network): try again, after `retry_after`
    seconds when the platform said so, else after the caller's backoff."""

    def __init__(self, retry_after: float | None = None, reason: str = "") -> None:
        super().__init__(reason or (f"retry after {retry_after} s" if retry_after is not None else "retry"))
        self.retry_after = retry_after


class DeferUntil(Exception):
    """Nothing was sent and nothing can go before `when` (a platform's hours for this kind of message,
    such as a Zalo OA's transaction messages, 06:00-21:59): keep the message and send it then."""

    def __init__(self, when: datetime, reason: str = "") -> None:
        super().__init__(reason or f"not before {when.isoformat()}")
        self.when = when


class ChannelSender(Protocol):
    """One per channel; `external_id` is ChatIdentity.external_id on that channel."""

    channel: str

    async def send(self, external_id: str, replies: list[Reply]) -> None: ...


class TurnQueue(Protocol):
    """A channel's reply delivery, for a turn committed outside the channel's own updates (the upload
    page's): sent in its user's order, recorded in the reply ledger like any turn."""

    def submit_turn(self, event_id: str, user_ref: str, replies: list[Reply],
                    turn: int | None) -> asyncio.Future[bool]:
        """Queue the stored turn `event_id`; the future tells whether the platform took all of it."""
        ...


def bot_scope(token: str) -> str:
    """The namespace of one bot's event ids: the bot id a token starts with ("123456:ABC..."), or a
    short digest of a token without one (never the token itself: ids are stored and logged)."""
    head = token.split(":", 1)[0]
    return head if head.isdigit() else hashlib.sha256(token.encode()).hexdigest()[:12]
