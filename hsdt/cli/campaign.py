"""`hsdt campaign new|list|use|close` (campaigns as data) and `show|set` (the calendar reminders follow)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hsdt.cli import reminders
from hsdt.config import Settings
from hsdt.texts import campaigns as ct

if TYPE_CHECKING:
    from hsdt.storage.models import Campaign
    from hsdt.storage.unit_of_work import UnitOfWork

PRESET_2024 = "2024-2025"
PRESET_CURRENT = "current"


def add_campaign_option(parser: argparse.ArgumentParser) -> None:
    """`--campaign CODE`: the campaign a command works in, needed only while several are active."""
    parser.add_argument("--campaign", metavar="MÃ", default=None, help=ct.HELP_WHICH)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts.levels import Structure

    campaign = sub.add_parser("campaign", help=ct.HELP_CAMPAIGN)
    campaign.set_defaults(handler=cmd_campaign)
    campaign_sub = campaign.add_subparsers(dest="campaign_command", required=True)
    new = campaign_sub.add_parser("new", help=ct.HELP_NEW)
    new.add_argument("--preset", choices=(PRESET_2024, PRESET_CURRENT), help=ct.HELP_PRESET)
    new.add_argument("--code", help=ct.HELP_CODE)
    new.add_argument("--name", help=ct.HELP_NAME)
    new.add_argument("--school-year", help=ct.HELP_SCHOOL_YEAR)
    new.add_argument("--record-period", help=ct.HELP_RECORD)
    new.add_argument("--self-due", help=ct.HELP_SELF_DUE)
    new.add_argument("--rescore-due", help=ct.HELP_RESCORE_DUE)
    new.add_argument("--inspection", help=ct.HELP_INSPECTION)
    new.add_argument("--deadline", help=ct.HELP_DEADLINE)
    new.add_argument("--rubric", type=Path, help=ct.HELP_RUBRIC)
    new.add_argument("--notice-no", help=ct.HELP_NOTICE_NO)
    new.add_argument("--notice-date", help=ct.HELP_NOTICE_DATE)
    new.add_argument("--issuer", help=ct.HELP_ISSUER)
    new.add_argument("--issuer-parent", help=ct.HELP_ISSUER_PARENT)
    new.add_argument("--place", help=ct.HELP_PLACE)
    new.add_argument("--structure", choices=[s.value for s in Structure], help=ct.HELP_STRUCTURE)
    new.add_argument("--copy-from", metavar="CODE", help=ct.HELP_COPY_FROM)
    campaign_sub.add_parser("list", help=ct.HELP_LIST)
    use = campaign_sub.add_parser("use", help=ct.HELP_USE)
    use.add_argument("code", help=ct.HELP_CODE)
    use.add_argument("--reopen", action="store_true", help=ct.HELP_REOPEN)
    close = campaign_sub.add_parser("close", help=ct.HELP_CLOSE)
    close.add_argument("code", help=ct.HELP_CODE)
    pause = campaign_sub.add_parser("pause", help=ct.HELP_PAUSE)
    pause.add_argument("code", help=ct.HELP_CODE)
    reminders.register_calendar(campaign_sub)


def cmd_campaign(args: argparse.Namespace, settings: Settings) -> int:
    if args.campaign_command in ("show", "set"):
        return reminders.cmd_campaign(args, settings)
    from hsdt.app.bootstrap import prepare_database
    from hsdt.services.campaigns import CampaignError, close_campaign, pause_campaign, use_campaign
    from hsdt.storage.unit_of_work import UnitOfWork

    engine, _ = prepare_database(settings, seed=False)
    try:
        with UnitOfWork(engine) as uow:
            if args.campaign_command == "list":
                rows = uow.campaigns.all()
                if not rows:
                    print(ct.LIST_EMPTY)
                    return 0
                print(ct.LIST_HEADER)
                for row in rows:
                    status = ct.STATUS_ACTIVE if row.active else (
                        ct.STATUS_CLOSED if row.closed_at is not None else ct.STATUS_INACTIVE)
                    print(ct.LIST_ROW.format(code=row.code, school_year=row.school_year, status=status,
                                             name=row.name))
                return 0
            if args.campaign_command == "use":
                chosen = use_campaign(uow, args.code, reopen=args.reopen)
                print(ct.USED.format(code=chosen.code))
                print(describe(uow, chosen, settings.timezone))
                return 0
            if args.campaign_command == "pause":
                paused = pause_campaign(uow, args.code)
                print(ct.PAUSED.format(code=paused.code))
                return 0
            if args.campaign_command == "close":
                closed = close_campaign(uow, args.code)
                print(ct.CLOSED.format(code=closed.code))
                return 0
            return _new(uow, args, settings)
    except CampaignError as error:
        print(ct.NOT_CREATED.format(error=error) if args.campaign_command == "new" else str(error), file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _new(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from hsdt.scoring import RUBRIC_2024_2025, bundled_rubric_path, default_rubric_path, load_rubric_text
    from hsdt.services.campaigns import (
        CampaignError,
        install_rubric,
        notice_2024,
        open_campaign,
        parse_school_year,
        plan_for_school_year,
        school_year_start,
    )
    from hsdt.texts.levels import Structure

    tz = settings.timezone
    start: int | None = parse_school_year(args.school_year) if args.school_year else None
    if args.preset == PRESET_2024:
        plan = notice_2024(tz)
    elif args.preset == PRESET_CURRENT or start is not None:
        plan = plan_for_school_year(start if start is not None else school_year_start(date.today()), tz)
    else:
        raise CampaignError(ct.MISSING_FIELD.format(what="--school-year"))
    if start is not None and plan.school_year != f"{start}-{start + 1}":
        plan = plan_for_school_year(start, tz)
    changes: dict[str, Any] = {}  # field name -> new value, of that field's type
    if args.code:
        changes["code"] = args.code.strip()
    if args.name:
        changes["name"] = args.name.strip()
    if args.record_period:
        changes["record_start"], changes["record_end"] = _day_range(args.record_period)
    if args.inspection:
        changes["inspection_start"], changes["inspection_end"] = _day_range(args.inspection)
    for flag, field_name in (("self_due", "self_assessment_due"), ("rescore_due", "rescore_due"),
                             ("deadline", "deadline")):
        value = getattr(args, flag)
        if value:
            changes[field_name] = _moment(value, tz)
    if args.notice_no:
        changes["notice_no"] = args.notice_no.strip()
    if args.notice_date:
        changes["notice_date"] = _day(args.notice_date)
    for flag in ("issuer", "issuer_parent", "place"):
        value = getattr(args, flag)
        if value:
            changes[flag] = value.strip()
    if args.structure:
        changes["structure"] = Structure(args.structure)
    plan = replace(plan, **changes)
    # The 2024-2025 preset reproduces that campaign exactly, so it takes the rubric it was opened with.
    preset_rubric = bundled_rubric_path(RUBRIC_2024_2025) if args.preset == PRESET_2024 else None
    rubric_path = args.rubric or preset_rubric or settings.rubric or default_rubric_path()
    try:
        source = Path(rubric_path).read_text(encoding="utf-8")
        rubric = load_rubric_text(source, source=str(rubric_path))
    except Exception as error:  # a missing file, bad YAML or a rubric that fails validation
        raise CampaignError(ct.RUBRIC_UNREADABLE.format(path=rubric_path, error=error)) from error
    copy_from = None
    if args.copy_from:
        copy_from = uow.campaigns.by_code(args.copy_from)
        if copy_from is None:
            raise CampaignError(ct.NO_SUCH_CAMPAIGN.format(code=args.copy_from))
    levels = None
    if copy_from is not None and args.structure:
        from hsdt.texts.levels import STRUCTURES

        levels = STRUCTURES[Structure(args.structure)]
    campaign, copied = open_campaign(uow, plan, install_rubric(uow, rubric, source), copy_from=copy_from,
                                     levels=levels)
    print(ct.CREATED.format(code=campaign.code, name=campaign.name))
    if copy_from is not None:
        print(ct.COPIED.format(units=copied, source=copy_from.code))
    print(describe(uow, campaign, tz))
    print(ct.NOW_ACTIVE.format(code=campaign.code, school_year=campaign.school_year))
    return 0


def describe(uow: UnitOfWork, campaign: Campaign, tz: str) -> str:
    zone = ZoneInfo(tz)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    levels = uow.levels.of_campaign(campaign.id)
    rubric = uow.campaigns.rubric_version(campaign.rubric_version_id)
    return ct.DETAILS.format(
        school_year=campaign.school_year,
        record_start=f"{campaign.record_start:%d/%m/%Y}", record_end=f"{campaign.record_end:%d/%m/%Y}",
        self_due=local(campaign.self_assessment_due),
        inspection_start=f"{campaign.inspection_start:%d/%m/%Y}",
        inspection_end=f"{campaign.inspection_end:%d/%m/%Y}",
        rescore_due=local(campaign.rescore_due), deadline=local(campaign.deadline),
        notice_no=campaign.notice_no or ct.UNSET,
        notice_date=f"{campaign.notice_date:%d/%m/%Y}" if campaign.notice_date else ct.UNSET,
        issuer_parent=campaign.issuer_parent, issuer=campaign.issuer, place=campaign.place,
        levels=" → ".join(levels.of(kind).singular for kind in levels.kinds()),
        rubric=f"{rubric.name} ({rubric.version})" if rubric is not None else ct.UNSET,
        confirmed=_confirmation(campaign, rubric.source if rubric is not None else ""),
    )


def _confirmation(campaign: Campaign, source: str) -> str:
    """Whether the forms print the rubric's assumptions: until the Sở confirms a rubric that states some."""
    from hsdt.scoring import RubricError, load_rubric_text

    if campaign.rubric_confirmed:
        return ct.RUBRIC_CONFIRMED
    try:
        assumed = load_rubric_text(source, source="campaign").assumptions if source else ()
    except RubricError:
        assumed = ()
    return ct.RUBRIC_NOT_CONFIRMED if assumed else ct.RUBRIC_NO_ASSUMPTIONS


def _day(text: str) -> date:
    from hsdt.services.campaigns import CampaignError

    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise CampaignError(ct.BAD_DATE.format(text=text)) from error


def _day_range(text: str) -> tuple[date, date]:
    from hsdt.services.campaigns import CampaignError

    first, sep, second = text.partition(":")
    if not sep:
        raise CampaignError(ct.BAD_RANGE.format(text=text))
    return _day(first), _day(second)


def _moment(text: str, tz: str) -> datetime:
    """A local moment; a bare date means the end of that day (23:59), as the notice's "trước ngày" reads."""
    from hsdt.services.campaigns import CampaignError

    value = text.strip()
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value)
        else:
            moment = datetime.combine(date.fromisoformat(value), time(23, 59))
    except ValueError as error:
        raise CampaignError(ct.BAD_MOMENT.format(text=text)) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)
