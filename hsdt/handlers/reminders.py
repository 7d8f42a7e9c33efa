"""`/lich` (the campaign calendar, read-only, for everyone), `/tatnhac` and `/batnhac` (mute/unmute)."""

from __future__ import annotations

from datetime import date

from hsdt import texts as messages
from hsdt.actions import reminders as act
from hsdt.events import Reply
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature
from hsdt.reminders.calendar import Calendar
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Role
from hsdt.texts import reminders as msg


def _calendar(ctx: Ctx) -> Calendar | None:
    if ctx.campaign is None or ctx.campaign.id is None:
        return None
    return Calendar.of(ctx.campaign, ctx.uow.reminders.calendar(ctx.campaign.id), ctx.tz.key)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def show_calendar(ctx: Ctx) -> list[Reply]:
    # Writing to the bot proves the chat works again: forget an old "blocked" mark.
    ctx.uow.reminders.unblock_user(stored_id(ctx.user.id))
    cal = _calendar(ctx)
    if cal is None:
        return [Reply(msg.NO_CAMPAIGN)]
    start, end = _day(cal.inspection_start), _day(cal.inspection_end)
    lines = [
        msg.CALENDAR_TITLE,
        msg.CALENDAR_SELF_DUE.format(due=ctx.local(cal.self_assessment_due)),
        msg.CALENDAR_INSPECTION.format(start=start, end=end) if start != end
        else msg.CALENDAR_INSPECTION_ONE_DAY.format(start=start),
        msg.CALENDAR_DEADLINE.format(deadline=ctx.local(cal.deadline)),
        msg.CALENDAR_OFFSETS.format(offsets=", ".join(str(d) for d in cal.offsets_days),
                                    morning=cal.morning_at.strftime("%H:%M")),
        msg.CALENDAR_QUIET.format(start=cal.quiet_start.strftime("%H:%M"), end=cal.quiet_end.strftime("%H:%M")),
    ]
    fired = ctx.uow.reminders.fired_ids(cal.campaign_id)
    upcoming = [r for r in cal.reminders() if r.fire_at > ctx.now and r.id not in fired]
    if upcoming:
        lines.append(msg.CALENDAR_NEXT.format(at=ctx.local(upcoming[0].fire_at)))
    muted = ctx.uow.reminders.is_muted(stored_id(ctx.user.id))
    lines += ["", msg.CALENDAR_MUTED if muted else msg.CALENDAR_UNMUTED]
    return [Reply("\n".join(lines))]


def mute(ctx: Ctx) -> list[Reply]:
    changed = ctx.uow.reminders.mute(stored_id(ctx.user.id))
    if not changed:
        return [Reply(msg.ALREADY_MUTED)]
    deadline = ctx.local(ctx.campaign.deadline) if ctx.campaign is not None else ""
    return [Reply(msg.MUTED.format(deadline=deadline))]


def unmute(ctx: Ctx) -> list[Reply]:
    ctx.uow.reminders.unblock_user(stored_id(ctx.user.id))
    changed = ctx.uow.reminders.unmute(stored_id(ctx.user.id))
    return [Reply(msg.UNMUTED if changed else msg.ALREADY_UNMUTED)]


def on_button(ctx: Ctx) -> list[Reply]:
    if act.Calendar.unpack(ctx.event.payload) is None:
        return [Reply(messages.STALE_BUTTON)]
    return show_calendar(ctx)


feature = Feature(
    name="reminders",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF),
    commands={"/lich": show_calendar, "/tatnhac": mute, "/batnhac": unmute},
    button_prefix=act.PREFIX,
    on_button=on_button,
    command_help=(("lich", msg.CMD_CALENDAR), ("tatnhac", msg.CMD_MUTE), ("batnhac", msg.CMD_UNMUTE)),
)
