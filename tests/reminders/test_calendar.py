"""The calendar and the reminders it implies (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hsdt.reminders.calendar import Calendar, CalendarError, ReminderKind
from hsdt.texts.reminders import remaining

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def notice_calendar() -> Calendar:
    return Calendar(campaign_id=1, self_assessment_due=local(2024, 12, 29, 23, 59),
                    inspection_start=date(2024, 12, 30), inspection_end=date(2024, 12, 31),
                    deadline=local(2025, 1, 6, 23, 59), tz=TZ)


def test_default_plan_follows_the_notice() -> None:
    plan = [(r.kind, r.fire_at.astimezone(TZ).strftime("%d/%m %H:%M")) for r in notice_calendar().reminders()]
    assert plan == [
        (ReminderKind.SELF_ASSESSMENT, "22/12 08:00"),
        (ReminderKind.SELF_ASSESSMENT, "26/12 08:00"),
        (ReminderKind.SELF_ASSESSMENT, "28/12 08:00"),
        (ReminderKind.FINAL_DEADLINE, "30/12 08:00"),
        (ReminderKind.INSPECTION_DAY, "30/12 08:00"),
        (ReminderKind.INSPECTION_DAY, "31/12 08:00"),
        (ReminderKind.FINAL_DEADLINE, "03/01 08:00"),
        (ReminderKind.FINAL_DEADLINE, "05/01 08:00"),
    ]
    ids = [r.id for r in notice_calendar().reminders()]
    assert len(set(ids)) == len(ids) and ids == [r.id for r in notice_calendar().reminders()]


def test_moving_a_due_date_makes_new_reminder_ids() -> None:
    before = {r.id for r in notice_calendar().reminders()}
    moved = replace(notice_calendar(), self_assessment_due=local(2024, 12, 28, 17, 0))
    after = {r.id for r in moved.reminders()}
    assert {i for i in after - before if ":sa:" in i} and not {i for i in after - before if ":dl:" in i}


def test_quiet_hours_defer_to_their_end() -> None:
    cal = notice_calendar()
    assert cal.in_quiet_hours(local(2024, 12, 22, 21, 0)) and cal.in_quiet_hours(local(2024, 12, 23, 6, 59))
    assert not cal.in_quiet_hours(local(2024, 12, 22, 7, 0)) and not cal.in_quiet_hours(local(2024, 12, 22, 20, 59))
    assert cal.not_before(local(2024, 12, 22, 22, 30)) == local(2024, 12, 23, 7, 0)
    assert cal.not_before(local(2024, 12, 23, 3, 0)) == local(2024, 12, 23, 7, 0)
    assert cal.not_before(local(2024, 12, 23, 9, 0)) == local(2024, 12, 23, 9, 0)
    # Quiet hours inside one day work too.
    lunch = replace(cal, quiet_start=time(11, 30), quiet_end=time(13, 30))
    assert lunch.not_before(local(2024, 12, 23, 12, 0)) == local(2024, 12, 23, 13, 30)


def test_a_reminder_planned_in_quiet_hours_goes_out_when_they_end() -> None:
    early = replace(notice_calendar(), morning_at=time(6, 0))
    assert {r.fire_at.astimezone(TZ).time() for r in early.reminders()} == {time(7, 0)}
    with pytest.raises(CalendarError):
        early.validate()


@pytest.mark.parametrize("change", [
    {"self_assessment_due": local(2025, 1, 8, 0, 0)},
    {"inspection_start": date(2025, 1, 2)},
    {"offsets_days": (0,)},
    {"offsets_days": ()},
    {"quiet_start": time(7, 0)},
])
def test_invalid_calendars_are_refused(change: dict[str, Any]) -> None:
    # Each case sets one field to a value of that field's own type (Any: the cases mix the fields).
    with pytest.raises(CalendarError):
        replace(notice_calendar(), **change).validate()


def test_remaining_time_reads_naturally() -> None:
    assert remaining(7 * 86400 + 15 * 3600 + 59 * 60) == "còn 7 ngày 15 giờ"
    assert remaining(3 * 3600 + 20 * 60) == "còn 3 giờ 20 phút"
    assert remaining(86400) == "còn 1 ngày"
    assert remaining(-2 * 3600) == "đã quá hạn 2 giờ"
