"""Telegram's webhook mode in-process: the fake Bot API server POSTs updates as Telegram does (one
chat at a time, redelivered until answered 200) to the bot's web route, in front of one or two
workers (each its own channel, dispatcher and web server) on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.exceptions import TelegramConflictError
from aiogram.methods import GetUpdates
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from hsdt import texts as messages
from hsdt.app.bootstrap import App
from hsdt.channels.telegram.client import make_bot
from hsdt.channels.telegram.receive import WEBHOOK_PATH, TelegramChannel
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.tokens import UploadLinks
from hsdt.storage.models import ProcessedEvent
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.config import CONFIG, WebConfig
from hsdt.web.webhooks import telegram_routes
from tests.conftest import empty_postgres, seed
from tests.fakes.telegram_server import FakeTelegramServer
from tests.helpers import Clock
from tests.ports import free_port

TOKEN = "424242:WEBHOOK-TEST-TOKEN"
SECRET = "webhook_Secret-0123"


@pytest.fixture
def pg(postgres_engine: Engine, postgres_owner: Engine) -> Iterator[Engine]:
    yield postgres_engine
    empty_postgres(postgres_owner)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@dataclass
class Worker:
    dispatcher: Dispatcher
    channel: TelegramChannel
    runner: web.AppRunner
    url: str

    async def close(self) -> None:
        await self.channel.close()
        await self.runner.cleanup()
        await self.channel.bot.session.close()
        self.dispatcher.close()


async def start_worker(engine: Engine, clock: Clock, tmp_path: Path, server: FakeTelegramServer) -> Worker:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    channel = TelegramChannel(make_bot(TOKEN, server.base_url), dispatcher, reply_wait_s=5.0, orphan_grace_s=3.0)
    app = web.Application()
    app[CONFIG] = WebConfig(links=UploadLinks(b"k" * 32, "http://127.0.0.1", timedelta(minutes=5)),
                            telegram=channel, telegram_secret=SECRET)
    # The webhook route reads only the config; the host is the usual one.
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files")
    telegram_routes(app, App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None), app[CONFIG])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await channel.setup(webhook=True)
    return Worker(dispatcher, channel, runner, f"http://127.0.0.1:{port}{WEBHOOK_PATH}")


@pytest.fixture
async def workers(pg: Engine, clock: Clock, tmp_path: Path, server: FakeTelegramServer) -> AsyncIterator[list[Worker]]:
    started = [await start_worker(pg, clock, tmp_path, server) for _ in range(2)]
    yield started
    for worker in started:
        await worker.close()


class Proxy:
    """A round-robin balancer in front of the workers (as nginx would be), which now and then also
    hands the same update to a second worker at once (a retried upstream)."""

    def __init__(self, upstreams: list[str], duplicate_rate: float = 0.0, seed: int = 3) -> None:
        self.upstreams = itertools.cycle(upstreams)
        self.all = upstreams
        self.duplicate_rate = duplicate_rate
        self.rng = random.Random(seed)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self.forward)
        self.session = aiohttp.ClientSession()
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        async with self.session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {"Content-Type": "application/json",
                   "X-Telegram-Bot-Api-Secret-Token": request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")}
        first = next(self.upstreams)
        targets = [first]
        if self.rng.random() < self.duplicate_rate:
            targets.append(next(u for u in self.all if u != first))
        statuses = await asyncio.gather(*(self._post(url, body, headers) for url in targets))
        return web.Response(status=statuses[0])

    async def stop(self) -> None:
        await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()


def events(engine: Engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.execute(select(col(ProcessedEvent.event_id))).scalars())


def texts(server: FakeTelegramServer, chat: int) -> list[str]:
    return [m.text or "" for m in server.messages(chat)]


async def test_the_secret_is_checked_on_every_call(
    pg: Engine, clock: Clock, server: FakeTelegramServer, workers: list[Worker]
) -> None:
    codes = seed(pg, clock())
    bot = workers[0].channel.bot
    await bot.set_webhook(workers[0].url, secret_token="not-the-secret")
    with pytest.raises(TelegramConflictError):  # as on Telegram: no polling while a webhook is set
        await bot(GetUpdates(timeout=0))
    server.push_text(9001, f"/start {codes['HT-HOASEN']}")
    await server.wait_until(lambda: len(server.webhook_deliveries) >= 3, what="refused deliveries")
    assert {d.status for d in server.webhook_deliveries} == {403} and events(pg) == []
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and "403" in (info.last_error_message or "")
    await bot.set_webhook(workers[0].url, secret_token=SECRET)
    reply = await server.wait_for_message(9001, timeout=20)
    assert reply.text  # sent before the answer: the 200 waits for the replies (up to reply_wait_s)
    await server.wait_until(lambda: server.webhook_deliveries[-1].status == 200, what="the update taken")
    assert len(events(pg)) == 1
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_a_rolled_back_update_is_refused_and_handled_once_when_delivered_again(
    pg: Engine, clock: Clock, server: FakeTelegramServer, workers: list[Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = seed(pg, clock())
    worker = workers[0]
    await worker.channel.bot.set_webhook(worker.url, secret_token=SECRET)
    start = server.push_text(9002, f"/start {codes['HT-HOASEN']}")
    await server.wait_until(lambda: any(d.update_id == start and d.status == 200 for d in server.webhook_deliveries),
                            timeout=20, what="enrolled")
    server.consume_all(9002)
    shown = len(server.messages(9002))
    apply = worker.dispatcher._apply
    failures = iter([True])

    def database_gone_once(*args: Any) -> Any:
        if next(failures, False):
            raise OperationalError("UPDATE conversation_state", {}, Exception("server closed the connection"))
        return apply(*args)

    monkeypatch.setattr(worker.dispatcher, "_apply", database_gone_once)
    update_id = server.push_text(9002, "/help")
    await server.wait_until(lambda: [d.status for d in server.webhook_deliveries if d.update_id == update_id]
                            == [503, 200], timeout=20, what="refused, then taken")
    reply = await server.wait_for_message(9002, timeout=20)
    assert "/tudanhgia" in (reply.text or ""), "the answer, not the internal error"
    await asyncio.sleep(0.3)
    new = texts(server, 9002)[shown:]
    assert sum("/tudanhgia" in t for t in new) == 1, "the update answered once"
    assert not any(messages.INTERNAL_ERROR in t for t in new), "nothing for the refused delivery"
    assert events(pg).count(f"424242:{update_id}") == 1


async def test_two_workers_behind_a_balancer_answer_every_update_once_in_order(
    pg: Engine, clock: Clock, server: FakeTelegramServer, workers: list[Worker]
) -> None:
    codes = seed(pg, clock())
    proxy = Proxy([w.url for w in workers], duplicate_rate=0.3)
    await proxy.start()
    try:
        await workers[0].channel.bot.set_webhook(proxy.url, secret_token=SECRET)
        users = {9101: codes["HT-HOASEN"], 9102: codes["SO-01"], 9103: codes["PGD-HB-01"]}
        for user, code in users.items():
            server.push_text(user, f"/start {code}")
        plan = ["/help", "/menu"] * 4
        for command in plan:  # every user types quickly: updates queue up at "Telegram"
            for user in users:
                server.push_text(user, command)
        # /help answers with the commands and the menu, /menu with the menu.
        shapes = [shape for command in plan for shape in (["help", "menu"] if command == "/help" else ["menu"])]
        expected = 2 + len(shapes)
        await server.wait_until(lambda: all(len(server.messages(u)) >= expected for u in users), timeout=60,
                                what="every update answered")
        await asyncio.sleep(3.5)  # a duplicate's replies would come after its grace
        for user in users:
            got = texts(server, user)[2:]  # after the welcome and its menu
            assert ["help" if t.startswith("Các lệnh") else "menu" for t in got] == shapes, "once each, in order"
        stored = events(pg)
        assert len(stored) == len(set(stored)) == len(users) * (1 + len(plan))
        assert any(d.status == 200 for d in server.webhook_deliveries)
    finally:
        await proxy.stop()


async def test_the_operator_registers_and_removes_the_webhook(
    server: FakeTelegramServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from hsdt.cli.main import build_parser
    from hsdt.cli.webhook import cmd_webhook
    from hsdt.config import Settings

    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base=server.base_url,
                        upload_base_url="https://hsdt.example.gov.vn/", telegram_webhook_secret=SECRET)

    def run(*argv: str, with_settings: Settings = settings) -> int:
        return int(cmd_webhook(build_parser().parse_args(["webhook", *argv]), with_settings))

    unsafe = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base=server.base_url,
                      upload_base_url="https://hsdt.example.gov.vn/")
    assert await asyncio.to_thread(run, "set", with_settings=unsafe) == 2 and server.webhook_url == ""
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err
    assert await asyncio.to_thread(run, "set") == 0
    assert server.webhook_url == "https://hsdt.example.gov.vn/telegram/webhook" and server.webhook_secret == SECRET
    assert await asyncio.to_thread(run, "info") == 0
    assert "https://hsdt.example.gov.vn/telegram/webhook" in capsys.readouterr().out
    assert await asyncio.to_thread(run, "delete") == 0 and server.webhook_url == ""
