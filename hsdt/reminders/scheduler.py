"""APScheduler 3 with its job store in our database: one date job per planned reminder.

Jobs survive restarts (the job store is the `apscheduler_jobs` table, created by our migrations).
`sync_jobs()` makes the stored jobs match the calendar: it adds what is missing, moves what changed and
removes what the calendar no longer has; reminders already decided (`fired_reminder`) are never added
again, so a restart neither loses nor repeats them. A reminder whose time passed while no process was
leading still goes out if it is less than `MISFIRE_GRACE` late.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.engine import Engine

from hsdt.reminders import engine as reminder_engine
from hsdt.reminders.calendar import Calendar, Reminder
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.tenant_directory import department_ids
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MISFIRE_GRACE = timedelta(hours=12)


@dataclass
class Runtime:
    """What the stored jobs need at fire time; the scheduler's executor hands it to each job."""

    engine: Engine
    tz: str
    rubrics: RubricCache
    clock: Callable[[], datetime] = utcnow
    on_fired: Callable[[], None] | None = None


def run_reminder(reminder_id: str, tenant: int = DEFAULT_TENANT) -> None:
    """The job function as stored ("hsdt.reminders.scheduler:run_reminder" with the reminder id and its
    campaign's Sở; jobs stored before there were several name none: the first). `RuntimeExecutor` runs
    `fire_reminder` in its place, with the runtime."""
    raise RuntimeError(f"reminder job {reminder_id} ran outside RuntimeExecutor (no runtime)")


def fire_reminder(runtime: Runtime, reminder_id: str, tenant: int = DEFAULT_TENANT) -> None:
    with tenant_scope(tenant):  # decided in its Sở's unit of work, its messages queued in that Sở's outbox
        result = reminder_engine.fire(runtime.engine, reminder_id, runtime.clock(), runtime.tz, runtime.rubrics)
    log.info("reminder job %s: %s", reminder_id, result)
    if runtime.on_fired is not None and result.enqueued:
        runtime.on_fired()


class RuntimeExecutor(AsyncIOExecutor):  # type: ignore[misc]  # APScheduler 3 ships no type information
    """Runs the stored jobs (in the event loop's thread pool) with this process's runtime. The job
    store keeps a job's function by name and its arguments pickled, so an engine or a callback cannot
    be stored with it; they are bound here, when the job runs."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        # The job was loaded from the store for this run, and the store persists `func_ref` (the
        # name), never `func`: binding the runtime changes nothing that is saved.
        if job.func is run_reminder:
            job.func = functools.partial(fire_reminder, self.runtime)
        super()._do_submit_job(job, run_times)


def make_scheduler(engine: Engine, runtime: Runtime) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": RuntimeExecutor(runtime)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
        timezone=UTC,
    )


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    moved: int = 0
    removed: int = 0
    kept: int = 0
    calendar: Calendar | None = None  # the first of `calendars`
    calendars: tuple[Calendar, ...] = ()


def sync_jobs(scheduler: BaseScheduler, engine: Engine, tz: str, now: datetime) -> SyncResult:
    """Make the stored jobs match the calendars of every active campaign (the scheduler must be started).
    A reminder's id names its campaign, so the campaigns' jobs never collide."""
    plan: dict[str, tuple[Reminder, int]] = {}
    calendars: list[Calendar] = []
    # Every Sở's campaigns, each read in its own unit of work (a campaign's id is unique in the database,
    # so the ids of the reminders never collide across Sở either).
    for tenant in department_ids(engine):
        with UnitOfWork(engine, tenant) as uow:
            own = reminder_engine.load_calendars(uow, tz)
            for cal in own:
                fired = uow.reminders.fired_ids(cal.campaign_id)
                plan.update({r.id: (r, tenant) for r in cal.reminders()
                             if r.id not in fired and r.fire_at > now - MISFIRE_GRACE})
            calendars.extend(own)
    added = moved = removed = kept = 0
    for job in scheduler.get_jobs():
        if job.id not in plan:
            scheduler.remove_job(job.id)
            removed += 1
    existing = {job.id: job for job in scheduler.get_jobs()}
    for reminder, tenant in plan.values():
        job = existing.get(reminder.id)
        if job is not None and job.next_run_time == reminder.fire_at and list(job.args) == [reminder.id, tenant]:
            kept += 1
            continue
        scheduler.add_job(run_reminder, DateTrigger(run_date=reminder.fire_at, timezone=UTC),
                          args=[reminder.id, tenant],
                          id=reminder.id, name=f"reminder {reminder.id}", replace_existing=True)
        if job is None:
            added += 1
        else:
            moved += 1
    if added or moved or removed:
        log.info("reminder jobs: %d added, %d moved, %d removed, %d kept", added, moved, removed, kept)
    return SyncResult(added, moved, removed, kept, calendars[0] if calendars else None, tuple(calendars))
