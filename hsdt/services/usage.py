"""Outbound messages counted per channel and month, and the operators warned once when a channel's
monthly plan (Zalo's free plan: 3,000 messages) is 80% used.

Called inside the transactions that already record a send (the confirmation of a turn, an outbox row
marked sent), so a count is never written on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from hsdt.events import Reply
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts

log = logging.getLogger(__name__)
WARN_AT = 0.8
OUTBOX_KIND = "quota"


def month_of(now: datetime, tz: ZoneInfo) -> str:
    """The plan's month: the local calendar month ("2026-12")."""
    return now.astimezone(tz).strftime("%Y-%m")


def record_sent(uow: UnitOfWork, channel: str, messages: int, now: datetime, tz: ZoneInfo,
                quotas: Mapping[str, int]) -> int:
    """Adds `messages` to this month's count of `channel`; returns the new count (0 when nothing was sent)."""
    if messages <= 0:
        return 0
    month = month_of(now, tz)
    count = uow.usage.add(channel, month, messages)
    quota = quotas.get(channel, 0)
    if quota > 0 and count >= WARN_AT * quota and uow.usage.claim_warning(channel, month, now):
        _warn(uow, channel, month, count, quota)
    return count


def _warn(uow: UnitOfWork, channel: str, month: str, count: int, quota: int) -> None:
    log.warning("%s: %d of the %d messages of %s's plan used; the Sở staff are told", channel, count, quota, month)
    year, number = month.split("-")
    notice = Reply(texts.QUOTA_WARNING.format(sent=f"{count:,}".replace(",", "."), quota=f"{quota:,}".replace(",", "."),
                                              month=f"{number}/{year}", percent=count * 100 // quota))
    for user_id in uow.usage.operators():
        uow.outbox.enqueue(user_id, [notice.to_json()], kind=OUTBOX_KIND,
                           dedupe_key=f"{OUTBOX_KIND}:{channel}:{month}:{user_id}")
