"""Outbox delivery against the fake Telegram Bot API server: rate limits, 429s, blocked users, restarts."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from hsdt.channels.contract import ChannelSender
from hsdt.channels.outbox import ChannelLimits, OutboxDelivery
from hsdt.channels.telegram.client import make_bot
from hsdt.channels.telegram.render import TelegramSender
from hsdt.events import Reply
from hsdt.reminders.engine import fire, load_calendar
from hsdt.reminders.service import quiet_hours_hold
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.models import OutboxMessage
from hsdt.storage.reminder_models import BlockedIdentity
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.telegram_server import FakeTelegramServer
from tests.helpers import Clock
from tests.present import present
from tests.reminders.conftest import TZ

TOKEN = "123456:TEST-TOKEN"
FIRST_CHAT = 7000


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram(server: FakeTelegramServer) -> AsyncIterator[TelegramSender]:
    bot = make_bot(TOKEN, server.base_url)
    yield TelegramSender(bot)
    await bot.session.close()


def principals_on_telegram(engine: Engine, count: int, now: datetime) -> list[int]:
    """`count` schools with an enrolled principal each; returns their Telegram chat ids."""
    units = [UnitRow(f"MN-T{i:03}", f"Trường Mầm non Thử {i:03}", "school", "PGD-TN") for i in range(count)]
    users = [UserRow(f"HT-T{i:03}", f"Hiệu trưởng {i:03}", "principal", f"MN-T{i:03}") for i in range(count)]
    with UnitOfWork(engine) as uow:
        apply_roster(uow, units, users, invite_ttl=timedelta(days=1), now=now)
        for i in range(count):
            user = uow.users.by_code(f"HT-T{i:03}")
            uow.identities.bind("telegram", str(FIRST_CHAT + i), present(present(user).id), None)
    return [FIRST_CHAT + i for i in range(count)]


def queue_first_reminder(engine: Engine, clock: Clock) -> int:
    clock.now = local(2024, 12, 22, 8, 0)
    with UnitOfWork(engine) as uow:
        reminder = present(load_calendar(uow, TZ)).reminders()[0]
    return fire(engine, reminder.id, clock(), TZ, RubricCache()).enqueued


def pending(engine: Engine) -> list[OutboxMessage]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).all())


def received(server: FakeTelegramServer, chats: list[int]) -> Counter[int]:
    return Counter({chat: len(server.messages(chat)) for chat in chats})


async def test_fan_out_honours_429_and_loses_nothing(engine: Engine, clock: Clock, codes: dict[str, str],
                                                     server: FakeTelegramServer, telegram: TelegramSender) -> None:
    chats = principals_on_telegram(engine, 12, clock())
    assert queue_first_reminder(engine, clock) == 12
    # The server allows 4 msg/s while we believe in 40: it answers 429 and we must wait retry_after.
    server.set_rate_limit(global_per_s=4, per_chat_per_s=1, retry_after=1)
    delivery = OutboxDelivery(engine, {"telegram": telegram}, default_limits=ChannelLimits(40, 1), clock=clock,
                              concurrency=4)
    stats = await delivery.drain()
    assert server.rejected_429 > 0 and stats.retried == server.rejected_429
    assert received(server, chats) == Counter({chat: 1 for chat in chats})
    assert stats.sent == 12 and not pending(engine)
    message = server.messages(chats[0])[0]
    assert "chưa gửi kết quả tự đánh giá" in (message.text or "") and ("📝 Tiếp tục tự đánh giá", "sa:open") in \
        message.buttons[0]


async def test_rate_limiter_keeps_under_the_limit(engine: Engine, clock: Clock, codes: dict[str, str],
                                                  server: FakeTelegramServer, telegram: TelegramSender) -> None:
    chats = principals_on_telegram(engine, 10, clock())
    queue_first_reminder(engine, clock)
    server.set_rate_limit(global_per_s=20, per_chat_per_s=1, retry_after=1)
    delivery = OutboxDelivery(engine, {"telegram": telegram}, default_limits=ChannelLimits(20, 1), clock=clock)
    stats = await delivery.drain()
    assert server.rejected_429 == 0 and stats.sent == 10
    assert received(server, chats) == Counter({chat: 1 for chat in chats})


async def test_blocked_users_are_marked_and_skipped(engine: Engine, clock: Clock, codes: dict[str, str],
                                                    server: FakeTelegramServer, telegram: TelegramSender) -> None:
    chats = principals_on_telegram(engine, 3, clock())
    server.block_user(chats[1])
    queue_first_reminder(engine, clock)
    delivery = OutboxDelivery(engine, {"telegram": telegram}, clock=clock)
    stats = await delivery.drain()
    assert (stats.sent, stats.blocked, stats.failed) == (2, 1, 1)
    with UnitOfWork(engine) as uow:
        assert len(uow.session.exec(select(BlockedIdentity)).all()) == 1
    # The next reminder does not even queue a message for the blocked user.
    clock.now = local(2024, 12, 26, 8, 0)
    with UnitOfWork(engine) as uow:
        second = present(load_calendar(uow, TZ)).reminders()[1]
    result = fire(engine, second.id, clock(), TZ, RubricCache())
    assert (result.enqueued, result.unreachable) == (2, 2)  # the blocked one and HT-HOASEN (never enrolled)
    calls_before = len(server.calls_of("sendMessage"))
    await OutboxDelivery(engine, {"telegram": telegram}, clock=clock).drain()
    assert len(server.calls_of("sendMessage")) == calls_before + 2


class CrashingSender:
    """Sends through `inner`, then the "process dies" at a chosen point (the test cancels the delivery)."""

    channel = "telegram"

    def __init__(self, inner: ChannelSender, crash_before: int | None = None, crash_after: int | None = None):
        self.inner = inner
        self.crash_before, self.crash_after = crash_before, crash_after
        self.sent = 0
        self.crashed = asyncio.Event()

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        if self.sent == self.crash_before:
            await self._die()
        await self.inner.send(external_id, replies)
        self.sent += 1
        if self.sent == self.crash_after:
            await self._die()

    async def _die(self) -> None:
        self.crashed.set()
        await asyncio.Event().wait()  # never returns: the task is cancelled here


async def crash_then_restart(engine: Engine, clock: Clock, telegram: TelegramSender, sender: CrashingSender) -> None:
    first = OutboxDelivery(engine, {"telegram": sender}, clock=clock, concurrency=1)
    task = asyncio.create_task(first.drain())
    await asyncio.wait_for(sender.crashed.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await OutboxDelivery(engine, {"telegram": telegram}, clock=clock, concurrency=4).drain()


async def test_restart_in_the_middle_of_a_fan_out_sends_nothing_twice(
    engine: Engine, clock: Clock, codes: dict[str, str], server: FakeTelegramServer, telegram: TelegramSender
) -> None:
    chats = principals_on_telegram(engine, 8, clock())
    queue_first_reminder(engine, clock)
    sender = CrashingSender(telegram, crash_before=3)
    await crash_then_restart(engine, clock, telegram, sender)
    assert sender.sent == 3
    assert received(server, chats) == Counter({chat: 1 for chat in chats})
    assert not pending(engine)


async def test_a_crash_between_send_and_mark_repeats_exactly_one_message(
    engine: Engine, clock: Clock, codes: dict[str, str], server: FakeTelegramServer, telegram: TelegramSender
) -> None:
    # The documented at-least-once window: with one send in flight, a hard kill repeats at most one.
    chats = principals_on_telegram(engine, 6, clock())
    queue_first_reminder(engine, clock)
    await crash_then_restart(engine, clock, telegram, CrashingSender(telegram, crash_after=2))
    counts = received(server, chats)
    assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2]
    assert not pending(engine)


async def test_quiet_hours_hold_in_the_delivery(engine: Engine, clock: Clock, codes: dict[str, str],
                                                server: FakeTelegramServer, telegram: TelegramSender) -> None:
    chats = principals_on_telegram(engine, 2, clock())
    queue_first_reminder(engine, clock)  # queued at 08:00 for 08:00
    with UnitOfWork(engine) as uow:
        cal = load_calendar(uow, TZ)
    # The bot was down all day and comes back at 22:00: nothing goes out until 07:00.
    clock.now = local(2024, 12, 22, 22, 0)
    night = OutboxDelivery(engine, {"telegram": telegram}, clock=clock, hold=quiet_hours_hold(cal))
    assert (await night.drain()).sent == 0
    assert received(server, chats) == Counter()
    assert {r.not_before for r in pending(engine)} == {local(2024, 12, 23, 7, 0)}
    clock.now = local(2024, 12, 23, 6, 59)
    assert (await OutboxDelivery(engine, {"telegram": telegram}, clock=clock, hold=quiet_hours_hold(cal))
            .drain()).sent == 0
    clock.now = local(2024, 12, 23, 7, 0)
    assert (await OutboxDelivery(engine, {"telegram": telegram}, clock=clock, hold=quiet_hours_hold(cal))
            .drain()).sent == 2
    assert received(server, chats) == Counter({chat: 1 for chat in chats})
