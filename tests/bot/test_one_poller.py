"""One poller per bot token: a second process polling a token that a live process polls refuses to
start and says why (two pollers take each other's updates and repeat each other's replies)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from hsdt.storage.locks import SoleLock
from hsdt.texts import cli as tc
from tests.bot.durable_support import Database, database  # noqa: F401
from tests.bot.test_telegram_e2e import BotProcess, pki  # noqa: F401
from tests.fakes.telegram_server import FakeTelegramServer
from tests.signatures.testpki import TestPKI

TOKEN = "123456:poller-TEST-token"


def test_a_sole_lock_is_held_by_one_holder_until_released(engine: Engine) -> None:
    first, second = SoleLock(engine, "poll:telegram:1"), SoleLock(engine, "poll:telegram:1")
    other = SoleLock(engine, "poll:zalo:1")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert other.try_acquire()  # another token: its own lock
    first.release()
    assert second.try_acquire()
    second.release()
    other.release()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


async def test_a_second_process_polling_the_same_token_refuses_to_start(
    tmp_path: Path, telegram: FakeTelegramServer, pki: TestPKI, database: Database,  # noqa: F811
) -> None:
    bots = []
    for name in ("first", "second"):
        workdir = tmp_path / name
        workdir.mkdir()
        bot = BotProcess(workdir, telegram.base_url, pki.trust_dir)
        bot.env.update({"DATABASE_URL": database.url, "TELEGRAM_BOT_TOKEN": TOKEN,
                        "REMINDERS_ENABLED": "false"})
        bots.append(bot)
    first, second = bots
    try:
        first.start()
        await telegram.wait_until(lambda: bool(telegram.calls_of("getUpdates")), timeout=240,
                                  what="the first bot polling")
        second.start()
        assert second.proc is not None
        deadline = time.monotonic() + 240
        while second.proc.poll() is None:
            assert time.monotonic() < deadline, "the second poller did not stop"
            await asyncio.sleep(0.1)
        assert first.proc is not None and first.proc.poll() is None, "the first poller goes on"
    finally:
        for bot in bots:
            await bot.stop_async()
    assert second.proc.returncode == 3
    said = second.log.read_text(errors="replace")
    assert tc.POLLER_BUSY.format(channel="Telegram") in said  # the exit message
    assert "another process polls telegram bot 123456; this one does not start" in said  # the log line
