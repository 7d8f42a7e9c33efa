"""Worker leases: a starting or sweeping worker takes over only the unsent turns of workers that are
gone (lease expired or released), never a live worker's, and each such turn exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from hsdt.storage.leases import LEASES, OWNER, Lease
from hsdt.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def commit_turn(engine: Engine, owner: str | None, event_id: str) -> None:
    """A turn committed by `owner` (as the runner's context names it), its one reply unsent."""
    token = OWNER.set(owner)
    try:
        with UnitOfWork(engine) as uow:
            uow.events.record("zalo", f"bot:{event_id}", "u1", [{"text": "Câu hỏi"}], NOW)
    finally:
        OWNER.reset(token)


def take(engine: Engine, owner: str, *, alone: bool = False) -> set[str]:
    with UnitOfWork(engine) as uow:
        return {row.event_id for row in uow.events.take_orphaned("zalo", owner, 100, "bot", alone=alone)}


def expire(engine: Engine, worker_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(LEASES).where(LEASES.c.worker_id == worker_id)
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))


@pytest.fixture
def leases(engine: Engine) -> Iterator[dict[str, Lease]]:
    found = {name: Lease(engine, name, ttl_s=60) for name in ("live", "dead", "stopped", "new")}
    for lease in found.values():
        lease.renew()
    yield found


def test_only_turns_of_workers_that_are_gone_are_taken_and_once(engine: Engine, leases: dict[str, Lease]) -> None:
    for owner in ("live", "dead", "stopped", None):
        commit_turn(engine, owner, f"e-{owner}")
    expire(engine, "dead")  # killed: its lease ran out
    leases["stopped"].release()  # a clean stop that left a turn unsent
    assert sorted(leases["new"].live_workers()) == ["live", "new"]
    assert take(engine, "new") == {"bot:e-dead", "bot:e-stopped", "bot:e-None"}
    # Taken: now the new worker's own, which nobody else takes while it lives.
    assert take(engine, "live") == set()
    # The live worker's turn becomes anyone's once it is gone too.
    expire(engine, "live")
    assert take(engine, "new") == {"bot:e-live"}


def test_one_process_alone_takes_every_turn_of_a_previous_run(engine: Engine, leases: dict[str, Lease]) -> None:
    # WORKERS=1: the previous run was killed a moment ago and its lease has not expired yet.
    commit_turn(engine, "live", "e1")
    commit_turn(engine, "new", "e2")
    assert take(engine, "new", alone=True) == {"bot:e1"}


def test_two_workers_taking_at_once_split_the_turns(postgres_engine: Engine) -> None:
    for name in ("a", "b"):
        Lease(postgres_engine, name, ttl_s=60).renew()
    for i in range(200):
        commit_turn(postgres_engine, "gone", f"e{i}")
    taken: dict[str, set[str]] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        start.wait()
        got: set[str] = set()
        while batch := _take_some(postgres_engine, name):
            got |= batch
        taken[name] = got

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert taken["a"].isdisjoint(taken["b"])
    assert len(taken["a"] | taken["b"]) == 200


def _take_some(engine: Engine, owner: str) -> set[str]:
    with UnitOfWork(engine) as uow:
        return {row.event_id for row in uow.events.take_orphaned("zalo", owner, 7, "bot")}
