"""Runs every configured service of one bot process side by side until stopped.

A service is enabled by its settings (a token, a port), so adding a channel or the scheduler is one
entry in SERVICES. Without any, `hsdt run` opens the terminal chat instead.

A stop (SIGTERM, SIGINT) ends the services stage by stage, each stage on its own (never cancelled
while it keeps within its bound): first the web server stops taking connections and answers the
webhook calls in flight (polling channels stop fetching at once too); then the channels send every
committed reply and close; only then the rest (the reminders). Last, the process gives up its
worker lease, so what it could not send in time is another worker's to send at once.
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
from hsdt.storage.leases import OWNER, Lease
from hsdt.storage.locks import SoleLock

log = logging.getLogger(__name__)

# The order services stop in.
INTAKE, CHANNELS, REST = 0, 1, 2


@dataclass(frozen=True)
class Service:
    name: str
    enabled: Callable[[Settings], bool]
    run: Callable[[App, asyncio.Event], Coroutine[Any, Any, None]]
    stage: int = REST


SERVICES: list[Service] = [
    Service("telegram", channel_services.telegram_enabled, channel_services.telegram, CHANNELS),
    # An OA can write first too (transaction messages outside its window).
    Service("reminders", lambda s: reminders.enabled(s) or (s.reminders_enabled and zalo_oa.enabled(s)),
            reminders.run, REST),
    Service("zalo", channel_services.zalo_enabled, channel_services.zalo, CHANNELS),
    Service("zalo_oa", zalo_oa.enabled, zalo_oa.run, CHANNELS),
    Service("web", channel_services.web_enabled, channel_services.web, INTAKE),
]


def enabled_services(settings: Settings, app: App | None = None) -> list[Service]:
    """The services the settings enable, and those the Sở's own channels in `app` need."""
    extra = channel_services.tenant_services(app) if app is not None else set()
    return [service for service in SERVICES if service.enabled(settings) or service.name in extra]


class PollerBusy(RuntimeError):
    """Another live process polls a bot token this one would poll: it refuses to start."""

    def __init__(self, channel: str) -> None:
        from hsdt.texts import cli as tc

        super().__init__(tc.POLLER_BUSY.format(channel=channel.capitalize()))
        self.channel = channel


async def sole_pollers(app: App) -> list[SoleLock]:
    """One poller per bot token across processes: two would take each other's updates and repeat
    each other's replies. The locks are held until the process stops (a killed one frees them)."""
    held: list[SoleLock] = []
    for channel, scope in channel_services.pollers(app):
        lock = SoleLock(app.engine, f"poll:{channel}:{scope}")
        if not await asyncio.to_thread(lock.try_acquire):
            for other in held:
                other.release()
            log.error("another process polls %s bot %s; this one does not start", channel, scope)
            raise PollerBusy(channel)
        held.append(lock)
    return held


async def keep_lease(lease: Lease, stop: asyncio.Event) -> None:
    """Renewed until `stop`; a failed renewal is retried at the next turn (the lease outlives two)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), lease.renew_every_s)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(lease.renew)
        except Exception:
            log.exception("renewing this worker's lease failed")


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    services = enabled_services(app.settings, app)
    if not services:
        raise RuntimeError("no service configured: set TELEGRAM_BOT_TOKEN (see .env.example)")
    try:
        polling = await sole_pollers(app)
    except PollerBusy:
        await app.aclose()
        raise
    try:
        await _serve(app, services, stop)
    finally:
        for lock in polling:
            lock.release()


async def _serve(app: App, services: list[Service], stop: asyncio.Event) -> None:
    lease = app.lease
    leased = asyncio.Event()
    keeper: asyncio.Task[None] | None = None
    if lease is not None:
        await asyncio.to_thread(lease.renew)
        # Every task started below, and every database thread they hand work to, inherits it: the
        # events this process commits name it as the one sending their replies.
        OWNER.set(lease.worker_id)
        keeper = asyncio.create_task(keep_lease(lease, leased), name="lease")
    log.info("starting: %s", ", ".join(s.name for s in services))
    stops = {INTAKE: stop, CHANNELS: asyncio.Event(), REST: asyncio.Event()}
    # A polling channel takes updates itself: it stops fetching at the signal (and drains then), not
    # after the web server's calls in flight (in polling mode those never feed its queues).
    polling = {channel for channel, _ in channel_services.pollers(app)}
    tasks = [asyncio.create_task(s.run(app, stop if s.name in polling else stops[s.stage]), name=s.name)
             for s in services]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    # Each stage gets the drain time it promises plus a margin before it is cut short.
    # (A long poll the platform must be let answer is waited out first.)
    bound = (app.settings.stop_grace_s + max(app.settings.telegram_webhook_reply_wait_s, 5.0)
             + channel_services.longest_poll_s(app))
    results: list[BaseException | None] = []
    for stage in (INTAKE, CHANNELS, REST):
        stops[stage].set()
        running = [task for s, task in zip(services, tasks, strict=True) if s.stage == stage]
        if not running:
            continue
        _, late = await asyncio.wait(running, timeout=bound)
        for task in late:
            log.warning("%s did not stop within %.0f s; cut short", task.get_name(), bound)
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        results.extend(task.exception() if not task.cancelled() else None for task in running)
    leased.set()
    if keeper is not None:
        await keeper
    if lease is not None:
        try:
            await asyncio.to_thread(lease.release)
        except Exception:
            log.exception("releasing this worker's lease failed; it expires on its own")
    await app.aclose()
    for result in results:
        if isinstance(result, Exception):
            log.error("service failed: %r", result)
            raise result
