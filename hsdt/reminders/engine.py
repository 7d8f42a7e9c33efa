"""Deciding a reminder: who gets what, written as outbox rows in one transaction.

`fire()` is what the scheduler's job runs; tests call it directly with a controllable clock.
The unique `dedupe_key` "rem:{reminder}:{user}" of the outbox rows is the sent-log: a reminder
decided twice (two schedulers, a crash before the job store noticed) still reaches a user once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt.reminders.calendar import Calendar, Reminder
from hsdt.reminders.recipients import Audience, Notice, load_progress
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
OUTBOX_KIND = "reminder"
OUTBOX_KIND_FINAL = "reminder_final"


def dedupe_key(reminder_id: str, user_id: int) -> str:
    return f"rem:{reminder_id}:{user_id}"


def load_calendar(uow: UnitOfWork, tz: str, campaign_id: int | None = None) -> Calendar | None:
    """The calendar of active campaign `campaign_id` (None: of the newest active campaign); None when
    that campaign is not active."""
    campaign = uow.campaigns.active() if campaign_id is None else uow.campaigns.get(campaign_id)
    if campaign is None or campaign.id is None or not campaign.active:
        return None
    return Calendar.of(campaign, uow.reminders.calendar(campaign.id), tz)


def load_calendars(uow: UnitOfWork, tz: str) -> list[Calendar]:
    """Every active campaign's calendar: campaigns run side by side, each reminding on its own dates."""
    return [Calendar.of(c, uow.reminders.calendar(c.id), tz) for c in uow.campaigns.active_all() if c.id is not None]


def campaign_of(reminder_id: str) -> int | None:
    """The campaign a reminder belongs to, read from its id ("c12:self_due:…", see `Calendar`)."""
    head = reminder_id.split(":", 1)[0]
    return int(head[1:]) if head.startswith("c") and head[1:].isdigit() else None


@dataclass
class Decision:
    """Who owes work for one reminder at one moment, split by what happens to them."""

    reminder: Reminder
    send: list[Notice] = field(default_factory=list)
    muted: list[Notice] = field(default_factory=list)
    unreachable: list[Notice] = field(default_factory=list)  # never enrolled, or blocked the bot
    already_today: list[Notice] = field(default_factory=list)  # one reminder a day is enough


def decide(uow: UnitOfWork, cal: Calendar, reminder: Reminder, now: datetime, rubrics: RubricCache) -> Decision:
    campaign = uow.campaigns.get(cal.campaign_id)
    assert campaign is not None
    rubric = rubrics.for_campaign(uow, campaign)
    progress = load_progress(uow, cal.campaign_id, len(rubric.criteria))
    # With several campaigns running, each reminder names its own (a user may take part in more than one).
    named = campaign if len(uow.campaigns.active_all()) > 1 else None
    notices = Audience(uow, cal, progress, now, named).notices(reminder)
    user_ids = [n.user_id for n in notices]
    muted = uow.reminders.muted(user_ids) if reminder.mutable else set()
    reachable = uow.reminders.reachable_identities(user_ids)
    day_start = datetime.combine(cal.local_day(now), time(0, 0), tzinfo=cal.tz)
    reminded_today = uow.reminders.reminded_between(user_ids, day_start.astimezone(UTC), now)
    decision = Decision(reminder)
    for notice in notices:
        if notice.user_id in reminded_today:
            decision.already_today.append(notice)
        elif notice.user_id in muted:
            decision.muted.append(notice)
        elif not reachable.get(notice.user_id):
            decision.unreachable.append(notice)
        else:
            decision.send.append(notice)
    return decision


@dataclass(frozen=True)
class FireResult:
    reminder_id: str
    status: str  # "sent" | "already" | "obsolete" | "no-campaign"
    enqueued: int = 0
    muted: int = 0
    unreachable: int = 0


def fire(engine: Engine, reminder_id: str, now: datetime, tz: str, rubrics: RubricCache) -> FireResult:
    """Decide one reminder now and queue its messages (idempotent)."""
    try:
        return _fire(engine, reminder_id, now, tz, rubrics)
    except IntegrityError:
        # Another scheduler decided the same reminder at the same moment and committed first.
        log.info("reminder %s decided concurrently elsewhere", reminder_id)
        return FireResult(reminder_id, "already")


def _fire(engine: Engine, reminder_id: str, now: datetime, tz: str, rubrics: RubricCache) -> FireResult:
    with UnitOfWork(engine) as uow:
        # The reminder's own campaign: another active campaign's calendar never decides it.
        cal = load_calendar(uow, tz, campaign_of(reminder_id))
        if cal is None:
            return FireResult(reminder_id, "no-campaign")
        reminder = cal.find(reminder_id)
        if reminder is None:
            # The calendar changed after the job was stored; the new plan has its own jobs.
            log.info("reminder %s is no longer in the calendar; skipped", reminder_id)
            return FireResult(reminder_id, "obsolete")
        if uow.reminders.was_fired(reminder_id):
            return FireResult(reminder_id, "already")
        decision = decide(uow, cal, reminder, now, rubrics)
        not_before = cal.not_before(now)
        kind = OUTBOX_KIND if reminder.mutable else OUTBOX_KIND_FINAL
        enqueued = 0
        for notice in decision.send:
            row = uow.outbox.enqueue(notice.user_id, [notice.reply.to_json()], kind=kind,
                                     dedupe_key=dedupe_key(reminder_id, notice.user_id), not_before=not_before)
            enqueued += row is not None
        uow.reminders.mark_fired(reminder_id, cal.campaign_id, now, enqueued, {
            "muted": len(decision.muted), "unreachable": len(decision.unreachable),
            "already_today": len(decision.already_today)})
    log.info("reminder %s: %d queued, %d muted, %d unreachable", reminder_id, enqueued, len(decision.muted),
             len(decision.unreachable))
    return FireResult(reminder_id, "sent", enqueued, len(decision.muted), len(decision.unreachable))
