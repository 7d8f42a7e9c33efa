"""Several workers on one PostgreSQL database: one chat's events apply once and in order whichever
worker gets them, and two bots sharing the database keep their events apart."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from hsdt import texts as messages
from hsdt.events import Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.storage.models import ConversationState, ProcessedEvent
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import empty_postgres, seed
from tests.helpers import ChatDriver, Clock


@pytest.fixture
def pg(postgres_engine: Engine, postgres_owner: Engine) -> Iterator[Engine]:
    yield postgres_engine
    empty_postgres(postgres_owner)


LATE = messages.LATE_MESSAGE.split("“")[0]


class AppliedLog:
    """Channel hooks that note, inside each event's transaction, the events that were applied (the
    stale ones get only the notice that they came late); the list's order is the order of the commits
    (the chat lock is held until then)."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self._lock = threading.Lock()

    def before(self, uow: UnitOfWork, event: Incoming) -> Incoming | list[Reply]:
        return event

    def after(self, uow: UnitOfWork, event: Incoming, replies: list[Reply]) -> list[Reply]:
        if replies and not replies[0].text.startswith(LATE):
            with self._lock:
                self.applied.append(event.event_id)
        return replies


def worker(engine: Engine, clock: Clock, tmp_path: Path, hooks: AppliedLog, channel: str) -> Dispatcher:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    dispatcher.hooks[channel] = hooks
    return dispatcher


def text_event(channel: str, user: str, bot: int, update_id: int, text: str = "/menu") -> Incoming:
    return Incoming(channel=channel, user_ref=user, event_id=f"{bot}:{update_id}", kind=Kind.COMMAND, text=text,
                    stream=f"{channel}:{bot}", sequence=update_id)


def enrolled(dispatcher: Dispatcher, channel: str, users: list[str], codes: dict[str, str]) -> None:
    for user, code in zip(users, ["SO-01", "HT-HOASEN", "PGD-HB-01"], strict=False):
        ChatDriver(dispatcher, user, channel).enrol(codes[code])


async def test_two_workers_apply_one_chat_in_order_and_once(pg: Engine, clock: Clock, tmp_path: Path) -> None:
    codes = seed(pg, clock())
    log = AppliedLog()
    first, second = (worker(pg, clock, tmp_path, log, "tg") for _ in range(2))
    users = ["501", "502", "503"]
    enrolled(first, "tg", users, codes)
    log.applied.clear()
    # As Telegram delivers a webhook: a chat's next update only after the previous one's answer, each
    # to whichever worker the proxy picks, sometimes to both at once (a redelivery racing the first).
    update_ids = iter(range(1000, 2000))
    plan = {user: [next(update_ids) for _ in range(8)] for user in users}
    rng = random.Random(7)

    async def chat(user: str) -> None:
        for update_id in plan[user]:
            event = text_event("tg", user, 42, update_id)
            targets = [first, second] if rng.random() < 0.3 else [rng.choice([first, second])]
            results = await asyncio.gather(*(w.process(event) for w in targets))
            assert all(r.committed for r in results)
            assert sum(not r.duplicate for r in results) == 1

    await asyncio.gather(*(chat(user) for user in users))
    for user in users:
        mine = [e for e in log.applied if e in {f"42:{u}" for u in plan[user]}]
        assert mine == [f"42:{u}" for u in plan[user]], "every update applied once, in the chat's order"
    with UnitOfWork(pg) as uow:
        tg_events = select(col(ProcessedEvent.event_id)).where(col(ProcessedEvent.channel) == "tg")
        rows = uow.session.execute(tg_events).all()
        states = uow.session.execute(select(col(ConversationState.last_event_seq))).scalars().all()
    assert len(rows) == len(set(rows)) == 3 + 24  # the enrolments and every update, each once
    assert sorted(s for s in states if s is not None) == sorted(plan[u][-1] for u in users)


async def test_an_update_older_than_the_last_applied_is_recorded_not_applied(
        pg: Engine, clock: Clock, tmp_path: Path) -> None:
    codes = seed(pg, clock())
    log = AppliedLog()
    first, second = worker(pg, clock, tmp_path, log, "tg"), worker(pg, clock, tmp_path, log, "tg")
    enrolled(first, "tg", ["601"], codes)
    log.applied.clear()
    newer = await second.process(text_event("tg", "601", 42, 2001))
    late = await first.process(text_event("tg", "601", 42, 2000))  # reached its worker after 2001 applied
    again = await second.process(text_event("tg", "601", 42, 2000))  # and Telegram sends it once more
    assert newer.replies and late.committed and not late.duplicate
    # Never silence: the user is told it came late (and shown the screen now up, when there is one).
    assert late.replies[0].text == messages.LATE_MESSAGE.format(text="/menu")
    assert again.duplicate and again.replies == late.replies  # its notice, still unsent, as for any copy
    assert log.applied == ["42:2001"]
    # Another bot's update ids are their own sequence: a low one is not stale for this chat.
    other_bot = await first.process(text_event("tg", "601", 77, 5))
    assert other_bot.replies and log.applied == ["42:2001", "77:5"]


async def test_concurrent_events_of_one_chat_wait_for_each_other(pg: Engine, clock: Clock, tmp_path: Path) -> None:
    """The chat lock, not luck: four workers get the same chat's events at once; each transaction sees
    the one before it committed (the conversation's version counts every event exactly once)."""
    codes = seed(pg, clock())
    log = AppliedLog()
    workers = [worker(pg, clock, tmp_path, log, "tg") for _ in range(4)]
    enrolled(workers[0], "tg", ["701"], codes)
    ChatDriver(workers[0], "701", "tg").send("/menu")
    with UnitOfWork(pg) as uow:
        before = uow.session.execute(select(col(ConversationState.version))).scalar_one()
    events = [Incoming(channel="tg", user_ref="701", event_id=f"x{i}", kind=Kind.COMMAND, text="/menu")
              for i in range(20)]
    await asyncio.gather(*(workers[i % 4].process(e) for i, e in enumerate(events)))
    with UnitOfWork(pg) as uow:
        after = uow.session.execute(select(col(ConversationState.version))).scalar_one()
    assert after - before == 20


async def test_two_bots_on_one_database_do_not_collide(pg: Engine, clock: Clock, tmp_path: Path) -> None:
    """Telegram numbers updates per bot: bot 42's update 1000 and bot 77's update 1000 are two events."""
    codes = seed(pg, clock())
    log = AppliedLog()
    dispatcher = worker(pg, clock, tmp_path, log, "tg")
    enrolled(dispatcher, "tg", ["801", "802"], codes)
    log.applied.clear()
    results = [await dispatcher.process(text_event("tg", user, bot, update_id))
               for update_id in (1000, 1001) for bot, user in ((42, "801"), (77, "802"))]
    assert all(r.replies and not r.duplicate for r in results)
    assert log.applied == ["42:1000", "77:1000", "42:1001", "77:1001"]
    assert dispatcher.unsettled("tg", scope="42") and {p.event_id for p in dispatcher.unsettled("tg", scope="42")} == {
        "42:1000", "42:1001"}


def test_legacy_bare_ids_move_into_the_bot_namespace(pg: Engine, clock: Clock, tmp_path: Path) -> None:
    with UnitOfWork(pg) as uow:
        for event_id in ("1000", "h:abcdef", "web:nonce:0", "42:1001"):
            uow.events.record("tg", event_id, "801", [], clock())
    dispatcher = worker(pg, clock, tmp_path, AppliedLog(), "tg")
    assert dispatcher.adopt_legacy_events("tg", "42") == 2
    with UnitOfWork(pg) as uow:
        ids = set(uow.session.execute(select(col(ProcessedEvent.event_id))).scalars())
    assert ids == {"42:1000", "42:h:abcdef", "web:nonce:0", "42:1001"}
