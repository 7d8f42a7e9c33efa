"""Zalo's message windows for an OA (pure functions of the user's last interaction and the clock).

* Within `free_window` (48 h) of the user's last interaction, consultation messages are free
  (`free_per_interaction` of them under the older rule, 8; unlimited since 2026 by later quotes).
* Within `consultation_window` (7 days), consultation messages still reach the user but count
  against the OA's quota.
* Beyond that Zalo refuses them (-230): a transaction message (06:00-21:59 local only), another
  channel, or the user is reported unreachable.

An interaction is a message the user sent, a follow, a "chat now" click or submitted info (what
`events.*.is_interaction` says); the channel records it with `ZaloOARepository.record_interaction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hsdt.channels.zalo_oa.settings import ZaloOASettings


class Route(StrEnum):
    FREE = "free"  # a consultation message, free
    QUOTA = "quota"  # a consultation message counted against the OA's quota
    TRANSACTION = "transaction"  # outside the consultation window: transaction message or another channel


@dataclass(frozen=True)
class WindowPolicy:
    tz: ZoneInfo
    consultation_window: timedelta = timedelta(days=7)
    free_window: timedelta = timedelta(hours=48)
    free_per_interaction: int | None = None
    transaction_start_hour: int = 6
    transaction_end_hour: int = 22

    @classmethod
    def from_settings(cls, settings: ZaloOASettings, tz: ZoneInfo) -> WindowPolicy:
        return cls(tz, settings.consultation_window, settings.free_window, settings.free_messages_per_interaction,
                   settings.transaction_start_hour, settings.transaction_end_hour)


def route_for(last_interaction: datetime | None, free_sent: int, now: datetime, policy: WindowPolicy) -> Route:
    """How a message to this user can go now. `free_sent`: free messages sent since the interaction."""
    if last_interaction is None:
        return Route.TRANSACTION
    silent = now - last_interaction
    if silent <= policy.free_window and (policy.free_per_interaction is None
                                         or free_sent < policy.free_per_interaction):
        return Route.FREE
    if silent <= policy.consultation_window:
        return Route.QUOTA
    return Route.TRANSACTION


def transaction_open(now: datetime, policy: WindowPolicy) -> bool:
    """Transaction messages go out only in the day (06:00-21:59 local by default)."""
    hour = now.astimezone(policy.tz).hour
    return policy.transaction_start_hour <= hour < policy.transaction_end_hour


def next_transaction_time(now: datetime, policy: WindowPolicy) -> datetime:
    """`now` if a transaction message may go now, else the next opening (local start hour), as UTC-aware."""
    if transaction_open(now, policy):
        return now
    local = now.astimezone(policy.tz)
    day = local.date() if local.hour < policy.transaction_start_hour else local.date() + timedelta(days=1)
    opening = datetime.combine(day, time(policy.transaction_start_hour), policy.tz)
    return opening.astimezone(now.tzinfo)
