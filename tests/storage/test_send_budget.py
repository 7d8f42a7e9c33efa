"""A bot's rate limit shared by every worker: slots booked in PostgreSQL never overlap, whichever worker
books them, and together the workers' messages stay under what the platform allows in every second."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid

import pytest
from aiogram.methods import SendMessage
from sqlalchemy.engine import Engine

from hsdt.channels.ratelimit import RateLimiter, SharedRateLimiter
from hsdt.channels.telegram.client import SendBudgetMiddleware, make_bot
from hsdt.storage.db import make_engine
from hsdt.storage.send_budget import SharedSendBudget
from tests.fakes.telegram_server import FakeTelegramServer

TOKEN = "424242:SHARED-BUDGET"


def test_slots_booked_by_several_workers_at_once_never_overlap(postgres_engine: Engine) -> None:
    key = f"test:{uuid.uuid4().hex}"
    workers = [SharedSendBudget(postgres_engine, key, rate_per_s=30) for _ in range(2)]
    slots: list[float] = []
    lock = threading.Lock()

    def book(budget: SharedSendBudget) -> None:
        for _ in range(15):
            slot, _ = budget.book()
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=book, args=(workers[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots.sort()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    # 60 slots on the database's clock, one interval apart (30 slots to 1.1 s), none closer.
    interval = workers[0].interval
    assert len(slots) == 60 and interval == pytest.approx(1.1 / 30)
    assert min(gaps) == pytest.approx(interval, abs=1e-4), min(gaps)  # epoch seconds: 0.2 µs steps
    assert slots[-1] - slots[0] == pytest.approx(59 * interval, abs=1e-4)


async def test_two_workers_sending_for_one_bot_are_never_refused_for_flooding(postgres_engine: Engine) -> None:
    """The fake platform refuses (429) past 30 messages a second per bot, as Telegram does. Two
    workers, each sending as fast as it is let, with one budget between them: no refusal."""
    key = f"telegram:{uuid.uuid4().hex}"
    async with FakeTelegramServer(TOKEN) as server:
        server.set_rate_limit(30, None)
        bots = [make_bot(TOKEN, server.base_url) for _ in range(2)]
        for bot in bots:
            shared = SharedSendBudget(postgres_engine, key, rate_per_s=30)
            bot.session.middleware(SendBudgetMiddleware(SharedRateLimiter(shared.reserve, RateLimiter(15))))
        try:
            for chat in range(9001, 9011):
                server.push_text(chat, "xin chào")  # the chats exist
            started = time.monotonic()
            await asyncio.gather(*(bots[i % 2](SendMessage(chat_id=9001 + i % 10, text=f"Thông báo {i}"))
                                   for i in range(90)))
            elapsed = time.monotonic() - started
        finally:
            for bot in bots:
                await bot.session.close()
    assert server.rejected_429 == 0
    assert sum(len(server.messages(chat)) for chat in range(9001, 9011)) == 90
    assert elapsed > 2.0  # 90 messages at 30 a second, the first second's burst aside


def test_the_budget_is_booked_in_the_database_only_when_several_workers_send(postgres_engine: Engine) -> None:
    from hsdt.app.bootstrap import send_budget
    from hsdt.config import Settings

    alone = send_budget(Settings(_env_file=None, workers=1), postgres_engine, "telegram:1")
    fleet = send_budget(Settings(_env_file=None, workers=3, send_rate_per_s=30), postgres_engine, "telegram:1")
    # 30 a second although a message may leave up to 0.1 s after its slot
    assert isinstance(alone, RateLimiter) and alone.interval == pytest.approx(1.1 / 30)
    assert isinstance(fleet, SharedRateLimiter)


def _busiest_second(times: list[float]) -> tuple[int, float]:
    """(how many, from when) in the one-second window [t, t + 1) holding the most of `times`."""
    times = sorted(times)
    best, at, end = 0, 0.0, 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] < moment + 1.0:
            end += 1
        if end - start > best:
            best, at = end - start, moment
    return best, at


def test_a_burst_through_three_workers_never_exceeds_the_rate_in_any_second(postgres_engine: Engine) -> None:
    """Three workers, each its own process's share (its own engine, event loop and thread), each with
    four senders sending as fast as the budget lets them for ten seconds: in no sliding one-second
    window do more messages go out than the budget allows."""
    rate, workers, senders, duration = 30, 3, 4, 10.0
    key = f"telegram:{uuid.uuid4().hex}"
    url = postgres_engine.url.render_as_string(hide_password=False)
    sent: list[float] = []
    per_worker = [0] * workers
    lock = threading.Lock()
    ready = threading.Barrier(workers)

    def worker(index: int) -> None:
        engine = make_engine(url)
        budget = SharedRateLimiter(SharedSendBudget(engine, key, rate_per_s=rate).reserve,
                                   RateLimiter(rate / workers))

        async def send_until(until: float) -> None:
            while time.monotonic() < until:
                await budget.acquire()
                with lock:  # the moment the message would leave
                    sent.append(time.monotonic())
                    per_worker[index] += 1

        async def burst() -> None:
            until = time.monotonic() + duration
            await asyncio.gather(*(send_until(until) for _ in range(senders)))

        try:
            ready.wait()
            asyncio.run(burst())
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(per_worker), per_worker
    busiest, at = _busiest_second(sent)
    assert busiest <= rate, f"{busiest} messages in the second from {at - min(sent):.3f} s (of {len(sent)})"
