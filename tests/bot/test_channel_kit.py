"""The channel kit on its own: per-user queues, sending until the platform takes a reply (resuming at the
message that failed), the offset that never passes an uncommitted update, long text split (never cut),
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine

from hsdt.channels.backoff import Backoff
from hsdt.channels.contract import RecipientBlocked, RetryLater
from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.channels.queues import SerialQueues
from hsdt.channels.telegram.client import make_bot
from hsdt.channels.telegram.receive import Offsets
from hsdt.channels.telegram.render import TelegramSender, TelegramTurns
from hsdt.channels.telegram.translate import TEXT_LIMIT
from hsdt.channels.text_split import split_text
from hsdt.events import Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import ProcessedEvent
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.telegram_server import FakeTelegramServer
from tests.helpers import Clock


class FlakySender:
    """Fails as told, then takes the replies."""

    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        for index, reply in enumerate(replies):
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((user_ref, reply.text))
            progress(index + 1)


def _stored(engine: Engine, event_id: str) -> ProcessedEvent:
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ProcessedEvent, ("test", event_id))
        assert row is not None
        return row


async def test_a_turn_is_retried_until_sent_and_confirmed_once(engine: Engine, dispatcher: Dispatcher) -> None:
    event = Incoming(channel="test", user_ref="u1", event_id="k1", kind=Kind.COMMAND, text="/help")
    handled = await dispatcher.process(event)
    assert handled.replies and _stored(engine, "k1").settled_at is None
    sender = FlakySender([RetryLater(None, "502"), RetryLater(0.01, "flood"), ConnectionResetError()])
    delivery = ReplyDelivery("test", dispatcher, sender, backoff=Backoff(0.01, 0.02))
    assert delivery.claim("k1") and not delivery.claim("k1")
    await delivery.send("k1", "u1", handled.replies, 0, None)
    await delivery.close()
    assert [text for _, text in sender.sent] == [r.text for r in handled.replies]
    row = _stored(engine, "k1")
    assert row.settled_at is not None and row.sent == len(handled.replies)
    again = await dispatcher.process(event)  # redelivered after confirmation: nothing to send
    assert again.duplicate and again.replies == []


async def test_a_refusal_for_good_is_recorded_not_retried(engine: Engine, dispatcher: Dispatcher) -> None:
    handled = await dispatcher.process(Incoming(channel="test", user_ref="u2", event_id="k2",
                                                kind=Kind.COMMAND, text="/help"))
    sender = FlakySender([RecipientBlocked("Forbidden: bot was blocked by the user")])
    delivery = ReplyDelivery("test", dispatcher, sender, backoff=Backoff(0.01, 0.02))
    await delivery.send("k2", "u2", handled.replies, 0, None)
    await delivery.close()
    row = _stored(engine, "k2")
    assert sender.sent == [] and row.settled_at is not None and "blocked" in (row.last_error or "")
    assert delivery.refused == 1


async def test_unsent_replies_of_a_dead_process_are_recovered_in_order(engine: Engine, dispatcher: Dispatcher) -> None:
    for number in range(3):
        await dispatcher.process(Incoming(channel="test", user_ref="u3", event_id=f"r{number}",
                                          kind=Kind.COMMAND, text="/help"))
    sender = FlakySender([])
    delivery = ReplyDelivery("test", dispatcher, sender)
    assert await delivery.recover() == 3
    await delivery.close()
    assert len(sender.sent) >= 3 and dispatcher.unsettled("test") == []


async def test_queues_and_locks_hold_no_memory_for_idle_users(dispatcher: Dispatcher) -> None:
    queues = SerialQueues()
    order: list[int] = []

    async def work(number: int) -> None:
        await asyncio.sleep(0.01 * (3 - number))
        order.append(number)

    for number in range(3):
        queues.submit("same user", functools.partial(work, number))
    await queues.drain()
    assert order == [0, 1, 2] and len(queues) == 0
    await asyncio.gather(*(dispatcher.process(Incoming(channel="test", user_ref=f"x{i}", event_id=f"l{i}",
                                                       kind=Kind.COMMAND, text="/help")) for i in range(50)))
    assert dispatcher.users_in_flight == 0


def test_the_offset_never_passes_an_update_in_flight() -> None:
    offsets = Offsets()
    assert offsets.offset() is None
    for update_id in (10, 11, 12):
        assert offsets.take(update_id)
    assert not offsets.take(11)  # a redelivery of an update already taken
    offsets.done(11)
    offsets.done(12)
    assert offsets.offset() == 10  # 10 has not committed: Telegram must keep all three
    offsets.done(10)
    assert offsets.offset() == 13
    assert offsets.take(11)  # pushed again long after: handled (the dispatcher knows it), offset kept
    assert offsets.offset() == 13


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token="123456:TEST-TOKEN") as server:
        yield server


async def test_long_text_is_split_at_the_limit_never_cut(telegram: FakeTelegramServer) -> None:
    bot = make_bot("123456:TEST-TOKEN", telegram.base_url)
    text = "\n".join(f"Dòng {i}: Trường Mầm non số {i} — đã nộp" for i in range(400))
    assert len(text) > 2 * TEXT_LIMIT
    try:
        await TelegramSender(bot).send("4242", [Reply(text)])
    finally:
        await bot.session.close()
    sent = [c.params["text"] for c in telegram.calls_of("sendMessage") if c.ok]
    assert len(sent) >= 3 and all(len(part) <= TEXT_LIMIT for part in sent)
    assert "\n".join(sent).replace("\n", "") == text.replace("\n", "")


async def test_a_long_reply_cut_by_a_failure_resumes_at_the_message_that_failed(
    telegram: FakeTelegramServer, engine: Engine, dispatcher: Dispatcher, clock: Clock
) -> None:
    """Telegram fails the second message of a reply longer than one: the retry sends from that message on,
    so the chat has every part once, in order."""
    text = "\n".join(f"Dòng {i}: Trường Mầm non số {i} — đã nộp" for i in range(400))
    reply = Reply(text)
    with UnitOfWork(engine) as uow:
        uow.events.record("telegram", "long-1", "4242", [reply.to_record()], clock())
    telegram.inject_error("sendMessage", 502, "Bad Gateway", after=1)
    bot = make_bot("123456:TEST-TOKEN", telegram.base_url)
    delivery = ReplyDelivery("telegram", dispatcher, TelegramTurns(bot, None, None), backoff=Backoff(0.01, 0.02))
    try:
        assert await delivery.send("long-1", "4242", [reply], 0, None)
        await delivery.close()
    finally:
        await bot.session.close()
    calls = telegram.calls_of("sendMessage")
    assert [c.params["text"] for c in calls if c.ok] == split_text(text, TEXT_LIMIT)
    assert len([c for c in calls if not c.ok]) == 1
    with UnitOfWork(engine) as uow:
        stored = uow.events.stored("telegram", "long-1")
    assert stored is not None and stored.settled and stored.sent == 1
