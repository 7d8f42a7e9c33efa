"""`hsdt report`: the campaign's results as a text summary or the Excel workbook, for the city or one
managing unit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hsdt.cli.campaign import add_campaign_option
from hsdt.config import Settings
from hsdt.texts import assignments as at


def register(sub: Any) -> None:
    from hsdt.texts import national as n

    report = sub.add_parser("report", help=at.HELP_REPORT)
    report.add_argument("what", nargs="?", choices=["national"], help=n.HELP_NATIONAL)
    report.add_argument("--xlsx", metavar="OUT", help=at.HELP_XLSX)
    report.add_argument("--district", metavar="NAME", help=at.HELP_DISTRICT)
    add_campaign_option(report)
    report.set_defaults(handler=cmd_report)


def for_every_tenant(args: argparse.Namespace) -> bool:
    """`hsdt report national` reads every Sở, each in its own tenant: no --tenant is asked for."""
    return getattr(args, "what", None) == "national"


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    if for_every_tenant(args):
        return cmd_national(args, settings)
    from datetime import datetime

    from hsdt.app.bootstrap import prepare_database
    from hsdt.reports import text
    from hsdt.reports.dataset import Scope, Units, gather
    from hsdt.scoring import fold_text
    from hsdt.services.campaigns import CampaignError, campaign_to_use
    from hsdt.storage.keys import stored_id
    from hsdt.storage.models import UnitKind
    from hsdt.storage.rubrics import RubricCache
    from hsdt.storage.types import utcnow
    from hsdt.storage.unit_of_work import UnitOfWork

    engine, _ = prepare_database(settings, seed=False)
    try:
        with UnitOfWork(engine) as uow:
            try:
                campaign = campaign_to_use(uow, args.campaign)
            except CampaignError as error:
                print(error, file=sys.stderr)
                return 1
            rubric = RubricCache().for_campaign(uow, campaign)
            units = Units.load(uow, stored_id(campaign.id))
            members = uow.units.member_ids(stored_id(campaign.id))
            schools = frozenset(u.id for u in units.by_id.values() if u.kind == UnitKind.SCHOOL and u.id in members)
            scope = Scope("city", schools, "")
            if args.district:
                wanted = fold_text(args.district).strip()
                found = [u for u in units.by_id.values() if u.kind == UnitKind.MANAGING
                         and wanted in (fold_text(u.name).strip(), fold_text(u.code).strip())]
                if not found:
                    found = [u for u in units.by_id.values()
                             if u.kind == UnitKind.MANAGING and wanted in fold_text(u.name)]
                if len(found) != 1:
                    from hsdt.texts.report import NO_SUCH_DISTRICT

                    level = uow.levels.of_campaign(campaign.id).managing.singular
                    print(NO_SUCH_DISTRICT.format(level=level, name=args.district), file=sys.stderr)
                    return 1
                district = found[0]
                scope = Scope("district", frozenset(units.schools_under(district.id)) & schools, district.name,
                              district.id)
            now: datetime = utcnow()
            data = gather(uow, campaign, rubric, scope, now, details=bool(args.xlsx), units=units, tz=settings.timezone)
    finally:
        engine.dispose()
    if not args.xlsx:
        print(text.summary(data))
        return 0
    from hsdt.reports.excel import write_workbook

    out = Path(args.xlsx)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(data, str(out))
    print(at.REPORT_WRITTEN.format(path=out, count=data.city.school_count))
    return 0


def cmd_national(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.app.bootstrap import prepare_database
    from hsdt.reports.national import national, summary_text
    from hsdt.storage.types import utcnow
    from hsdt.texts import national as n

    if args.district or args.campaign:
        print(n.NATIONAL_WITH_DISTRICT, file=sys.stderr)
        return 2
    engine, _ = prepare_database(settings, seed=False)
    try:
        data = national(engine, utcnow(), settings.timezone)
    finally:
        engine.dispose()
    if not args.xlsx:
        print(summary_text(data))
        return 0
    from hsdt.reports.national_excel import write_national

    out = Path(args.xlsx)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_national(data, str(out))
    print(n.WRITTEN.format(path=out, count=len(data.provinces)))
    return 0
