"""The production recipe end to end: Debian's nginx with the shipped proxy configuration in front of
3 `hsdt run` workers on one fresh PostgreSQL database, Zalo webhook updates for 50 users in random
interleaving, some delivered twice at once (round robin sends the copies to two workers), one
worker SIGKILLed in the middle and started again (as the compose file's restart policy does).

Every answer must be applied once, in each user's order, and every reply must reach its user.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.bot.zalo_support import ZALO_TOKEN
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.deploy.fleet import (
    STEPS,
    WEBHOOK_SECRET,
    Fleet,
    Traffic,
    drive_user,
    drop_database,
    fresh_database,
    problems,
    seed_principals,
    zalo_webhook,
)
from tests.fakes.zalo_server import FakeZaloServer
from tests.signatures.testpki import TestPKI, build_pki

USERS = 50
WORKERS = 3

pytestmark = pytest.mark.needs("nginx")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def database() -> Iterator[tuple[str, Engine, dict[str, str]]]:
    try:
        url = fresh_database(POSTGRES_URL)
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but {POSTGRES_URL} failed: {error}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL} ({type(error).__name__})")
    engine, codes = seed_principals(url, USERS)
    yield url, engine, codes
    engine.dispose()
    drop_database(url)


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(ZALO_TOKEN) as server:
        yield server


async def test_three_workers_behind_nginx_apply_every_answer_once_in_order(
    tmp_path: Path, database: tuple[str, Engine, dict[str, str]], zalo: FakeZaloServer, pki: TestPKI
) -> None:
    url, engine, codes = database
    fleet = Fleet(tmp_path, url, zalo_webhook(zalo.base_url), pki.trust_dir, WORKERS)
    traffic = Traffic()
    users = {f"z{i}": codes[f"P{i}"] for i in range(USERS)}
    try:
        await fleet.start()
        # Every worker registered the proxy's address, with the secret, as Zalo's webhook.
        assert zalo.webhook_url == f"{fleet.proxy.base_url}/zalo/webhook"
        assert zalo.webhook_secret == WEBHOOK_SECRET
        rng = random.Random(2026)
        tasks = [asyncio.create_task(drive_user(zalo, engine, ref, code, random.Random(rng.random()), traffic))
                 for ref, code in users.items()]
        # In the middle: one worker dies without warning, and is started again.
        await zalo.wait_until(lambda: len(zalo.deliveries) >= USERS * len(STEPS) // 2, timeout=180,
                              what="half of the updates delivered")
        victim = fleet.workers[1]
        victim.kill()
        victim.start()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
    finally:
        logs = {w.index: w.log() for w in fleet.workers}
        await fleet.stop_async()
    assert traffic.twice, "some updates were delivered twice"
    assert set(traffic.statuses) == {200}, f"webhook answers: {sorted(set(traffic.statuses))}"
    assert problems(engine, zalo, list(users)) == []
    for index, log in logs.items():
        assert ZALO_TOKEN not in log and WEBHOOK_SECRET not in log, f"worker {index} logged a secret"
