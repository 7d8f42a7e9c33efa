"""Telegram webhook mode behind the shipped nginx configuration: 3 workers on one fresh PostgreSQL
database, the webhook registered once with `hsdt webhook set`, the fake Telegram server delivering
each chat's updates in order through the proxy (as Telegram does), a copy of some updates posted at
the same moment straight to the proxy (so two workers get the same update), and one worker
SIGKILLed in the middle and started again.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import Engine

from tests.bot.test_telegram_e2e import TOKEN as TELEGRAM_TOKEN
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.deploy.fleet import (
    STEPS,
    WEBHOOK_SECRET,
    Fleet,
    Traffic,
    answer_problems,
    drop_database,
    fresh_database,
    on_record,
    seed_principals,
    telegram_webhook,
)
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage
from tests.signatures.testpki import TestPKI, build_pki

USERS = 20
WORKERS = 3
FIRST_USER = 7000

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
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TELEGRAM_TOKEN)
    await server.start()
    yield server
    await server.stop()


def _says(expected: str) -> Callable[[SentMessage], bool]:
    return lambda message: expected in (message.text or "")


async def _user(server: FakeTelegramServer, engine: Engine, http: aiohttp.ClientSession, webhook: str,
                user: int, code: str, rng: random.Random, traffic: Traffic) -> None:
    for typed, expected in STEPS:
        await asyncio.sleep(rng.uniform(0, 0.3))
        update_id = server.push_text(user, typed.format(code=code))
        if rng.random() < 0.25:
            update = next(u for u in server.pushed_updates if u["update_id"] == update_id)
            traffic.twice.append(str(update_id))
            async with http.post(webhook, json=copy.deepcopy(update),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}) as response:
                traffic.statuses.append(response.status)
        await server.wait_for_message(user, _says(expected), timeout=120)
        await on_record(engine, str(user))


async def test_telegram_webhook_through_nginx_on_three_workers(
    tmp_path: Path, database: tuple[str, Engine, dict[str, str]], telegram: FakeTelegramServer, pki: TestPKI
) -> None:
    url, engine, codes = database
    fleet = Fleet(tmp_path, url, telegram_webhook(telegram.base_url), pki.trust_dir, WORKERS)
    traffic = Traffic()
    users = {FIRST_USER + i: codes[f"P{i}"] for i in range(USERS)}
    try:
        await fleet.start()
        registered = await asyncio.to_thread(fleet.command, "webhook", "set")
        assert registered.returncode == 0, registered.stderr
        webhook = f"{fleet.proxy.base_url}/telegram/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.post(webhook, json={"update_id": 1}) as refused:  # no secret: nothing applied
                assert refused.status == 403
            rng = random.Random(11)
            tasks = [asyncio.create_task(_user(telegram, engine, http, webhook, user, code,
                                               random.Random(rng.random()), traffic))
                     for user, code in users.items()]
            await telegram.wait_until(lambda: len(telegram.pushed_updates) >= USERS * len(STEPS) // 2,
                                      timeout=180, what="half of the updates pushed")
            victim = fleet.workers[2]
            victim.kill()
            victim.start()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
    finally:
        logs = {w.index: w.log() for w in fleet.workers}
        await fleet.stop_async()
    assert traffic.twice and set(traffic.statuses) <= {200, 503}, sorted(set(traffic.statuses))
    for index, log in logs.items():
        assert TELEGRAM_TOKEN not in log and WEBHOOK_SECRET not in log, f"worker {index} logged a secret"
    assert _problems(engine, telegram, list(users)) == []


def _problems(engine: Engine, server: FakeTelegramServer, users: list[int]) -> list[str]:
    found = answer_problems(engine, len(users))
    for user in users:
        # Every text the user was shown, edits included: an answered question is edited into its confirmation.
        shown = [str(call.params.get("text", "")) for call in server.calls
                 if call.ok and call.method in ("sendMessage", "editMessageText")
                 and str(call.params.get("chat_id")) == str(user)]
        found.extend(f"{user}: no reply “{expected}”" for _, expected in STEPS
                     if not any(expected in message for message in shown))
    return found
