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
from sqlalchemy.exc import IntegrityError

from hsdt.events import Handled, Reply
from hsdt.services import usage
from hsdt.storage.repositories import StoredEvent
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

# Stored beside a screen reply's fields: the turn that sent it (`ConversationRepository.mark_shown`).
TURN_KEY = "turn"


@dataclass(frozen=True)
class Shown:
    """A screen a chat was shown: its key (`Reply.screen`), the channel's reference of the message it is
    in (`channel:ref`, what a later reply that `replaces` it edits), and the turn that sent it."""

    screen: str
    ref: str | None = None
    turn: int | None = None


@dataclass(frozen=True)
class Receipt:
    """What the platform took of one event's stored replies: the first `sent` of them, in order;
    `settled` when nothing more will be tried (all sent, or refused for good with `error`). A channel
    reports as it goes, so a turn interrupted half way is on record half way. The receipt carries what
    the ledger records about the chat (the last screen shown among those replies, with its turn), so
    nothing is read back from the stored replies."""

    channel: str
    event_id: str
    sent: int
    settled: bool
    error: str | None = None
    messages: int = 0  # platform messages sent since the last receipt (counted against the channel's plan)
    user_ref: str = ""  # the chat
    shown: Shown | None = None
    # The turn whose screen the platform refused for good (never shown): the chat's pending screen of
    # that turn is dropped, so a typed answer still means the screen shown before.
    refused: int | None = None


@dataclass(frozen=True)
class PendingReplies:
    channel: str
    event_id: str
    user_ref: str
    replies: list[Reply]
    first: int
    turn: int | None = None


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

    def owner_of(self, channel: str, event_id: str) -> str | None:
        with UnitOfWork(self.engine) as uow:
            return uow.events.owner_of(channel, event_id)

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Record what the platform took, message by message, and the last screen each chat was actually
        shown (a typed answer means that screen). `receipts` come in the order the channels sent."""
        settled: dict[tuple[str, str], Receipt] = {}
        for receipt in receipts:  # one row update per event: the furthest any receipt got
            key = (receipt.channel, receipt.event_id)
            earlier = settled.get(key)
            settled[key] = receipt if earlier is None else dataclasses.replace(
                receipt, sent=max(earlier.sent, receipt.sent), settled=earlier.settled or receipt.settled,
                error=receipt.error or earlier.error)
        # The last screen of each chat, in the order sent (one chat's turns are sent one after another).
        screens: dict[tuple[str, str], Shown] = {}
        refused: dict[tuple[str, str], int] = {}
        messages: dict[str, int] = {}
        for receipt in receipts:
            if receipt.shown is not None and receipt.user_ref:
                screens[(receipt.channel, receipt.user_ref)] = receipt.shown
            if receipt.refused is not None and receipt.user_ref:
                refused[(receipt.channel, receipt.user_ref)] = receipt.refused
            messages[receipt.channel] = messages.get(receipt.channel, 0) + receipt.messages
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            # Rows are locked in one order (events by key, users by chat): two workers confirming the same
            # redelivered turn at once wait for each other instead of deadlocking.
            uow.events.confirm_all([(channel, event_id, receipt.sent, now if receipt.settled else None, receipt.error)
                                    for (channel, event_id), receipt in sorted(settled.items())])
            for channel, count in sorted(messages.items()):
                usage.record_sent(uow, channel, count, now, self.tz, self.quotas)
            if not refused:  # the usual batch: every chat's screen in one statement, in the chats' order
                uow.conversations.mark_shown_to_all([(*chat, screens[chat].screen, screens[chat].ref,
                                                      screens[chat].turn) for chat in sorted(screens)])
            for chat in sorted(screens.keys() | refused.keys()) if refused else ():
                if chat in screens:
                    shown = screens[chat]
                    uow.conversations.mark_shown_to(*chat, shown.screen, shown.ref, shown.turn)
                if chat in refused:
                    uow.conversations.drop_pending_to(*chat, refused[chat])

    def stand_in(self, channel: str, event_id: str, user_ref: str, replies: list[Reply], turn: int | None,
                 replaced: Sequence[str]) -> bool:
        """One turn that stands for the replies of several events (the upload page tells the chat about all
        its files at once): stored as an event's replies are, in the same transaction as the replaced
        events' own are settled unsent. False when it was stored already."""
        now = self.clock()
        try:
            with UnitOfWork(self.engine) as uow:
                if uow.events.stored(channel, event_id) is not None:
                    return False
                uow.events.record(channel, event_id, user_ref, records(replies, turn), now, turn)
                for replaced_id in sorted(replaced):
                    uow.events.confirm(channel, replaced_id, 0, now, None)
                return True
        except IntegrityError:  # a concurrent request stored it first
            return False

    def unsettled(self, channel: str, limit: int = 1000, scope: str | None = None) -> list[PendingReplies]:
        """Replies committed but not confirmed sent (the process died in between), oldest first;
        `scope`: one bot's (`EventRepository.unsettled`)."""
        with UnitOfWork(self.engine) as uow:
            return [
                PendingReplies(channel, row.event_id, row.user_ref or "",
                               [Reply.from_record(r) for r in row.replies[row.sent:]], row.sent,
                               turn_of(row.replies))
                for row in uow.events.unsettled(channel, limit, scope)
            ]

    def take_orphaned(self, channel: str, owner: str, limit: int = 1000, scope: str | None = None,
                      alone: bool = False, event_id: str | None = None) -> list[PendingReplies]:
        """Unsent turns no live worker sends, now `owner`'s (`EventRepository.take_orphaned`)."""
        with UnitOfWork(self.engine) as uow:
            return [
                PendingReplies(channel, row.event_id, row.user_ref or "",
                               [Reply.from_record(r) for r in row.replies[row.sent:]], row.sent,
                               turn_of(row.replies))
                for row in uow.events.take_orphaned(channel, owner, limit, scope, alone=alone, event_id=event_id)
            ]

    def earlier_unsent(self, channel: str, event_id: str, owner: str) -> bool:
        """Another live worker still sends an earlier turn of this event's chat."""
        with UnitOfWork(self.engine) as uow:
            return uow.events.earlier_unsent(channel, event_id, owner)

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


def turn_of(stored: Sequence[Mapping[str, Any]]) -> int | None:
    """The turn stored replies belong to (kept beside their screens; None: no conversation turn)."""
    return next((int(r[TURN_KEY]) for r in stored if r.get(TURN_KEY) is not None), None)


def duplicate(seen: StoredEvent) -> Handled:
    """A redelivered event's answer: its stored replies the platform has not confirmed yet."""
    if seen.settled:
        return Handled([], duplicate=True, first=seen.sent)
    return Handled([Reply.from_record(r) for r in seen.replies[seen.sent:]], duplicate=True, first=seen.sent,
                   turn=turn_of(seen.replies))


def last_shown(replies: Sequence[Reply], turn: int | None, channel: str,
               refs: Mapping[int, str] | None = None) -> Shown | None:
    """The last screen among `replies`, with the channel's reference of its message (`refs`, by index)."""
    for index in range(len(replies) - 1, -1, -1):
        screen = replies[index].screen
        if screen:
            ref = (refs or {}).get(index)
            return Shown(screen, f"{channel}:{ref}" if ref is not None else None, turn)
    return None
