"""`hsdt webhook set|delete|info`: the one registration of the Telegram webhook, done by the operator
(not by each worker at start: N workers would race to set it, and a polling one would delete it)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hsdt.texts import cli as tc

    webhook = sub.add_parser("webhook", help=tc.HELP_WEBHOOK)
    webhook_sub = webhook.add_subparsers(dest="webhook_command", required=True)
    set_ = webhook_sub.add_parser("set", help=tc.HELP_WEBHOOK_SET)
    set_.add_argument("--drop-pending", action="store_true", help=tc.HELP_WEBHOOK_DROP)
    delete = webhook_sub.add_parser("delete", help=tc.HELP_WEBHOOK_DELETE)
    delete.add_argument("--drop-pending", action="store_true", help=tc.HELP_WEBHOOK_DROP)
    webhook_sub.add_parser("info", help=tc.HELP_WEBHOOK_INFO)
    webhook.set_defaults(handler=cmd_webhook)


def webhook_url(settings: Settings) -> str | None:
    from hsdt.channels.telegram.receive import WEBHOOK_PATH

    base = settings.upload_base_url
    return None if base is None else base.rstrip("/") + WEBHOOK_PATH


def cmd_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.texts import cli as tc

    if settings.telegram_bot_token is None:
        print(tc.NEED_TELEGRAM_TOKEN, file=sys.stderr)
        return 2
    url, secret = webhook_url(settings), settings.telegram_webhook_secret
    if args.webhook_command == "set" and (url is None or secret is None):
        for problem in ([tc.NEED_WEBHOOK_URL] if url is None else []) + ([tc.NEED_WEBHOOK_SECRET] if secret is None
                                                                          else []):
            print(problem, file=sys.stderr)
        return 2
    return asyncio.run(_webhook(args, settings, url, secret.get_secret_value() if secret else None))


async def _webhook(args: argparse.Namespace, settings: Settings, url: str | None, secret: str | None) -> int:
    from aiogram.exceptions import TelegramAPIError

    from hsdt.channels.telegram.client import make_bot
    from hsdt.channels.telegram.receive import ALLOWED_UPDATES
    from hsdt.texts import cli as tc

    assert settings.telegram_bot_token is not None
    bot = make_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
    try:
        if args.webhook_command == "set":
            assert url is not None and secret is not None
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                  drop_pending_updates=args.drop_pending)
            print(tc.WEBHOOK_SET.format(url=url))
        elif args.webhook_command == "delete":
            await bot.delete_webhook(drop_pending_updates=args.drop_pending)
            print(tc.WEBHOOK_DELETED)
        else:
            info = await bot.get_webhook_info()
            error = tc.WEBHOOK_LAST_ERROR.format(error=info.last_error_message) if info.last_error_message else ""
            print(tc.WEBHOOK_INFO.format(url=info.url or tc.WEBHOOK_NONE, pending=info.pending_update_count,
                                         error=error))
        return 0
    except TelegramAPIError as failure:
        print(tc.WEBHOOK_FAILED.format(error=failure.message), file=sys.stderr)
        return 1
    finally:
        await bot.session.close()
