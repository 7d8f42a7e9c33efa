"""A rolling restart of the fleet behind nginx: 3 Zalo webhook workers on PostgreSQL, 50 users
answering, each worker stopped with SIGTERM and started again, one after another (as a deploy does).

A stopping worker stops taking calls, answers those in flight, sends what it committed and only then
exits; a starting worker takes over only turns whose worker is gone, never a live worker's. So no
user is shown a message twice, every answer lands once and in order, and no reply waits for a
grace period (the lease's expiry or a duplicate's wait)."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.deploy.fleet import (
    STEPS,
    Fleet,
    Traffic,
    drive_user,
    problems,
    repeated_replies,
    zalo_webhook,
)
from tests.deploy.test_proxy_e2e import database, pki, zalo  # noqa: F401  (shared fixtures)
from tests.fakes.zalo_server import FakeZaloServer
from tests.signatures.testpki import TestPKI

USERS = 50
WORKERS = 3
# The longest a reply may take when nothing waits for a grace period: the lease's time to expire and
# a duplicate's wait for its worker are both 15 s.
GRACE_S = 15.0
# nginx keeps a worker it could not reach out of rotation this long (`fail_timeout`): a deploy restarts
# the next worker only once the proxy sends to the previous one again, or no worker is left to take calls.
PROXY_FAIL_TIMEOUT_S = 5.0

pytestmark = pytest.mark.needs("nginx")


async def test_a_rolling_restart_with_sigterm_repeats_nothing_and_keeps_no_reply_waiting(
    tmp_path: Path, database: tuple[str, Engine, dict[str, str]], zalo: FakeZaloServer,  # noqa: F811
    pki: TestPKI,  # noqa: F811
) -> None:
    url, engine, codes = database
    fleet = Fleet(tmp_path, url, zalo_webhook(zalo.base_url), pki.trust_dir, WORKERS)
    traffic = Traffic()
    users = {f"z{i}": codes[f"P{i}"] for i in range(USERS)}
    restarted_under_load = 0
    exits: list[int | None] = []
    try:
        await fleet.start()
        rng = random.Random(25)
        # Users slower than in the SIGKILL test, so the three restarts fall inside their run.
        tasks = [asyncio.create_task(drive_user(zalo, engine, ref, code, random.Random(rng.random()), traffic,
                                                pause_s=5.0))
                 for ref, code in users.items()]
        await zalo.wait_until(lambda: len(zalo.deliveries) >= USERS, timeout=180, what="every user started")
        async with aiohttp.ClientSession() as http:
            for worker in fleet.workers:
                started = time.monotonic()
                await worker.process.stop_async(grace_s=60)
                assert worker.process.proc is not None
                exits.append(worker.process.proc.returncode)
                restarted_under_load += not all(task.done() for task in tasks)
                worker.start()
                await worker.wait_ready(http)
                print(f"worker {worker.index} restarted in {time.monotonic() - started:.1f} s")
                await asyncio.sleep(max(0.0, started + PROXY_FAIL_TIMEOUT_S + 0.5 - time.monotonic()))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
    finally:
        logs = {w.index: w.log() for w in fleet.workers}
        await fleet.stop_async()
    assert all(code in (0, -signal.SIGTERM) for code in exits), f"a worker did not stop on SIGTERM: {exits}"
    assert restarted_under_load == WORKERS, "every restart happened while the users were answering"
    assert problems(engine, zalo, list(users)) == []
    assert repeated_replies(zalo, list(users)) == 0, "a user was shown a message twice"
    waited = sorted(traffic.latencies)[-3:]
    assert waited and waited[-1] < GRACE_S, f"a reply waited for a grace period: the longest took {waited} s"
    assert len(traffic.latencies) == USERS * (len(STEPS) - 2)
    with engine.connect() as conn:  # every turn names the worker that sent it (none left to anyone)
        unowned = conn.execute(text("SELECT count(*) FROM processed_event WHERE owner IS NULL")).scalar()
    assert unowned == 0
    for index, log in logs.items():
        assert "Traceback" not in log, f"worker {index} logged an error:\n{log[-3000:]}"
