"""Queries of the reminders feature: calendar, mutes, blocked chat identities, fired reminders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hsdt.storage.models import ChatIdentity, OutboxMessage
from hsdt.storage.reminder_models import BlockedIdentity, FiredReminder, ReminderCalendar, ReminderMute
from hsdt.storage.types import utcnow


class ReminderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- calendar -------------------------------------------------------------------------------

    def calendar(self, campaign_id: int) -> ReminderCalendar:
        """The campaign's reminder settings; the defaults when nobody changed them yet (not written)."""
        row = self.session.get(ReminderCalendar, campaign_id)
        return row if row is not None else ReminderCalendar(campaign_id=campaign_id, version=0)

    def save_calendar(self, row: ReminderCalendar, updated_by: str | None) -> ReminderCalendar:
        stored = self.session.get(ReminderCalendar, row.campaign_id)
        if stored is None:
            stored = ReminderCalendar(campaign_id=row.campaign_id, version=0)
        stored.offsets_days = list(row.offsets_days)
        stored.quiet_start, stored.quiet_end, stored.morning_at = row.quiet_start, row.quiet_end, row.morning_at
        stored.version += 1
        stored.updated_at = utcnow()
        stored.updated_by = updated_by
        self.session.add(stored)
        self.session.flush()
        return stored

    # --- mutes ----------------------------------------------------------------------------------

    def is_muted(self, user_id: int) -> bool:
        return self.session.get(ReminderMute, user_id) is not None

    def muted(self, user_ids: Iterable[int]) -> set[int]:
        wanted = list(user_ids)
        if not wanted:
            return set()
        rows = self.session.exec(select(ReminderMute.user_id).where(col(ReminderMute.user_id).in_(wanted))).all()
        return set(rows)

    def mute(self, user_id: int) -> bool:
        """True when this changed something."""
        if self.is_muted(user_id):
            return False
        self.session.add(ReminderMute(user_id=user_id))
        self.session.flush()
        return True

    def unmute(self, user_id: int) -> bool:
        row = self.session.get(ReminderMute, user_id)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    # --- reachability ---------------------------------------------------------------------------

    def block(self, identity_id: int, reason: str | None) -> None:
        if self.session.get(BlockedIdentity, identity_id) is None:
            self.session.add(BlockedIdentity(identity_id=identity_id, reason=(reason or "")[:200]))
            self.session.flush()

    def unblock_user(self, user_id: int) -> int:
        """Clears the blocked marks of a user's identities (they wrote to the bot again)."""
        rows = self.session.exec(
            select(BlockedIdentity)
            .join(ChatIdentity, col(ChatIdentity.id) == col(BlockedIdentity.identity_id))
            .where(ChatIdentity.user_id == user_id)
        ).all()
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        return len(rows)

    def reachable_identities(self, user_ids: Iterable[int]) -> dict[int, list[ChatIdentity]]:
        """Chat identities per user, without the blocked ones."""
        wanted = list(user_ids)
        found: dict[int, list[ChatIdentity]] = {uid: [] for uid in wanted}
        if not wanted:
            return found
        blocked = select(BlockedIdentity.identity_id)
        rows = self.session.exec(
            select(ChatIdentity)
            .where(col(ChatIdentity.user_id).in_(wanted), col(ChatIdentity.id).not_in(blocked))
            .order_by(col(ChatIdentity.id))
        ).all()
        for row in rows:
            found[row.user_id].append(row)
        return found

    def reminded_between(self, user_ids: Iterable[int], start: datetime, end: datetime) -> set[int]:
        """Users who got a message from a reminder decided between `start` and `end`."""
        wanted = set(user_ids)
        reminder_ids = self.session.exec(
            select(FiredReminder.reminder_id).where(FiredReminder.fired_at >= start, FiredReminder.fired_at <= end)
        ).all()
        found: set[int] = set()
        for reminder_id in reminder_ids:
            rows = self.session.exec(
                select(OutboxMessage.user_id).where(col(OutboxMessage.dedupe_key).startswith(f"rem:{reminder_id}:"))
            ).all()
            found.update(uid for uid in rows if uid in wanted)
        return found

    # --- fired reminders ------------------------------------------------------------------------

    def fired_ids(self, campaign_id: int) -> set[str]:
        return set(
            self.session.exec(select(FiredReminder.reminder_id).where(FiredReminder.campaign_id == campaign_id)).all()
        )

    def was_fired(self, reminder_id: str) -> bool:
        return self.session.get(FiredReminder, reminder_id) is not None

    def mark_fired(
        self, reminder_id: str, campaign_id: int, at: datetime, recipients: int, detail: dict[str, Any]
    ) -> FiredReminder:
        row = self.session.get(FiredReminder, reminder_id)
        if row is None:
            row = FiredReminder(reminder_id=reminder_id, campaign_id=campaign_id, fired_at=at,
                                recipients=recipients, detail=detail)
        else:
            row.recipients += recipients
        self.session.add(row)
        self.session.flush()
        return row

    def fired(self, campaign_id: int) -> Sequence[FiredReminder]:
        return self.session.exec(
            select(FiredReminder).where(FiredReminder.campaign_id == campaign_id).order_by(col(FiredReminder.fired_at))
        ).all()
