"""The bot with a Zalo OA, in this process, against the fake OA (shared by the end-to-end tests and
`bench/bench_zalo_oa_webhook.py`): built by the bootstrap, its web server on a free port, the OA
connected through `hsdt zalo-oa connect`, the platform's clock and the channel's one clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel import select

from hsdt.app.bootstrap import App, build, web_config
from hsdt.app.zalo_oa import wire
from hsdt.channels.zalo_oa.receive import OAChannel
from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.cli.zalo_oa import connect
from hsdt.config import Settings
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.unit_of_work import tenant_session
from hsdt.web.server import make_runner, make_web_app
from tests.conftest import seed
from tests.fakes.zalo_oa_server import FakeOAUser, FakeZaloOAServer, Seen
from tests.helpers import Clock
from tests.ports import free_port

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
REDIRECT_URI = "https://hsdt.example.gov.vn/zalo-oa/callback"


@dataclass
class Bot:
    app: App
    channel: OAChannel
    fake: FakeZaloOAServer
    clock: Clock
    codes: dict[str, str]

    def rows(self, model: type) -> list:  # type: ignore[type-arg]
        with tenant_session(self.app.engine) as session:
            return list(session.exec(select(model)).all())


def morning() -> Clock:
    """9:00 local today: the day's transaction hours are open."""
    return Clock(datetime.combine(datetime.now(LOCAL).date(), time(9, 0), LOCAL).astimezone(UTC))


@contextmanager
def environment(values: dict[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def oa_settings(fake: FakeZaloOAServer) -> ZaloOASettings:
    return ZaloOASettings(app_id=fake.app_id, app_secret=fake.app_secret, oa_secret_key=fake.oa_secret_key,
                          oa_id=fake.oa_id, redirect_uri=REDIRECT_URI, api_base=fake.base_url,
                          oauth_base=fake.base_url, _env_file=None)


@asynccontextmanager
async def oa_bot(workdir: Path, trust_dir: Path, clock: Clock, *, database: str | None = None,
                 codes: dict[str, str] | None = None) -> AsyncIterator[Bot]:
    """The bot with the fake OA for the length of the block (a fresh seeded SQLite file by default)."""
    if database is None:
        database = f"sqlite:///{workdir / 'bot.sqlite3'}"
        engine = make_engine(database)
        upgrade(engine)
        codes = seed(engine, datetime.now(UTC))
        engine.dispose()
    port = free_port()
    settings = Settings(database_url=database, data_dir=workdir / "data", files_dir=workdir / "data" / "files",
                        trust_dir=trust_dir, seed_demo=False, upload_base_url=f"http://127.0.0.1:{port}",
                        upload_secret="test-upload-secret-0123456789abcdef",
                        _env_file=None)
    async with FakeZaloOAServer(clock=clock) as fake:
        fake.retry_delays_s = [0.3, 0.5]
        env: dict[str, str | None] = {"TELEGRAM_BOT_TOKEN": None, "ZALO_BOT_TOKEN": None}
        env |= {f"ZALO_OA_{name}": value for name, value in (
            ("APP_ID", fake.app_id), ("APP_SECRET", fake.app_secret), ("OA_ID", fake.oa_id),
            ("OA_SECRET_KEY", fake.oa_secret_key), ("REDIRECT_URI", REDIRECT_URI), ("OAUTH_BASE", fake.base_url),
            ("API_BASE", fake.base_url))}
        with environment({**env, "ZALO_OA_APP_ID": None}):
            app = build(settings)
        channel = wire(app, oa_settings(fake), clock=clock)
        assert channel is not None
        channel.orphan_grace_s = 1.0
        with environment(env):
            # The OA admin connects the OA once, through the command line.
            printed: list[str] = []
            assert await connect(settings, lambda _prompt: fake.approve(printed[-1].split("\n")[1]),
                                 printed.append) == 0
            runner = make_runner(make_web_app(app, web_config(app)), 10.0)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            fake.webhook_url = f"http://127.0.0.1:{port}{channel.path}"
            try:
                yield Bot(app, channel, fake, clock, codes or {})
            finally:
                await channel.delivery.queues.drain()
                await runner.cleanup()
                await app.aclose()
                app.close()


async def say(bot: Bot, user: FakeOAUser, text: str, expect: str, timeout: float = 30.0) -> Seen:
    bot.fake.user_sends_text(user, text)
    return await bot.fake.wait_for_message(user, lambda m: expect in m.text, timeout=timeout)


async def enrolled(bot: Bot, code: str, name: str = "Nguyễn Thị Hồng Nhung") -> FakeOAUser:
    """A user who follows the OA (greeted and asked for the invite code) and enrols with `code`."""
    user = bot.fake.add_user(name)
    bot.fake.follows(user)
    greeting = await bot.fake.wait_for_message(user, timeout=30)
    assert "mã" in greeting.text.lower(), greeting.text
    await say(bot, user, code, "Đăng ký thành công")
    return user


@asynccontextmanager
async def second_worker(bot: Bot) -> AsyncIterator[tuple[OAChannel, str]]:
    """Another bot process on the same database and OA (as a second worker behind the load balancer):
    its channel and its webhook URL."""
    port = free_port()
    settings = bot.app.settings.model_copy(update={"upload_base_url": f"http://127.0.0.1:{port}"})
    with environment({"TELEGRAM_BOT_TOKEN": None, "ZALO_BOT_TOKEN": None, "ZALO_OA_APP_ID": None}):
        app = build(settings)
    channel = wire(app, oa_settings(bot.fake), clock=bot.clock)
    assert channel is not None
    channel.orphan_grace_s = 1.0
    runner = make_runner(make_web_app(app, web_config(app)), 10.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield channel, f"http://127.0.0.1:{port}{channel.path}"
    finally:
        await channel.delivery.queues.drain()
        await runner.cleanup()
        await app.aclose()
        app.close()
