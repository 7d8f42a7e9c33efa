"""`hsdt demo`: the demo campaign, roster and assignments seeded, and the demo people's invite codes."""

from __future__ import annotations

import argparse
from datetime import timedelta

from hsdt.cli.invites import print_invites
from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import cli as tc

    sub.add_parser("demo", help=tc.HELP_DEMO).set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.app.bootstrap import prepare_database, seed_demo_campaign
    from hsdt.services.demo import DEMO_USERS, seed_demo
    from hsdt.services.invites import open_invites
    from hsdt.storage.models import UnitKind
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import cli as tc

    engine, _ = prepare_database(settings, seed=False)
    ttl = timedelta(days=settings.invite_ttl_days)
    with UnitOfWork(engine) as uow:
        seed_demo_campaign(uow, settings)
        seed_demo(uow, invite_ttl=ttl)
        invites = open_invites(uow, [u.code for u in DEMO_USERS], invite_ttl=ttl)
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.id is not None
        levels = uow.levels.of_campaign(campaign.id)
        managing = len(uow.units.of_kind(UnitKind.MANAGING, campaign.id))
        schools = len(uow.units.of_kind(UnitKind.SCHOOL, campaign.id))
        title = tc.DEMO_SEEDED.format(code=campaign.code, managing=managing, managing_level=levels.managing.short,
                                      schools=schools)
    print_invites(invites, title, levels)
    return 0
