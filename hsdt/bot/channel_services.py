"""Runner services of the Zalo channel and the bot's web server (imported lazily: aiohttp apps)."""

from __future__ import annotations

import asyncio

from hsdt.bot.bootstrap import App
from hsdt.bot.settings import Settings


def zalo_enabled(settings: Settings) -> bool:
    return settings.zalo_bot_token is not None


def web_enabled(settings: Settings) -> bool:
    return settings.web_enabled


async def zalo(app: App, stop: asyncio.Event) -> None:
    from hsdt.bot.zalo import run

    await run(app, stop)


async def web(app: App, stop: asyncio.Event) -> None:
    from hsdt.bot.web import serve

    await serve(app, stop)
