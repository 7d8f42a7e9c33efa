"""A Zalo turn is sent message by message: when the platform fails one, the retry resumes at that message,
so the user never gets a message twice and the plan's count is exact; the ledger records each message as
it goes, so a turn interrupted half way is on record half way."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from hsdt.channels.backoff import Backoff
from hsdt.channels.contract import bot_scope
from hsdt.channels.text_split import Packed, pack, pack_marked
from hsdt.channels.zalo_bot.client import TEXT_LIMIT, ZaloBotClient
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock

TOKEN = "779:progress-test-token"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _lines(tag: str, count: int) -> str:
    return "\n".join(f"{tag} dòng {number}: Hồ sơ quản lý trẻ em đã được ký số đầy đủ." for number in range(count))


# Three replies, the middle one longer than a Zalo message: four messages (the long one takes two).
TURN = [Reply(_lines("A", 28)), Reply(_lines("B", 60)), Reply(_lines("C", 28))]


def _expected() -> list[str]:
    texts = pack([reply.text for reply in TURN], TEXT_LIMIT)
    assert len(texts) == 4 and all(len(text) <= TEXT_LIMIT for text in texts)
    return texts


def _count(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.usage.count("zalo", "2024-12")


def _row(engine: Engine, event_id: str) -> tuple[int, bool]:
    with UnitOfWork(engine) as uow:
        stored = uow.events.stored("zalo", event_id)
        assert stored is not None
        return stored.sent, stored.settled


def _commit_turn(engine: Engine, clock: Clock, event_id: str) -> None:
    """The turn as the dispatcher commits it: the replies stored with the event's marker."""
    with UnitOfWork(engine) as uow:
        uow.events.record("zalo", event_id, "u1", [reply.to_record() for reply in TURN], clock())


def _channel(engine: Engine, tmp_path: Path, server: FakeZaloServer, clock: Clock,
             quota_wait_s: float = 60.0) -> ZaloChannel:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), clock=clock, router=build_router())
    channel = ZaloChannel(ZaloBotClient(TOKEN, server.base_url), dispatcher, None, TZ, quota_wait_s)
    channel.delivery.backoff = Backoff(0.01, 0.02)
    return channel


async def _close(channel: ZaloChannel) -> None:
    await channel.close()
    await channel.client.close()
    channel.dispatcher.close()


@pytest.mark.parametrize("failing", [2, 3, 4])
async def test_a_failed_message_is_retried_alone(engine: Engine, tmp_path: Path, clock: Clock, failing: int) -> None:
    """Message 2 starts the long reply, message 3 ends it, message 4 is the last reply."""
    _commit_turn(engine, clock, "t1")
    async with FakeZaloServer(TOKEN) as server:
        server.inject_error("sendMessage", 502, "Bad Gateway", after=failing - 1)
        channel = _channel(engine, tmp_path, server, clock)
        try:
            await channel.delivery.send("t1", "u1", TURN, 0, None)
            await channel.delivery.confirmations.flush()
        finally:
            await _close(channel)
    assert [message.text for message in server.messages("u1")] == _expected()
    assert len(server.calls_of("sendMessage")) == 5 and len(server.refused) == 1
    assert _count(engine) == 4, "each message Zalo took is counted once"
    assert _row(engine, "t1") == (3, True)


async def test_the_ledger_holds_each_message_while_the_rest_waits(engine: Engine, tmp_path: Path,
                                                                  clock: Clock) -> None:
    """The plan's quota refuses message 2 for now: message 1 is on record (sent and counted) while the
    turn waits, and the turn goes on from message 2 once the platform takes it."""
    _commit_turn(engine, clock, "t2")
    async with FakeZaloServer(TOKEN) as server:
        server.inject_error("sendMessage", 429, "Quota exceeded", after=1)
        channel = _channel(engine, tmp_path, server, clock, quota_wait_s=1.0)
        try:
            sending = asyncio.create_task(channel.delivery.send("t2", "u1", TURN, 0, None))
            await server.wait_until(lambda: len(server.refused) == 1, what="message 2 refused")
            await asyncio.sleep(0.3)  # the confirmation batch of message 1 commits meanwhile
            assert _row(engine, "t2") == (1, False) and _count(engine) == 1
            await sending
            await channel.delivery.confirmations.flush()
        finally:
            await _close(channel)
    assert [message.text for message in server.messages("u1")] == _expected()
    assert _count(engine) == 4 and _row(engine, "t2") == (3, True)


async def test_a_restart_resumes_at_the_first_reply_not_on_record(engine: Engine, tmp_path: Path,
                                                                   clock: Clock) -> None:
    """The process died after message 1 was on record: the next start sends the rest, not message 1."""
    event_id = f"{bot_scope(TOKEN)}:t3"  # the bot's own namespace: what its recovery sends
    _commit_turn(engine, clock, event_id)
    with UnitOfWork(engine) as uow:
        uow.events.confirm("zalo", event_id, 1, None, None)
    async with FakeZaloServer(TOKEN) as server:
        channel = _channel(engine, tmp_path, server, clock)
        try:
            assert await channel.delivery.recover() == 1
            await channel.delivery.queues.drain()
            await channel.delivery.confirmations.flush()
        finally:
            await _close(channel)
    assert [message.text for message in server.messages("u1")] == _expected()[1:]
    assert _count(engine) == 3 and _row(engine, event_id) == (3, True)


def test_a_resumed_pack_sends_exactly_what_was_left() -> None:
    """Resuming after any message of a packed turn sends the rest of the text, nothing again, nothing lost."""
    parts = [reply.text for reply in TURN] + ["", _lines("D", 3)]
    full = pack_marked(parts, TEXT_LIMIT)
    assert [message.text for message in full] == pack(parts, TEXT_LIMIT)
    assert (full[-1].done, full[-1].into) == (len(parts), 0)
    for number, message in enumerate(full):
        rest = pack_marked(parts[message.done:], TEXT_LIMIT, skip=message.into)
        assert _words(rest) == _words(full[number + 1:])


def _words(messages: list[Packed]) -> list[str]:
    return " ".join(message.text for message in messages).split()
