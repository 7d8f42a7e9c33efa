"""A worker whose lease may lapse (its renewals fail: the database out of its reach) sends nothing more of
its turns until it is renewed, and then only the turns still its own: another worker may have taken them
over meanwhile, and the user would get their messages twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from hsdt.channels.backoff import Backoff
from hsdt.channels.contract import RetryLater
from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.storage.leases import LEASES, OWNER, Lease
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import empty_postgres

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TURN = [Reply("Tin 1"), Reply("Tin 2"), Reply("Tin 3")]


@pytest.fixture
def pg(postgres_engine: Engine, postgres_owner: Engine) -> Iterator[Engine]:
    yield postgres_engine
    empty_postgres(postgres_owner)


class Platform:
    """What the users got, and a platform that refuses every message while `refusing` is set."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []  # (worker, text)
        self.refusing = asyncio.Event()
        self.refused = 0


class Worker:
    """One worker's channel: each message of a turn one at a time, reported as the platform takes it."""

    def __init__(self, name: str, platform: Platform) -> None:
        self.name = name
        self.platform = platform

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        for index, reply in enumerate(replies):
            if self.platform.refusing.is_set():
                self.platform.refused += 1
                raise RetryLater(0.05, "503 from the platform")
            self.platform.got.append((self.name, reply.text))
            progress(index + 1)
            if len(self.platform.got) == 1:
                self.platform.refusing.set()  # the platform fails from the second message on, for a while


def _commit(engine: Engine, lease: Lease, event_id: str) -> None:
    """The turn as `lease`'s worker commits it: its replies unsent, the worker named as their sender."""
    token = OWNER.set(lease.worker_id)
    try:
        with UnitOfWork(engine) as uow:
            uow.events.record("zalo", event_id, "u1", [reply.to_record() for reply in TURN], NOW)
    finally:
        OWNER.reset(token)


def _delivery(engine: Engine, tmp_path: Path, lease: Lease, platform: Platform) -> ReplyDelivery[None]:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / lease.worker_id), clock=lambda: NOW,
                            router=build_router())
    delivery: ReplyDelivery[None] = ReplyDelivery("zalo", dispatcher, Worker(lease.worker_id, platform),
                                                  backoff=Backoff(0.05, 0.05), owner=lease.worker_id, alone=False)
    delivery.holds_lease = lease.fresh
    delivery.lease_wait_s = 0.05
    return delivery


async def test_a_turn_taken_over_while_its_workers_lease_lapsed_is_not_sent_by_it_again(
        pg: Engine, tmp_path: Path) -> None:
    platform = Platform()
    a, b = Lease(pg, "worker-a", ttl_s=1.2), Lease(pg, "worker-b", ttl_s=60)
    a.renew()
    b.renew()
    _commit(pg, a, "bot:e1")
    first, second = _delivery(pg, tmp_path, a, platform), _delivery(pg, tmp_path, b, platform)
    try:
        # Worker A sends message 1; the platform then fails message 2 again and again, and A's renewals fail
        # (it renews nothing here): within a second its lease may lapse, and A stops trying.
        sending = asyncio.create_task(first.send("bot:e1", "u1", TURN, 0, None))
        await asyncio.sleep(1.0)
        assert not a.fresh() and not sending.done()
        tried = platform.refused
        await asyncio.sleep(0.3)
        assert platform.refused == tried, "a worker whose lease may lapse sends nothing"
        await first.confirmations.flush()
        # A's lease expires on the database's clock; B's sweep takes the turn and sends the rest.
        with pg.begin() as conn:
            conn.execute(update(LEASES).where(LEASES.c.worker_id == a.worker_id)
                         .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        platform.refusing.clear()
        assert await second.recover() == 1
        await second.queues.drain()
        await second.confirmations.flush()
        # A is renewed (the database back in reach): the turn is no longer its own, and it sends nothing.
        await asyncio.to_thread(a.renew)
        assert await asyncio.wait_for(sending, 5) is False
        await first.confirmations.flush()
    finally:
        for delivery in (first, second):
            await delivery.close()
            delivery.dispatcher.close()
    assert platform.got == [("worker-a", "Tin 1"), ("worker-b", "Tin 2"), ("worker-b", "Tin 3")]
    with UnitOfWork(pg) as uow:
        stored = uow.events.stored("zalo", "bot:e1")
        assert stored is not None and (stored.sent, stored.settled) == (3, True)
        assert uow.events.owner_of("zalo", "bot:e1") == "worker-b"


async def test_a_worker_whose_lease_is_renewed_in_time_goes_on_with_its_turn(pg: Engine, tmp_path: Path) -> None:
    platform = Platform()
    a = Lease(pg, "worker-a", ttl_s=1.2)
    a.renew()
    _commit(pg, a, "bot:e2")
    first = _delivery(pg, tmp_path, a, platform)
    try:
        sending = asyncio.create_task(first.send("bot:e2", "u1", TURN, 0, None))
        await asyncio.sleep(1.0)
        assert not a.fresh() and not sending.done()
        platform.refusing.clear()
        await asyncio.to_thread(a.renew)  # renewed before anyone took the turn: still A's
        assert await asyncio.wait_for(sending, 5) is True
        await first.confirmations.flush()
    finally:
        await first.close()
        first.dispatcher.close()
    assert platform.got == [("worker-a", "Tin 1"), ("worker-a", "Tin 2"), ("worker-a", "Tin 3")]
