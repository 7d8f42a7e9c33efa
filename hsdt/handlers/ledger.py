"""The ledger of replies: what each applied event said, and how much of it the platform took.

An event's replies are stored with its processed-event marker in the event's own transaction
(`records`); the channel sends them after the commit and reports back what the platform confirmed
(`Receipt`, recorded by `ReplyLedger.confirm`). A redelivered event gets back the stored replies not
yet confirmed (`duplicate`); at start, a channel sends what a previous process left unconfirmed
(`ReplyLedger.unsettled`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.events import Handled, Reply
from hsdt.services import usage
from hsdt.storage.repositories import StoredEvent
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

# Stored beside a screen reply's fields: the turn that sent it (`ConversationRepository.mark_shown`).
TURN_KEY = "turn"


@dataclass(frozen=True)
class Receipt:
    """What the platform confirmed of one event's stored replies: `sent` of them in order; `settled`
    when nothing more will be tried (all sent, or refused for good with `error`)."""

    channel: str
    event_id: str
    sent: int
    settled: bool
    error: str | None = None
    # The channel's reference of the message each reply ended in, by its index in the stored list
    # (what a later reply that `replaces` a screen edits).
    refs: Mapping[int, str] = dataclasses.field(default_factory=dict)
    messages: int = 0  # platform messages those replies took (counted against the channel's plan)


@dataclass(frozen=True)
class PendingReplies:
    channel: str
    event_id: str
    user_ref: str
    replies: list[Reply]
    first: int


class ReplyLedger:
    """Reads and settles the stored replies of applied events (the `processed_event` rows)."""

    def __init__(self, engine: Engine, tz: ZoneInfo, quotas: Mapping[str, int],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.tz = tz
        self.quotas = quotas
        self.clock = clock

    def stored(self, channel: str, event_id: str) -> StoredEvent | None:
        with UnitOfWork(self.engine) as uow:
            return uow.events.stored(channel, event_id)

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Record what the platform confirmed, and the last question each user was actually shown (a
        typed answer means that question)."""
        # Rows are locked in one order (events by key, users by id): two workers confirming the same
        # redelivered turn at once wait for each other instead of deadlocking.
        receipts = sorted(receipts, key=lambda r: (r.channel, r.event_id))
        with UnitOfWork(self.engine) as uow:
            for receipt in receipts:
                uow.events.confirm(receipt.channel, receipt.event_id, receipt.sent,
                                   self.clock() if receipt.settled else None, receipt.error)
                usage.record_sent(uow, receipt.channel, receipt.messages, self.clock(), self.tz, self.quotas)
            # The last screen each chat was shown, and where; the user is looked up from the update's chat.
            screens: dict[tuple[str, str], tuple[str, str | None, int | None]] = {}
            for receipt in receipts:
                if receipt.sent <= 0:
                    continue
                seen = uow.events.stored(receipt.channel, receipt.event_id)
                if seen is None or not seen.user_ref:
                    continue
                for index, record in enumerate(seen.replies[:receipt.sent]):
                    if record.get("screen"):
                        ref = receipt.refs.get(index)
                        screens[(receipt.channel, seen.user_ref)] = (
                            record["screen"], f"{receipt.channel}:{ref}" if ref is not None else None,
                            record.get(TURN_KEY))
            for (channel, user_ref), (screen, ref, turn) in sorted(screens.items()):  # one lock order everywhere
                uow.conversations.mark_shown_to(channel, user_ref, screen, ref, turn)

    def unsettled(self, channel: str, limit: int = 1000, scope: str | None = None) -> list[PendingReplies]:
        """Replies committed but not confirmed sent (the process died in between), oldest first;
        `scope`: one bot's (`EventRepository.unsettled`)."""
        with UnitOfWork(self.engine) as uow:
            return [
                PendingReplies(channel, row.event_id, row.user_ref or "",
                               [Reply.from_record(r) for r in row.replies[row.sent:]], row.sent)
                for row in uow.events.unsettled(channel, limit, scope)
            ]

    def adopt_legacy_events(self, channel: str, scope: str) -> int:
        """Stored event ids from before they were namespaced by bot become `scope`'s (at a bot's start)."""
        with UnitOfWork(self.engine) as uow:
            return uow.events.adopt_legacy(channel, scope)

    def notify(self, user_id: int, replies: list[Reply], kind: str, dedupe_key: str) -> None:
        """Queue replies for a user outside a turn (the outbox; once per `dedupe_key`)."""
        with UnitOfWork(self.engine) as uow:
            uow.outbox.enqueue(user_id, [r.to_json() for r in replies], kind=kind, dedupe_key=dedupe_key)

    def mark_shown(self, user_id: int, screen: str) -> None:
        """A channel delivered a reply carrying `screen` to the user: typed answers now mean that screen."""
        with UnitOfWork(self.engine) as uow:
            uow.conversations.mark_shown(user_id, screen)


def records(replies: list[Reply], turn: int | None) -> list[dict[str, Any]]:
    """The replies as stored with the event's marker; a screen carries the turn that sent it."""
    stored = [reply.to_record() for reply in replies]
    if turn is not None:
        for record in stored:
            if record.get("screen"):
                record[TURN_KEY] = turn
    return stored


def duplicate(seen: StoredEvent) -> Handled:
    """A redelivered event's answer: its stored replies the platform has not confirmed yet."""
    if seen.settled:
        return Handled([], duplicate=True, first=seen.sent)
    return Handled([Reply.from_record(r) for r in seen.replies[seen.sent:]], duplicate=True, first=seen.sent)
