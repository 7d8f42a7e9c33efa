"""`hsdt` command line. Imports stay lazy: `hsdt verify` must not pay for aiogram."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from hsdt.bot import cli_campaign, cli_inspection, cli_reminders, cli_usage, cli_webhook
from hsdt.bot.settings import Settings

if TYPE_CHECKING:
    from hsdt.bot.bootstrap import App
    from hsdt.storage.models import User
    from hsdt.texts.levels import Levels

# Modules with `register(subparsers)`, each adding its commands with `set_defaults(handler=fn)` where
# `fn(args, settings) -> int`. Keep their top-level imports light: `hsdt verify` must stay fast.
FEATURE_COMMANDS: list[ModuleType] = [cli_campaign, cli_reminders, cli_inspection, cli_webhook, cli_usage]


def _print_invites(rows: list[tuple[User, str]], title: str, levels: Levels | None = None) -> None:
    from hsdt.texts import role_name

    print(title)
    for user, code in rows:
        print(f"  {code}  {user.full_name} — {role_name(user.role, levels)} ({user.code})")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.bot.bootstrap import build
    from hsdt.bot.runner import enabled_services, serve

    if getattr(args, "webhook", False):
        settings = settings.model_copy(update={"telegram_mode": "webhook"})
    if not args.terminal and (problems := settings.run_problems()):
        from hsdt.texts import cli as tc

        print(tc.RUN_REFUSED, file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    terminal = args.terminal or not enabled_services(settings)
    # In the terminal chat, log lines would land in the middle of the conversation.
    app = build(settings, log_to_file=terminal)
    try:
        if terminal:
            return asyncio.run(_run_terminal(app))
        asyncio.run(serve(app))
        return 0
    finally:
        app.close()


async def _run_terminal(app: App) -> int:
    from hsdt.bot.terminal import TerminalChat
    from hsdt.handlers.setup import DEMO_USERS, open_invites
    from hsdt.storage.unit_of_work import UnitOfWork

    with UnitOfWork(app.engine) as uow:
        invites = open_invites(uow, [u.code for u in DEMO_USERS],
                               invite_ttl=timedelta(days=app.settings.invite_ttl_days))
        levels = uow.levels.of_active()
    from hsdt.texts import cli as tc

    greeting = tc.TERMINAL_GREETING
    if invites:
        lines = [greeting, tc.TERMINAL_INVITES]
        from hsdt.texts import role_name

        lines += [f"  {code}  {u.full_name} — {role_name(u.role, levels)}" for u, code in invites]
        greeting = "\n".join(lines)
    await TerminalChat(app.dispatcher).run(greeting=greeting)
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.storage.db import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    from hsdt.texts import cli as tc

    print(tc.DB_AT_REVISION.format(revision=current_revision(engine)))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.bot.bootstrap import prepare_database, seed_demo_campaign
    from hsdt.handlers.setup import DEMO_USERS, open_invites, seed_demo
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
    _print_invites(invites, title, levels)
    return 0


def cmd_roster(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.bot import roster_xlsx
    from hsdt.bot.bootstrap import prepare_database
    from hsdt.handlers.setup import RosterError, apply_roster
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import cli as tc

    engine, _ = prepare_database(settings, seed=False)
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
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
            result = apply_roster(uow, units, users, invite_ttl=timedelta(days=settings.invite_ttl_days))
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
    _print_invites([(u, code) for u, code, _ in result.invites], tc.ROSTER_INVITES, levels)
    return 0


def _record_period(settings: Settings) -> tuple[date, date]:
    """The active campaign's record period; the settings' when there is no database or no campaign
    yet. The database is only read: checking a file never creates or migrates one."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    fallback = (settings.record_period_start, settings.record_period_end)
    url = make_url(settings.database_url)
    if settings.is_sqlite and not (url.database and Path(url.database).is_file()):
        return fallback
    from hsdt.storage.db import make_engine
    from hsdt.storage.unit_of_work import UnitOfWork

    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(engine) as uow:
            campaign = uow.campaigns.active()
            return (campaign.record_start, campaign.record_end) if campaign is not None else fallback
    except SQLAlchemyError:  # not migrated yet, or the server is down: checking a file still works
        return fallback
    finally:
        engine.dispose()


def cmd_verify(argv: list[str], settings: Settings) -> int:
    from hsdt.signatures import RecordPeriod
    from hsdt.signatures.cli import run_verify

    if argv[:1] == ["--recheck-evidence"]:
        from hsdt.bot.evidence_recheck import run_recheck

        return run_recheck(settings)
    start, end = _record_period(settings)
    period = RecordPeriod(start, end, settings.timezone)
    trust_dir = settings.trust_dir if settings.trust_dir.exists() else None
    return run_verify(argv, default_trust_dir=trust_dir, default_period=period, default_online=settings.verify_online,
                      default_cache_dir=settings.verify_cache_dir)


def build_parser() -> argparse.ArgumentParser:
    from hsdt.bot.cli_parser import VietnameseParser
    from hsdt.texts import cli as tc

    parser = VietnameseParser(prog="hsdt", description=tc.HELP_PROG)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help=tc.HELP_RUN)
    run.add_argument("--terminal", action="store_true", help=tc.HELP_TERMINAL)
    run.add_argument("--webhook", action="store_true", help=tc.HELP_RUN_WEBHOOK)
    run.set_defaults(handler=cmd_run)
    db = sub.add_parser("db", help=tc.HELP_DB)
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=tc.HELP_DB_UPGRADE)
    db.set_defaults(handler=cmd_db)
    sub.add_parser("demo", help=tc.HELP_DEMO).set_defaults(handler=cmd_demo)
    roster = sub.add_parser("roster", help=tc.HELP_ROSTER)
    roster.set_defaults(handler=cmd_roster)
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    template = roster_sub.add_parser("template", help=tc.HELP_ROSTER_TEMPLATE)
    template.add_argument("out")
    imp = roster_sub.add_parser("import", help=tc.HELP_ROSTER_IMPORT)
    imp.add_argument("file")
    sub.add_parser("verify", help=tc.HELP_VERIFY, add_help=False)
    for module in FEATURE_COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings = Settings()
    if argv[:1] == ["verify"]:
        return cmd_verify(argv[1:], settings)
    args = build_parser().parse_args(argv or ["run"])
    from hsdt.scoring import RubricError

    try:
        return int(args.handler(args, settings))
    except RubricError as error:
        _print_rubric_error(error)
        return 2


def _print_rubric_error(error: Exception) -> None:
    from hsdt.texts import rubric as rubric_texts

    print(rubric_texts.RUBRIC_FILE_UNUSABLE, file=sys.stderr)
    for line in str(error).splitlines():
        print(f"  {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
