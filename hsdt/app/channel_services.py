"""Runner services of the chat channels and the bot's web server. Each only runs what the bootstrap
built (imported lazily: aiogram and the aiohttp apps load only when configured)."""

from __future__ import annotations

import asyncio

from hsdt.app.bootstrap import App, web_config
from hsdt.config import Settings


def telegram_enabled(settings: Settings) -> bool:
    return settings.telegram_bot_token is not None


def zalo_enabled(settings: Settings) -> bool:
    return settings.zalo_bot_token is not None


def pollers(settings: Settings) -> list[tuple[str, str]]:
    """(channel, bot scope) of every channel this process would poll: one process per token may."""
    from hsdt.channels.contract import bot_scope

    found = []
    if settings.telegram_bot_token is not None and not settings.telegram_webhook_enabled:
        found.append(("telegram", bot_scope(settings.telegram_bot_token.get_secret_value())))
    if settings.zalo_bot_token is not None and settings.zalo_mode == "polling":
        found.append(("zalo", bot_scope(settings.zalo_bot_token.get_secret_value())))
    return found


def longest_poll_s(settings: Settings) -> float:
    """How long a stopping process may wait for a long poll in flight to answer: Telegram's is dropped at
    the signal (its offsets hand the updates over again); the Zalo Bot Platform's pops its update, so it
    is waited for."""
    if settings.zalo_bot_token is not None and settings.zalo_mode == "polling":
        from hsdt.channels.zalo_bot.client import POLL_TIMEOUT_S

        return float(POLL_TIMEOUT_S)
    return 0.0


def web_enabled(settings: Settings) -> bool:
    return settings.web_enabled


async def telegram(app: App, stop: asyncio.Event) -> None:
    from hsdt.channels.telegram.receive import run_polling, run_webhook

    assert app.telegram is not None
    if app.settings.telegram_webhook_enabled:
        await run_webhook(app.telegram, stop, app.settings.stop_grace_s)
    else:
        await run_polling(app.telegram, stop, app.settings.stop_grace_s)


async def zalo(app: App, stop: asyncio.Event) -> None:
    assert app.zalo is not None
    settings = app.settings
    secret = settings.zalo_webhook_secret
    try:
        await app.zalo.run(stop, settings.zalo_mode, app.links.base_url if app.links is not None else None,
                           secret.get_secret_value() if secret is not None else None)
    finally:
        await app.zalo.close(settings.stop_grace_s)


async def web(app: App, stop: asyncio.Event) -> None:
    from hsdt.web.server import serve

    await serve(app, web_config(app), stop)
