"""`hsdt campaign show|set` (the calendar reminders follow) and `hsdt remind --dry-run`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hsdt.config import Settings
from hsdt.texts import reminders as msg

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from hsdt.reminders.calendar import Calendar
    from hsdt.storage.models import Campaign
    from hsdt.storage.unit_of_work import UnitOfWork


def register_calendar(campaign_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`campaign show` and `campaign set`, under the `campaign` command of `hsdt.cli.campaign`."""
    from hsdt.cli.campaign import add_campaign_option
    from hsdt.texts import campaigns as ct

    add_campaign_option(campaign_sub.add_parser("show", help=ct.HELP_SHOW))
    change = campaign_sub.add_parser("set", help=ct.HELP_SET)
    add_campaign_option(change)
    change.add_argument("--self-due", help=ct.HELP_SELF_DUE)
    change.add_argument("--inspection", help=ct.HELP_INSPECTION)
    change.add_argument("--deadline", help=ct.HELP_DEADLINE)
    change.add_argument("--rescore-due", help=ct.HELP_RESCORE_DUE)
    change.add_argument("--offsets", help=ct.HELP_OFFSETS)
    change.add_argument("--quiet", help=ct.HELP_QUIET)
    change.add_argument("--morning", help=ct.HELP_MORNING)
    change.add_argument("--by", default=None, help=ct.HELP_BY)
    change.add_argument("--rubric-confirmed", action="store_true", help=ct.HELP_RUBRIC_CONFIRMED)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import campaigns as ct

    remind = sub.add_parser("remind", help=ct.HELP_REMIND)
    remind.add_argument("--dry-run", action="store_true", required=True, help=ct.HELP_DRY_RUN)
    remind.add_argument("--at", help=ct.HELP_AT)
    from hsdt.cli.campaign import add_campaign_option

    add_campaign_option(remind)
    remind.set_defaults(handler=cmd_remind)


class InputError(ValueError):
    pass


def parse_local(text: str, tz: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InputError(msg.OP_BAD_MOMENT.format(text=text)) from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InputError(msg.OP_BAD_DAY.format(text=text)) from error


def parse_offsets(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise InputError(msg.OP_BAD_OFFSETS.format(text=text)) from error


def _confirm_rubric(engine: Engine, code: str | None) -> int:
    """`campaign set --rubric-confirmed` alone: the calendar is left as it is."""
    from hsdt.services.campaigns import CampaignError, campaign_to_use
    from hsdt.storage.unit_of_work import UnitOfWork

    try:
        with UnitOfWork(engine) as uow:
            _mark_rubric_confirmed(uow, campaign_to_use(uow, code, none_open=msg.OP_NO_CAMPAIGN))
    except CampaignError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _calendar_of(uow: UnitOfWork, code: str | None, tz: str) -> Calendar:
    """The calendar of the campaign `--campaign` names, or of the one active campaign."""
    from hsdt.reminders.calendar import Calendar
    from hsdt.services.campaigns import campaign_to_use
    from hsdt.storage.keys import stored_id

    campaign = campaign_to_use(uow, code, none_open=msg.OP_NO_CAMPAIGN)
    return Calendar.of(campaign, uow.reminders.calendar(stored_id(campaign.id)), tz)


def _mark_rubric_confirmed(uow: UnitOfWork, campaign: Campaign) -> None:
    """From now on the forms and the web page no longer print the rubric's assumptions."""
    from hsdt.texts import campaigns as ct

    campaign.rubric_confirmed = True
    uow.session.add(campaign)
    rubric = uow.campaigns.rubric_version(campaign.rubric_version_id)
    print(ct.RUBRIC_NOW_CONFIRMED.format(name=rubric.name if rubric else "", version=rubric.version if rubric else "",
                                         code=campaign.code))


def _engine(settings: Settings) -> Engine:
    from hsdt.app.bootstrap import prepare_database

    engine, _ = prepare_database(settings, seed=False)
    return engine


def cmd_campaign(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.reminders.calendar import Calendar, CalendarError, parse_hhmm
    from hsdt.services.campaigns import CampaignError, campaign_to_use
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import campaigns as ct

    engine = _engine(settings)
    tz = settings.timezone
    if args.campaign_command == "show":
        try:
            with UnitOfWork(engine) as uow:
                cal = _calendar_of(uow, args.campaign, tz)
                fired = uow.reminders.fired_ids(cal.campaign_id)
        except CampaignError as error:
            print(error, file=sys.stderr)
            return 1
        print(describe(cal, fired))
        return 0
    calendar_flags = ("self_due", "deadline", "inspection", "offsets", "quiet", "morning", "rescore_due")
    if args.rubric_confirmed and not any(getattr(args, flag) for flag in calendar_flags):
        return _confirm_rubric(engine, args.campaign)
    try:
        with UnitOfWork(engine) as uow:
            try:
                campaign = campaign_to_use(uow, args.campaign, none_open=msg.OP_NO_CAMPAIGN)
            except CampaignError as error:
                raise InputError(str(error)) from error
            assert campaign.id is not None
            if args.rubric_confirmed:
                _mark_rubric_confirmed(uow, campaign)
            extra = uow.reminders.calendar(campaign.id)
            cal = Calendar.of(campaign, extra, tz)
            if args.self_due:
                cal = replace(cal, self_assessment_due=parse_local(args.self_due, tz))
            if args.deadline:
                cal = replace(cal, deadline=parse_local(args.deadline, tz))
            if args.inspection:
                start, sep, end = args.inspection.partition(":")
                cal = replace(cal, inspection_start=parse_day(start), inspection_end=parse_day(end if sep else start))
            if args.offsets:
                cal = replace(cal, offsets_days=tuple(sorted(set(parse_offsets(args.offsets)), reverse=True)))
            if args.quiet:
                start, sep, end = args.quiet.partition("-")
                if not sep:
                    raise InputError(msg.OP_BAD_QUIET.format(text=args.quiet))
                cal = replace(cal, quiet_start=parse_hhmm(start), quiet_end=parse_hhmm(end))
            if args.morning:
                cal = replace(cal, morning_at=parse_hhmm(args.morning))
            cal.validate()
            if args.rescore_due:
                campaign.rescore_due = parse_local(args.rescore_due, tz)
            if not cal.self_assessment_due <= campaign.rescore_due <= cal.deadline:
                raise InputError(ct.BAD_ORDER.format(first=ct.FIELD_RESCORE_DUE, second=ct.FIELD_DEADLINE))
            campaign.self_assessment_due, campaign.deadline = cal.self_assessment_due, cal.deadline
            campaign.inspection_start, campaign.inspection_end = cal.inspection_start, cal.inspection_end
            uow.session.add(campaign)
            extra.offsets_days = list(cal.offsets_days)
            extra.quiet_start, extra.quiet_end = cal.quiet_start.strftime("%H:%M"), cal.quiet_end.strftime("%H:%M")
            extra.morning_at = cal.morning_at.strftime("%H:%M")
            stored = uow.reminders.save_calendar(extra, args.by)
            cal = replace(cal, version=stored.version)
            fired = uow.reminders.fired_ids(cal.campaign_id)
    except (InputError, CalendarError) as error:
        print(msg.OP_NOT_CHANGED.format(error=error), file=sys.stderr)
        return 1
    print(msg.OP_CHANGED)
    print(describe(cal, fired))
    return 0


def describe(cal: Calendar, fired: set[str]) -> str:
    def local(moment: datetime) -> str:
        return moment.astimezone(cal.tz).strftime("%d/%m/%Y %H:%M")

    lines = [
        msg.OP_SELF_DUE.format(at=local(cal.self_assessment_due)),
        msg.OP_INSPECTION.format(start=f"{cal.inspection_start:%d/%m/%Y}", end=f"{cal.inspection_end:%d/%m/%Y}"),
        msg.OP_DEADLINE.format(at=local(cal.deadline)),
        msg.OP_OFFSETS.format(offsets=", ".join(str(d) for d in cal.offsets_days), morning=f"{cal.morning_at:%H:%M}"),
        msg.OP_QUIET.format(start=f"{cal.quiet_start:%H:%M}", end=f"{cal.quiet_end:%H:%M}", tz=cal.tz.key),
        msg.OP_PLANNED,
    ]
    for reminder in cal.reminders():
        state = msg.OP_SENT if reminder.id in fired else msg.OP_WAITING
        lines.append(f"  {local(reminder.fire_at)}  {reminder.id:<40} {state}")
    return "\n".join(lines)


def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.reminders.engine import decide
    from hsdt.services.campaigns import CampaignError
    from hsdt.storage.rubrics import RubricCache
    from hsdt.storage.types import utcnow
    from hsdt.storage.unit_of_work import UnitOfWork

    engine = _engine(settings)
    try:
        now = parse_local(args.at, settings.timezone) if args.at else utcnow()
    except InputError as error:
        print(error, file=sys.stderr)
        return 1
    with UnitOfWork(engine) as uow:
        try:
            cal = _calendar_of(uow, args.campaign, settings.timezone)
        except CampaignError as error:
            print(error, file=sys.stderr)
            return 1
        planned = cal.reminders()
        past = [r for r in planned if r.fire_at <= now]
        reminder = past[-1] if past else (planned[0] if planned else None)
        if reminder is None:
            print(msg.OP_NO_REMINDERS)
            return 0
        decision = decide(uow, cal, reminder, now, RubricCache())
        already = uow.reminders.was_fired(reminder.id)
        uow.session.rollback()  # a dry run writes nothing
    local_now = now.astimezone(cal.tz).strftime("%d/%m/%Y %H:%M")
    print(msg.OP_DRY_RUN.format(now=local_now, id=reminder.id,
                                planned=f"{reminder.fire_at.astimezone(cal.tz):%d/%m/%Y %H:%M}",
                                sent=msg.OP_DRY_RUN_SENT if already else ""))
    if cal.in_quiet_hours(now):
        print(msg.OP_IN_QUIET.format(at=f"{cal.not_before(now).astimezone(cal.tz):%d/%m/%Y %H:%M}"))
    sections = ((msg.OP_WILL_REMIND, decision.send), (msg.OP_MUTED, decision.muted),
                (msg.OP_UNREACHABLE, decision.unreachable))
    for title, notices in sections:
        print(f"{title}: {len(notices)}")
        for notice in notices:
            print(f"  {notice.user_code:<14} {notice.role:<15} {notice.why}")
    return 0
