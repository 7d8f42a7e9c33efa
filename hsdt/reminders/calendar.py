"""The campaign calendar and the reminders it implies. Pure: no I/O, every time is aware.

A reminder's id names its target date, so moving a due date makes new reminders (people are told
about the new date), while the same calendar always yields the same ids (never sent twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hsdt.storage.models import Campaign
from hsdt.storage.reminder_models import DEFAULT_OFFSETS, ReminderCalendar
from hsdt.texts import reminders as msg


class ReminderKind(StrEnum):
    SELF_ASSESSMENT = "sa"  # N days before the self-assessment is due
    INSPECTION_DAY = "insp"  # the morning of each inspection day (with the Sở's daily digest)
    FINAL_DEADLINE = "dl"  # N days before the final deadline; cannot be muted


MUTABLE_KINDS = frozenset({ReminderKind.SELF_ASSESSMENT, ReminderKind.INSPECTION_DAY})


class CalendarError(ValueError):
    """A calendar that cannot work; the message is Vietnamese, for the operator."""


def parse_hhmm(text: str) -> time:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise CalendarError(msg.CAL_BAD_TIME.format(text=text))
    value = (int(hours), int(minutes))
    if not (0 <= value[0] <= 23 and 0 <= value[1] <= 59):
        raise CalendarError(msg.CAL_INVALID_TIME.format(text=text))
    return time(*value)


@dataclass(frozen=True)
class Calendar:
    campaign_id: int
    self_assessment_due: datetime
    inspection_start: date
    inspection_end: date
    deadline: datetime
    tz: ZoneInfo
    offsets_days: tuple[int, ...] = tuple(DEFAULT_OFFSETS)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    morning_at: time = time(8, 0)
    version: int = 0

    @classmethod
    def of(cls, campaign: Campaign, extra: ReminderCalendar, tz: str) -> Calendar:
        assert campaign.id is not None
        return cls(
            campaign_id=campaign.id,
            self_assessment_due=campaign.self_assessment_due,
            inspection_start=campaign.inspection_start,
            inspection_end=campaign.inspection_end,
            deadline=campaign.deadline,
            tz=ZoneInfo(tz),
            offsets_days=tuple(sorted({int(d) for d in extra.offsets_days}, reverse=True)),
            quiet_start=parse_hhmm(extra.quiet_start),
            quiet_end=parse_hhmm(extra.quiet_end),
            morning_at=parse_hhmm(extra.morning_at),
            version=extra.version,
        )

    def validate(self) -> None:
        if self.self_assessment_due > self.deadline:
            raise CalendarError(msg.CAL_SELF_AFTER_DEADLINE)
        if self.inspection_start > self.inspection_end:
            raise CalendarError(msg.CAL_INSPECTION_ORDER)
        if (self.inspection_end - self.inspection_start).days > 31:
            raise CalendarError(msg.CAL_TOO_LONG)
        if not self.offsets_days or any(not 0 < d <= 60 for d in self.offsets_days):
            raise CalendarError(msg.CAL_OFFSETS_RANGE)
        if self.quiet_start == self.quiet_end:
            raise CalendarError(msg.CAL_QUIET_SAME)
        if self.in_quiet_hours(self._local_at(self.inspection_start, self.morning_at)):
            raise CalendarError(msg.CAL_MORNING_QUIET)

    # --- quiet hours ----------------------------------------------------------------------------

    def in_quiet_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.quiet_start < self.quiet_end:  # e.g. 12:00-13:00
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end  # across midnight, e.g. 21:00-07:00

    def not_before(self, moment: datetime) -> datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        if not self.in_quiet_hours(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), self.quiet_end, tzinfo=self.tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.quiet_end, tzinfo=self.tz)
        return end.astimezone(UTC)

    # --- the plan -------------------------------------------------------------------------------

    def _local_at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz).astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def inspection_days(self) -> list[date]:
        count = (self.inspection_end - self.inspection_start).days + 1
        return [self.inspection_start + timedelta(days=i) for i in range(max(0, count))]

    def reminders(self) -> list[Reminder]:
        planned: list[Reminder] = []
        for kind, due in (
            (ReminderKind.SELF_ASSESSMENT, self.self_assessment_due),
            (ReminderKind.FINAL_DEADLINE, self.deadline),
        ):
            due_day = self.local_day(due)
            for days in self.offsets_days:
                fire_at = self.not_before(self._local_at(due_day - timedelta(days=days), self.morning_at))
                if fire_at < due:
                    planned.append(self._reminder(kind, due, f"{days}d", fire_at))
        for day in self.inspection_days():
            planned.append(
                self._reminder(ReminderKind.INSPECTION_DAY, self._local_at(day, time(23, 59)), "morning",
                               self.not_before(self._local_at(day, self.morning_at)))
            )
        return sorted(planned, key=lambda r: (r.fire_at, r.id))

    def _reminder(self, kind: ReminderKind, due: datetime, label: str, fire_at: datetime) -> Reminder:
        stamp = due.astimezone(self.tz).strftime("%Y%m%d%H%M")
        return Reminder(id=f"c{self.campaign_id}:{kind}:{stamp}:{label}", kind=kind, due=due, fire_at=fire_at,
                        campaign_id=self.campaign_id)

    def find(self, reminder_id: str) -> Reminder | None:
        return next((r for r in self.reminders() if r.id == reminder_id), None)


@dataclass(frozen=True)
class Reminder:
    id: str
    kind: ReminderKind
    due: datetime  # what it reminds of: a due date, or the end of an inspection day
    fire_at: datetime
    campaign_id: int

    @property
    def mutable(self) -> bool:
        return self.kind in MUTABLE_KINDS
