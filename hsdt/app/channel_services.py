"""Runner services of the chat channels and the bot's web server. Each only runs what the bootstrap
built (imported lazily: aiogram and the aiohttp apps load only when configured).

Every Sở's channels run side by side in one service per platform: one poll loop per polling token,
each task started inside `tenant_scope` of its Sở, so the events it applies and the replies, sweeps and
closes it runs are that Sở's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from hsdt.app.bootstrap import App, TenantChannels, web_config
from hsdt.config import Settings
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope


def telegram_enabled(settings: Settings) -> bool:
    return settings.telegram_bot_token is not None


def zalo_enabled(settings: Settings) -> bool:
    return settings.zalo_bot_token is not None


def channel_sets(app: App) -> list[TenantChannels]:
    """Every Sở's channels in this process; an `App` built by hand (no `wire_channels`) has its fields."""
    if app.tenants:
        return [app.tenants[tenant] for tenant in sorted(app.tenants)]
    return [TenantChannels(DEFAULT_TENANT, "default", telegram=app.telegram, zalo=app.zalo,
                           zalo_oa=app.zalo_oa, senders=app.senders)]


def tenant_services(app: App) -> set[str]:
    """The services the Sở's own channels (`tenant_channel`) need beyond what the settings enable."""
    found: set[str] = set()
    for own in channel_sets(app):
        if own.telegram is not None:
            found.add("telegram")
        if own.zalo is not None:
            found.add("zalo")
        if own.zalo_oa:
            found.add("zalo_oa")
        if own.senders and app.settings.reminders_enabled:
            found.add("reminders")
    return found


def pollers(app: App) -> list[tuple[str, str]]:
    """(channel, bot scope) of every bot this process would poll, of every Sở: one process per token may."""
    from hsdt.channels.contract import bot_scope

    settings = app.settings
    found = []
    for own in channel_sets(app):
        if own.telegram is not None and not settings.telegram_webhook_enabled:
            found.append(("telegram", str(own.telegram.bot.id)))
        if own.zalo is not None and settings.zalo_mode == "polling":
            found.append(("zalo", bot_scope(own.zalo.client.token)))
    return found


def longest_poll_s(app: App) -> float:
    """How long a stopping process may wait for a long poll in flight to answer: Telegram's is dropped at
    the signal (its offsets hand the updates over again); the Zalo Bot Platform's pops its update, so it
    is waited for."""
    if any(channel == "zalo" for channel, _ in pollers(app)):
        from hsdt.channels.zalo_bot.client import POLL_TIMEOUT_S

        return float(POLL_TIMEOUT_S)
    return 0.0


def web_enabled(settings: Settings) -> bool:
    return settings.web_enabled


async def in_scopes(runs: list[tuple[int, Coroutine[Any, Any, None]]]) -> None:
    """Each run as a task of its own Sở; all of them waited for, and the first failure raised after."""
    tasks = []
    for tenant, run in runs:
        with tenant_scope(tenant):  # the task copies the context: the scope holds for its whole life
            tasks.append(asyncio.create_task(run))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def telegram(app: App, stop: asyncio.Event) -> None:
    from hsdt.channels.telegram.receive import run_polling, run_webhook

    run = run_webhook if app.settings.telegram_webhook_enabled else run_polling
    await in_scopes([(own.tenant, run(own.telegram, stop, app.settings.stop_grace_s))
                     for own in channel_sets(app) if own.telegram is not None])


async def zalo(app: App, stop: asyncio.Event) -> None:
    await in_scopes([(own.tenant, _zalo(app, own, stop)) for own in channel_sets(app) if own.zalo is not None])


async def _zalo(app: App, own: TenantChannels, stop: asyncio.Event) -> None:
    from hsdt.channels.zalo_bot.receive import WEBHOOK_PATH
    from hsdt.web.webhooks import tenant_path

    assert own.zalo is not None
    settings = app.settings
    path = WEBHOOK_PATH if own.tenant == DEFAULT_TENANT else tenant_path(own.code, "zalo")
    try:
        await own.zalo.run(stop, settings.zalo_mode, app.links.base_url if app.links is not None else None,
                           own.zalo_secret, path)
    finally:
        await own.zalo.close(settings.stop_grace_s)


async def web(app: App, stop: asyncio.Event) -> None:
    from hsdt.web.server import serve

    await serve(app, web_config(app), stop)
