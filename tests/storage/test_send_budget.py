"""A bot's rate limit shared by every worker: slots booked in PostgreSQL never overlap, whichever worker
books them, and together the workers' messages stay under what the platform allows."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
import uuid
from collections.abc import Iterator

from aiogram.methods import SendMessage
from sqlalchemy import text
from sqlalchemy.engine import Engine

from hsdt.channels.ratelimit import RateLimiter, SharedRateLimiter
from hsdt.channels.telegram.client import SendBudgetMiddleware, make_bot
from hsdt.storage.send_budget import SharedSendBudget
from tests.fakes.telegram_server import FakeTelegramServer

TOKEN = "424242:SHARED-BUDGET"


@contextlib.contextmanager
def booked_slots(engine: Engine, key: str, interval: float) -> Iterator[list[float]]:
    """Every slot booked for `key`, on the database's clock, as the statement wrote it: a trigger logs
    each new `next_at` (the slot booked is `next_at - interval`). Read from the database, not from when
    a thread got its answer, so the check does not depend on how busy the machine is."""
    log = f"budget_log_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {log} (key text, next_at float8)"))
        conn.execute(text(f"CREATE FUNCTION {log}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          f"INSERT INTO {log} VALUES (NEW.key, NEW.next_at); RETURN NEW; END $$"))
        conn.execute(text(f"CREATE TRIGGER {log} AFTER INSERT OR UPDATE ON send_budget "
                          f"FOR EACH ROW EXECUTE FUNCTION {log}()"))
    slots: list[float] = []
    try:
        yield slots
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT next_at FROM {log} WHERE key = :key"), {"key": key}).scalars()
            slots.extend(sorted(float(next_at) - interval for next_at in rows))
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TRIGGER {log} ON send_budget"))
            conn.execute(text(f"DROP FUNCTION {log}()"))
            conn.execute(text(f"DROP TABLE {log}"))


def test_slots_booked_by_several_workers_at_once_never_overlap(postgres_engine: Engine) -> None:
    key = f"test:{uuid.uuid4().hex}"
    workers = [SharedSendBudget(postgres_engine, key, rate_per_s=30) for _ in range(2)]
    told: list[float] = []
    lock = threading.Lock()

    def book(budget: SharedSendBudget) -> None:
        for _ in range(15):
            wait = budget.reserve()
            with lock:
                told.append(time.monotonic() + wait)

    with booked_slots(postgres_engine, key, 1 / 30) as slots:
        threads = [threading.Thread(target=book, args=(workers[i % 2],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # 60 slots at 30/s: none closer than the interval (float8 epoch seconds round at about a microsecond),
    # 59 intervals from the first to the last.
    assert len(slots) == len(told) == 60
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) > 1 / 30 - 1e-5, min(gaps)
    assert slots[-1] - slots[0] > 59 / 30 - 1e-4
    # And each caller was told to wait for its slot: the times they were told span the same 2 s (less
    # what a loaded machine adds between a statement's answer and the thread reading its clock).
    told.sort()
    assert told[-1] - told[0] > 59 / 30 - 0.05


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
    assert isinstance(alone, RateLimiter) and alone.interval == 1 / 30
    assert isinstance(fleet, SharedRateLimiter)
