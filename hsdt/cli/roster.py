"""`hsdt roster template|import`: the roster workbook written, or read and applied (all or nothing)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from hsdt.cli.campaign import add_campaign_option
from hsdt.cli.invites import print_invites
from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import cli as tc

    roster = sub.add_parser("roster", help=tc.HELP_ROSTER)
    roster.set_defaults(handler=cmd_roster)
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    template = roster_sub.add_parser("template", help=tc.HELP_ROSTER_TEMPLATE)
    template.add_argument("out")
    imp = roster_sub.add_parser("import", help=tc.HELP_ROSTER_IMPORT)
    imp.add_argument("file")
    add_campaign_option(imp)
    add_campaign_option(template)


def cmd_roster(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.app.bootstrap import prepare_database
    from hsdt.cli import roster_xlsx
    from hsdt.services.campaigns import CampaignError, campaign_to_use
    from hsdt.services.roster import RosterError, apply_roster
    from hsdt.storage.models import Campaign
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import cli as tc

    engine, _ = prepare_database(settings, seed=False)
    campaign: Campaign | None = None
    with UnitOfWork(engine) as uow:
        # The roster joins the campaign named, or the one active; with none open it joins nothing yet.
        if args.campaign or uow.campaigns.active_all():
            try:
                campaign = campaign_to_use(uow, args.campaign)
            except CampaignError as error:
                print(error, file=sys.stderr)
                return 1
        levels = uow.levels.of_campaign(campaign.id if campaign is not None else None)
    if args.roster_command == "template":
        roster_xlsx.write_template(Path(args.out), levels)
        print(tc.ROSTER_TEMPLATE_WRITTEN.format(path=args.out))
        return 0
    try:
        units, users = roster_xlsx.read_roster(Path(args.file), levels)
    except roster_xlsx.RosterFileError as error:
        print(tc.ROSTER_NOT_IMPORTED, file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    try:
        with UnitOfWork(engine) as uow:
            result = apply_roster(uow, units, users, invite_ttl=timedelta(days=settings.invite_ttl_days),
                                  campaign=campaign)
    except RosterError as error:
        print(tc.ROSTER_NOT_IMPORTED, file=sys.stderr)
        for problem in error.problems:
            print(f"  {args.file}: {problem}", file=sys.stderr)
        return 1
    print(tc.ROSTER_IMPORTED.format(created_units=result.created_units, updated_units=result.updated_units,
                                    created_users=result.created_users, updated_users=result.updated_users))
    if campaign is not None:
        print(tc.ROSTER_JOINED.format(count=result.joined_campaign, code=campaign.code))
    else:
        print(tc.ROSTER_NO_CAMPAIGN)
    print_invites([(u, code) for u, code, _ in result.invites], tc.ROSTER_INVITES, levels)
    return 0
