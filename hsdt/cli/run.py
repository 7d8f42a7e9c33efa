"""`hsdt run`: every configured service (Telegram, Zalo, web server, reminders), or the terminal chat."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from hsdt.config import Settings

if TYPE_CHECKING:
    from hsdt.app.bootstrap import App


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import cli as tc

    run = sub.add_parser("run", help=tc.HELP_RUN)
    run.add_argument("--terminal", action="store_true", help=tc.HELP_TERMINAL)
    run.add_argument("--webhook", action="store_true", help=tc.HELP_RUN_WEBHOOK)
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.app.bootstrap import build
    from hsdt.app.heap import settle_after_startup
    from hsdt.app.runner import PollerBusy, enabled_services, serve

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
    settle_after_startup()
    try:
        if terminal:
            return asyncio.run(_run_terminal(app))
        asyncio.run(serve(app))
        return 0
    except PollerBusy as busy:
        print(busy, file=sys.stderr)
        return 3
    finally:
        app.close()


async def _run_terminal(app: App) -> int:
    from hsdt.channels.terminal import TerminalChat
    from hsdt.services.demo import DEMO_USERS
    from hsdt.services.invites import open_invites
    from hsdt.storage.unit_of_work import UnitOfWork

    with UnitOfWork(app.engine) as uow:
        invites = open_invites(uow, [u.code for u in DEMO_USERS],
                               invite_ttl=timedelta(days=app.settings.invite_ttl_days))
        # The demo people's roles, named as the newest active campaign's levels name them.
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
