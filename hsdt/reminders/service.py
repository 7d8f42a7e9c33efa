"""The reminders service of `hsdt run`: elect one leader, which schedules reminders and delivers the outbox.

Every worker runs this; only the holder of the leader lock schedules and sends. The others retry the
lock now and then, so one takes over within `leader_retry_s` when the leader stops or dies. The
host (the bot's composition root) provides the engine, the settings and the outbox delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from hsdt.reminders.calendar import Calendar
from hsdt.reminders.election import LeaderLock, leader_lock_for
from hsdt.reminders.engine import OUTBOX_KIND, OUTBOX_KIND_FINAL
from hsdt.reminders.scheduler import Runtime, make_scheduler, sync_jobs
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.tenancy import tenant_scope
from hsdt.storage.types import utcnow

log = logging.getLogger(__name__)
REMINDER_KINDS = (OUTBOX_KIND, OUTBOX_KIND_FINAL)
HoldFn = Callable[[str, datetime], datetime | None]


class Delivery(Protocol):
    hold: HoldFn | None

    def wake(self) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...


class Host(Protocol):
    engine: Engine
    settings: Any  # timezone, reminder_sync_s, leader_retry_s, reminders_enabled, can_push

    @property
    def rubrics(self) -> RubricCache: ...

    def outbox_delivery(self) -> Delivery: ...


def quiet_hours_hold(cal: Calendar | Sequence[Calendar] | None) -> HoldFn:
    """Reminders due during quiet hours wait for their end; other outbox messages are not held. With the
    calendars of several campaigns, a reminder waits while any of them is quiet (the quiet hours are
    the Sở's, and a reminder row does not say its campaign)."""
    calendars: Sequence[Calendar] = () if cal is None else (cal,) if isinstance(cal, Calendar) else cal

    def hold(kind: str, now: datetime) -> datetime | None:
        if kind not in REMINDER_KINDS:
            return None
        quiet = [c.not_before(now) for c in calendars if c.in_quiet_hours(now)]
        return max(quiet) if quiet else None

    return hold


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def enabled(settings: Any) -> bool:
    """On when reminders are wanted and at least one channel can push messages."""
    return bool(settings.reminders_enabled and settings.can_push)


async def run(app: Host, stop: asyncio.Event) -> None:
    settings = app.settings
    lock = leader_lock_for(app.engine)
    while not stop.is_set():
        if await asyncio.to_thread(lock.try_acquire):
            log.info("this process leads the reminders and outbox delivery")
            try:
                await lead(app, stop, lock)
            finally:
                await asyncio.to_thread(lock.release)
        await _sleep_or_stop(stop, settings.leader_retry_s)


async def lead(app: Host, stop: asyncio.Event, lock: LeaderLock) -> None:
    settings = app.settings
    loop = asyncio.get_running_loop()
    delivery = app.outbox_delivery()
    def wake() -> None:
        loop.call_soon_threadsafe(delivery.wake)

    scheduler = make_scheduler(app.engine, Runtime(app.engine, settings.timezone, app.rubrics, on_fired=wake))
    scheduler.start()
    stop_delivery = asyncio.Event()
    delivery_task = asyncio.create_task(delivery.run(stop_delivery), name="outbox-delivery")
    # The other Sở's outboxes (their upload results, operator notices) go out through their own channels,
    # each delivery run in its Sở's scope. The scheduled reminders are the first Sở's.
    others: list[asyncio.Task[None]] = []
    for tenant, own in getattr(app, "tenant_outbox_deliveries", list)():
        with tenant_scope(tenant):
            others.append(asyncio.create_task(own.run(stop_delivery), name=f"outbox-delivery-{tenant}"))
    try:
        while not stop.is_set():
            result = await asyncio.to_thread(sync_jobs, scheduler, app.engine, settings.timezone, utcnow())
            delivery.hold = quiet_hours_hold(result.calendars)
            await _sleep_or_stop(stop, settings.reminder_sync_s)
            if not await asyncio.to_thread(lock.still_held):
                log.warning("leadership lost; stopping the scheduler and the delivery")
                break
            if delivery_task.done():
                delivery_task.result()  # surfaces a crash of the delivery loop
    finally:
        stop_delivery.set()  # tells the delivery to finish its in-flight sends and return
        scheduler.shutdown(wait=False)
        await asyncio.gather(delivery_task, *others, return_exceptions=True)
