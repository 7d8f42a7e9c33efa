"""Runs every configured service of one bot process side by side until stopped.

A service is enabled by its settings (a token, a port), so adding a channel or the scheduler is one
entry in SERVICES. Without any, `hsdt run` opens the terminal chat instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from hsdt.app import channel_services, zalo_oa
from hsdt.app.bootstrap import App
from hsdt.config import Settings
from hsdt.reminders import service as reminders

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Service:
    name: str
    enabled: Callable[[Settings], bool]
    run: Callable[[App, asyncio.Event], Coroutine[Any, Any, None]]


SERVICES: list[Service] = [
    Service("telegram", channel_services.telegram_enabled, channel_services.telegram),
    # An OA can write first too (transaction messages outside its window).
    Service("reminders", lambda s: reminders.enabled(s) or (s.reminders_enabled and zalo_oa.enabled(s)),
            reminders.run),
    Service("zalo", channel_services.zalo_enabled, channel_services.zalo),
    Service("zalo_oa", zalo_oa.enabled, zalo_oa.run),
    Service("web", channel_services.web_enabled, channel_services.web),
]


def enabled_services(settings: Settings) -> list[Service]:
    return [service for service in SERVICES if service.enabled(settings)]


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    services = enabled_services(app.settings)
    if not services:
        raise RuntimeError("no service configured: set TELEGRAM_BOT_TOKEN (see .env.example)")
    log.info("starting: %s", ", ".join(s.name for s in services))
    tasks = [asyncio.create_task(s.run(app, stop), name=s.name) for s in services]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in tasks:
        if not task.done():
            task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    stopper.cancel()
    await app.aclose()
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, asyncio.CancelledError):
            log.error("service failed: %r", result)
            raise result
