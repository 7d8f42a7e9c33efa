"""APScheduler's persistent job store in our database, and the leader election."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.reminders.election import ADVISORY_KEY, FileLeaderLock, PostgresLeaderLock, advisory_key, leader_lock_for
from hsdt.reminders.scheduler import Runtime, make_scheduler, sync_jobs
from hsdt.storage.db import make_engine
from hsdt.storage.models import OutboxMessage
from hsdt.storage.reminder_models import FiredReminder, ReminderCalendar
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import POSTGRES_URL, seed
from tests.present import present
from tests.reminders.conftest import TZ

ZONE = ZoneInfo(TZ)


def calendar_around_now(engine: Engine) -> str:
    """A calendar whose first reminder was due 30 minutes ago and whose others lie days ahead."""
    fire_local = (utcnow() - timedelta(minutes=30)).astimezone(ZONE)
    due = datetime.combine(fire_local.date() + timedelta(days=3), datetime.min.time().replace(hour=23, minute=59),
                           tzinfo=ZONE)
    quiet = (fire_local + timedelta(hours=12)).strftime("%H:%M")
    quiet_end = (fire_local + timedelta(hours=12, minutes=1)).strftime("%H:%M")
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.id is not None
        campaign.self_assessment_due = due
        campaign.deadline = due + timedelta(days=10)
        campaign.inspection_start = campaign.inspection_end = (due + timedelta(days=2)).date()
        uow.session.add(campaign)
        uow.reminders.save_calendar(ReminderCalendar(
            campaign_id=campaign.id, offsets_days=[3, 1], quiet_start=quiet, quiet_end=quiet_end,
            morning_at=fire_local.strftime("%H:%M")), "test")
        principal = present(uow.users.by_code("HT-HOASEN"))
        uow.identities.bind("telegram", "9001", present(principal.id), None)
        return f"c{campaign.id}:sa:{due:%Y%m%d%H%M}:3d"


def counts(engine: Engine) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        return (len(uow.session.exec(select(OutboxMessage)).all()),
                len(uow.session.exec(select(FiredReminder)).all()))


async def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_jobs_survive_a_restart_and_nothing_fires_twice(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    seed(engine, utcnow())
    first_id = calendar_around_now(engine)
    runtime = Runtime(engine, TZ, RubricCache())
    scheduler = make_scheduler(engine, runtime)
    scheduler.start()
    result = sync_jobs(scheduler, engine, TZ, utcnow())
    planned = {job.id for job in scheduler.get_jobs()} | {first_id}
    assert result.added == len(planned) >= 5
    # The reminder 30 minutes late still goes out (within the misfire grace), once.
    await wait_for(lambda: counts(engine) == (1, 1))
    assert first_id not in {job.id for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=True)

    # "Restart": a new scheduler on the same database sees the stored jobs, and repeats nothing.
    restarted = make_scheduler(engine, runtime)
    restarted.start()
    stored = {job.id for job in restarted.get_jobs()}
    assert stored == planned - {first_id}
    again = sync_jobs(restarted, engine, TZ, utcnow())
    assert (again.added, again.moved, again.removed, again.kept) == (0, 0, 0, len(stored))
    await asyncio.sleep(0.5)
    assert counts(engine) == (1, 1)

    # Changing the calendar reschedules: 3,1 days before becomes 2 days before.
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        extra = present(uow.reminders.calendar(present(present(campaign).id)))
        extra.offsets_days = [2]
        uow.reminders.save_calendar(extra, "test")
    changed = sync_jobs(restarted, engine, TZ, utcnow())
    assert changed.added == 2 and changed.removed == 3  # sa/dl 2d in; sa 1d and dl 3d/1d out
    assert {j.id.rsplit(":", 1)[1] for j in restarted.get_jobs()} == {"2d", "morning"}
    restarted.shutdown(wait=True)
    assert counts(engine) == (1, 1)


def test_only_one_elector_wins_and_another_takes_over(engine: Engine) -> None:
    first, second = leader_lock_for(engine), leader_lock_for(engine)
    try:
        assert first.try_acquire()
        assert first.still_held()
        assert not second.try_acquire()
        assert not second.still_held()
        first.release()
        assert second.try_acquire() and second.still_held()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_applications_in_schemas_of_one_database_elect_their_own_leaders(postgres_engine: Engine) -> None:
    """Advisory locks are the database's: the key follows the schema, so a second application (or a
    parallel test run) in its own schema is not kept from leading by the first one's leader."""
    schema = f"hsdt_leader_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    other = make_engine(make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
                        .render_as_string(hide_password=False))
    here, there, rival = leader_lock_for(postgres_engine), leader_lock_for(other), leader_lock_for(postgres_engine)
    try:
        assert here.try_acquire() and there.try_acquire()
        assert here.still_held() and there.still_held()
        assert not rival.try_acquire()  # one leader per schema still
        assert isinstance(here, PostgresLeaderLock) and isinstance(there, PostgresLeaderLock)
        assert here.key != there.key == advisory_key(schema)
    finally:
        for lock in (here, there, rival):
            lock.release()
        other.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    assert advisory_key("public") == ADVISORY_KEY and 0 < advisory_key(schema) < 2**63


def test_the_sqlite_lock_file_lies_next_to_the_database(sqlite_engine: Engine) -> None:
    lock = leader_lock_for(sqlite_engine)
    assert isinstance(lock, FileLeaderLock)
    assert lock.path.name.endswith(".sqlite3.leader.lock")
    assert lock.path.parent == Path(str(sqlite_engine.url.database)).parent


async def test_every_sos_campaigns_are_planned_and_each_reminder_is_decided_in_its_own_so(engine: Engine) -> None:
    from hsdt.services.tenants import create_tenant
    from hsdt.storage.tenancy import tenant_scope

    seed(engine, utcnow())
    first_id = calendar_around_now(engine)
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        seed(engine, utcnow())
        second_id = calendar_around_now(engine)
    assert first_id != second_id  # campaign ids are unique in the database
    runtime = Runtime(engine, TZ, RubricCache())
    scheduler = make_scheduler(engine, runtime)
    scheduler.start()
    try:
        result = sync_jobs(scheduler, engine, TZ, utcnow())
        assert len(result.calendars) == 2
        # Each Sở's overdue reminder goes out once, queued in its own Sở's outbox only.
        await wait_for(lambda: counts(engine) == (1, 1))
        with tenant_scope(hanoi):
            await wait_for(lambda: counts(engine) == (1, 1))
        jobs = {job.id: list(job.args) for job in scheduler.get_jobs()}
        assert jobs and all(args[1] in (1, hanoi) for args in jobs.values())
        assert {args[1] for args in jobs.values()} == {1, hanoi}
        # Planning again keeps every job (its Sở is part of what is compared).
        again = sync_jobs(scheduler, engine, TZ, utcnow())
        assert (again.added, again.moved, again.removed) == (0, 0, 0)
    finally:
        scheduler.shutdown(wait=True)
