"""A normal stop drains in webhook mode: SIGTERM while a Telegram webhook call waits for its reply
(the platform is slow to take it). The call is answered 200, the reply reaches the user before the
process exits, nothing is left unsent in the database, and the process exits on its own."""

from __future__ import annotations

import asyncio
import copy
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from hsdt.storage.tenancy import scope_connection
from tests.bot.durable_support import Database, database  # noqa: F401
from tests.bot.test_telegram_e2e import TOKEN, BotProcess, pki  # noqa: F401
from tests.bot.zalo_support import channel_bot, free_port
from tests.fakes.telegram_server import FakeTelegramServer
from tests.signatures.testpki import TestPKI

SECRET = "drain-webhook-secret-0123456789"
USER = 7001


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


def _unsent(db: Database) -> int:
    with db.engine.begin() as conn:
        return int(scope_connection(conn).execute(
            text("SELECT count(*) FROM processed_event WHERE settled_at IS NULL")).scalar() or 0)


def _committed(db: Database, update_id: int) -> bool:
    with db.engine.begin() as conn:
        return scope_connection(conn).execute(text("SELECT 1 FROM processed_event WHERE event_id LIKE :id"),
                            {"id": f"%:{update_id}"}).first() is not None


async def _ready(http: aiohttp.ClientSession, port: int, process: BotProcess, telegram: FakeTelegramServer) -> None:
    deadline = time.monotonic() + 240  # a forked bot on a loaded machine
    while time.monotonic() < deadline:
        assert process.proc is not None and process.proc.poll() is None, process.log.read_text(errors="replace")
        try:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                if response.status == 200 and telegram.calls_of("setMyCommands"):
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(process.log.read_text(errors="replace")[-3000:])


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_sigterm_in_webhook_mode_answers_the_call_in_flight_and_sends_its_reply_first(
    tmp_path: Path, telegram: FakeTelegramServer, pki: TestPKI, database: Database,  # noqa: F811
) -> None:
    port = free_port()
    process = channel_bot(tmp_path, pki.trust_dir, port, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=telegram.base_url,
                          TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET=SECRET, DATABASE_URL=database.url,
                          REMINDERS_ENABLED="false")
    webhook = f"http://127.0.0.1:{port}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    process.start()
    try:
        async with aiohttp.ClientSession() as http:
            await _ready(http, port, process, telegram)
            update_id = telegram.push_text(USER, f"/start {database.codes['HT-HOASEN']}")
            update = copy.deepcopy(next(u for u in telegram.pushed_updates if u["update_id"] == update_id))
            # The platform takes the reply only seconds later: the call waits for it when SIGTERM comes.
            telegram.inject_fault("sendMessage", "delay", seconds=3.0, chat_id=USER)
            call = asyncio.create_task(http.post(webhook, json=update, headers=headers))
            deadline = time.monotonic() + 60
            while not await asyncio.to_thread(_committed, database, update_id):
                assert time.monotonic() < deadline, "the update never committed"
                await asyncio.sleep(0.05)
            assert process.proc is not None
            process.proc.send_signal(signal.SIGTERM)
            response = await asyncio.wait_for(call, timeout=60)
            assert response.status == 200, await response.text()
            response.release()
            deadline = time.monotonic() + 60
            while process.proc.poll() is None:
                assert time.monotonic() < deadline, "the process did not exit after SIGTERM"
                await asyncio.sleep(0.05)
    finally:
        await process.stop_async()
    assert process.proc.returncode == 0, process.log.read_text(errors="replace")[-3000:]
    assert any("Đăng ký thành công" in (m.text or "") for m in telegram.messages(USER)), "the reply was never sent"
    assert await asyncio.to_thread(_unsent, database) == 0


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_sigterm_in_polling_mode_drops_the_long_poll_and_drains_its_replies(
    tmp_path: Path, pki: TestPKI, database: Database,  # noqa: F811
) -> None:
    """SIGTERM while a reply is on its way and a getUpdates long poll is held open as Telegram holds it
    (the bot's 25 s): the poll is dropped at the signal (Telegram hands unconfirmed updates over again),
    the reply still goes out, and nothing is cut short waiting for the poll."""
    async with FakeTelegramServer(token=TOKEN, long_poll_cap=30.0) as telegram:
        await _polling_stop(tmp_path, telegram, pki.trust_dir, database)


async def _polling_stop(tmp_path: Path, telegram: FakeTelegramServer, trust_dir: Path, db: Database) -> None:
    process = BotProcess(tmp_path, "", trust_dir)
    process.env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url,
                        "DATABASE_URL": db.url, "REMINDERS_ENABLED": "false"})
    process.start()
    try:
        deadline = time.monotonic() + 240  # a forked bot on a loaded machine
        while not telegram.calls_of("setMyCommands"):
            assert process.proc is not None and process.proc.poll() is None, process.log.read_text(errors="replace")
            assert time.monotonic() < deadline, process.log.read_text(errors="replace")[-3000:]
            await asyncio.sleep(0.1)
        telegram.inject_fault("sendMessage", "delay", seconds=3.0, chat_id=USER)
        update_id = telegram.push_text(USER, f"/start {db.codes['HT-HOASEN']}")
        deadline = time.monotonic() + 60
        while not await asyncio.to_thread(_committed, db, update_id):
            assert time.monotonic() < deadline, "the update never committed"
            await asyncio.sleep(0.05)
        polls = len(telegram.calls_of("getUpdates"))
        while len(telegram.calls_of("getUpdates")) == polls:  # the next long poll is open
            assert time.monotonic() < deadline, "no long poll after the update"
            await asyncio.sleep(0.05)
        assert process.proc is not None
        process.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        while process.proc.poll() is None:
            assert time.monotonic() < deadline, "the process did not exit after SIGTERM"
            await asyncio.sleep(0.05)
    finally:
        await process.stop_async()
    log = process.log.read_text(errors="replace")
    assert process.proc.returncode == 0, log[-3000:]
    assert "cut short" not in log, log[-3000:]
    assert any("Đăng ký thành công" in (m.text or "") for m in telegram.messages(USER)), "the reply was never sent"
    assert await asyncio.to_thread(_unsent, db) == 0
