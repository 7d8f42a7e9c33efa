"""Reply delivery among several workers, in one process: a live worker's sweep takes over the unsent
turns of a dead worker (once), never a live one's; and a chat's turn waits for the earlier turn another
live worker is still sending, so the phone shows them in the order they applied."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine

from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt
from hsdt.storage.leases import LEASES, OWNER, Lease
from tests.handlers.test_self_assessment import principal


@contextmanager
def committed_by(worker: str) -> Iterator[None]:
    token = OWNER.set(worker)
    try:
        yield
    finally:
        OWNER.reset(token)


class Recorder:
    """Takes every reply; `check` runs before each turn is taken."""

    def __init__(self, check: Callable[[], None] = lambda: None) -> None:
        self.sent: list[str] = []
        self.check = check

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        self.check()
        self.sent.extend(reply.text for reply in replies)
        progress(len(replies))


async def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


async def test_a_sweep_takes_over_a_dead_workers_turns_once_and_leaves_a_live_ones(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    for name in ("dead", "live", "me"):
        Lease(engine, name, ttl_s=60).renew()
    with engine.begin() as conn:
        conn.execute(update(LEASES).where(LEASES.c.worker_id == "dead")
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    chat = principal(dispatcher, codes)
    with committed_by("dead"):
        chat.send("/tudanhgia")
    orphan = chat.last_event
    with committed_by("live"):
        chat.send("/menu")
    kept = chat.last_event
    assert orphan is not None and kept is not None
    sender = Recorder()
    delivery: ReplyDelivery[None] = ReplyDelivery("test", dispatcher, sender, owner="me", alone=False)
    delivery.sweep_s = delivery.order_wait_s = 0.05
    stop = asyncio.Event()
    watching = asyncio.create_task(delivery.watch(stop))
    try:
        await _until(lambda: any("Tiêu chí 1/12" in text for text in sender.sent), "the dead worker's turn sent")
        await asyncio.sleep(0.2)  # a few more sweeps: nothing more is taken
    finally:
        stop.set()
        await watching
        await delivery.close()
    assert sum("Tiêu chí 1/12" in text for text in sender.sent) == 1
    stored = dispatcher.stored("test", orphan.event_id)
    assert stored is not None and stored.settled
    live = dispatcher.stored("test", kept.event_id)
    assert live is not None and not live.settled, "a live worker's turn is its own to send"


async def test_a_turn_waits_for_the_chats_earlier_turn_another_live_worker_sends(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    for name in ("other", "me"):
        Lease(engine, name, ttl_s=60).renew()
    chat = principal(dispatcher, codes)
    with committed_by("other"):
        chat.send("/tudanhgia")  # the other worker applied it and is slow to send it
    earlier = chat.last_event
    with committed_by("me"):
        chat.send("1,2,3")
    replies = list(chat.replies)
    later = chat.last_event
    assert earlier is not None and later is not None

    def earlier_out() -> None:
        stored = dispatcher.stored("test", earlier.event_id)
        assert stored is not None and stored.settled, "sent before the chat's earlier turn"

    sender = Recorder(earlier_out)
    delivery: ReplyDelivery[None] = ReplyDelivery("test", dispatcher, sender, owner="me", alone=False)
    delivery.order_wait_s = 30.0
    sending = asyncio.create_task(delivery.send(later.event_id, chat.user_ref, replies, 0, None))
    await asyncio.sleep(0.2)
    assert sender.sent == [] and not sending.done()
    # The other worker sent it.
    dispatcher.confirm([Receipt("test", earlier.event_id, 10, settled=True, user_ref=chat.user_ref)])
    await asyncio.wait_for(sending, timeout=30)
    await delivery.close()
    assert sender.sent == [reply.text for reply in replies]
