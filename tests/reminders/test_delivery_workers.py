"""Two deliverers on one PostgreSQL outbox (two workers, or a leader handing over while its sends
finish): SKIP LOCKED claims mean no message goes out twice, and a dead deliverer's claim is freed."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from hsdt.channels.outbox import ChannelLimits, OutboxDelivery
from hsdt.channels.telegram.render import TelegramSender
from tests.conftest import empty_postgres
from tests.fakes.telegram_server import FakeTelegramServer
from tests.helpers import Clock
from tests.reminders.test_delivery import (  # noqa: F401
    CrashingSender,
    pending,
    principals_on_telegram,
    queue_first_reminder,
    received,
    server,
    telegram,
)


@pytest.fixture
def engine(postgres_engine: Engine, postgres_owner: Engine) -> Iterator[Engine]:
    """PostgreSQL only: SQLite has one process and no row locks to skip."""
    yield postgres_engine
    empty_postgres(postgres_owner)


async def test_two_concurrent_deliverers_send_each_message_once(
    engine: Engine, clock: Clock, codes: dict[str, str], server: FakeTelegramServer,  # noqa: F811
    telegram: TelegramSender,  # noqa: F811
) -> None:
    chats = principals_on_telegram(engine, 30, clock())
    assert queue_first_reminder(engine, clock) == 30
    first, second = (OutboxDelivery(engine, {"telegram": telegram}, default_limits=ChannelLimits(200, 50),
                                    clock=clock, concurrency=4) for _ in range(2))
    one, two = await asyncio.gather(first.drain(), second.drain())
    assert received(server, chats) == Counter({chat: 1 for chat in chats})
    assert one.sent + two.sent == 30 and one.sent and two.sent, "both took part, neither sent a row twice"
    assert one.skipped + two.skipped > 0, "each loaded rows the other had claimed"
    assert not pending(engine)


async def test_a_deliverer_that_dies_mid_send_frees_its_row_for_the_other(
    engine: Engine, clock: Clock, codes: dict[str, str], server: FakeTelegramServer,  # noqa: F811
    telegram: TelegramSender,  # noqa: F811
) -> None:
    chats = principals_on_telegram(engine, 4, clock())
    queue_first_reminder(engine, clock)
    stuck = CrashingSender(telegram, crash_before=1)  # sends one, then hangs in its second send
    dying = OutboxDelivery(engine, {"telegram": stuck}, clock=clock, concurrency=1)
    task = asyncio.create_task(dying.drain())
    await asyncio.wait_for(stuck.crashed.wait(), timeout=30)
    # While it hangs, its row stays claimed: the other deliverer sends everything else, not that one.
    other = await OutboxDelivery(engine, {"telegram": telegram}, clock=clock, concurrency=2).drain()
    assert other.sent == 2 and len(pending(engine)) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await OutboxDelivery(engine, {"telegram": telegram}, clock=clock).drain()
    assert received(server, chats) == Counter({chat: 1 for chat in chats})
    assert not pending(engine)


async def test_a_row_is_claimed_only_once_its_send_slot_is_there(
    engine: Engine, clock: Clock, codes: dict[str, str], server: FakeTelegramServer,  # noqa: F811
    telegram: TelegramSender,  # noqa: F811
) -> None:
    """A claim holds a database connection until its row is marked: the deliverer waits for the send slots
    first, so while the channel's budget holds the messages back no connection waits with them (with
    many Sở in one process, their outboxes would otherwise hold the pool)."""
    chats = principals_on_telegram(engine, 12, clock())
    queue_first_reminder(engine, clock)
    peak = 0

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, engine.pool.checkedout())  # type: ignore[attr-defined]
            await asyncio.sleep(0.002)

    watching = asyncio.create_task(watch())
    try:
        stats = await OutboxDelivery(engine, {"telegram": telegram}, default_limits=ChannelLimits(8, 50),
                                     clock=clock, concurrency=8).drain()
    finally:
        watching.cancel()
    assert stats.sent == 12 and received(server, chats) == Counter({chat: 1 for chat in chats})
    # A send being marked while the next slot's row is claimed, and the next page loaded: a few at most,
    # not one per deliverer task (nine before: the eight tasks each claimed a row, then waited).
    assert peak <= 4, f"{peak} connections held while the sends waited for their slots"
