"""`hsdt webhook set|delete|info`: the one registration of the Telegram webhook, done by the operator
(not by each worker at start: N workers would race to set it, and a polling one would delete it).
With `--tenant CODE`, that Sở's own bot (`hsdt tenant channel`), at its own path `/t/CODE/telegram/webhook`."""

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


def _tenant_bot(settings: Settings, code: str) -> tuple[str, str | None, str | None] | int:
    """The Sở's own Telegram bot: (token, webhook URL, secret), or the exit code after saying what is missing."""
    from hsdt.cli.tenant import explain
    from hsdt.services.tenants import TenantError, find_tenant
    from hsdt.storage.db import make_engine
    from hsdt.storage.tenant_channels import ChannelKind, tenant_channels
    from hsdt.texts import tenants as tt
    from hsdt.web.webhooks import tenant_path

    engine = make_engine(settings.migration_url)
    try:
        owner = find_tenant(engine, code)
        bots = [c for c in tenant_channels(engine, owner.id) if c.kind is ChannelKind.TELEGRAM and c.token]
    except TenantError as error:
        print(explain(error), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if not bots:
        print(tt.TENANT_NO_TELEGRAM.format(code=code), file=sys.stderr)
        return 2
    base = settings.upload_base_url
    url = None if base is None else base.rstrip("/") + tenant_path(owner.code, "telegram")
    assert bots[0].token is not None
    return bots[0].token, url, bots[0].webhook_secret


def cmd_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.texts import cli as tc

    code = getattr(args, "tenant_code", None)
    if code:
        found = _tenant_bot(settings, code)
        if isinstance(found, int):
            return found
        token, url, secret = found
    else:
        if settings.telegram_bot_token is None:
            print(tc.NEED_TELEGRAM_TOKEN, file=sys.stderr)
            return 2
        token, url = settings.telegram_bot_token.get_secret_value(), webhook_url(settings)
        secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    if args.webhook_command == "set" and (url is None or secret is None):
        for problem in ([tc.NEED_WEBHOOK_URL] if url is None else []) + ([tc.NEED_WEBHOOK_SECRET] if secret is None
                                                                          else []):
            print(problem, file=sys.stderr)
        return 2
    return asyncio.run(_webhook(args, settings, token, url, secret))


async def _webhook(args: argparse.Namespace, settings: Settings, token: str, url: str | None,
                   secret: str | None) -> int:
    from aiogram.exceptions import TelegramAPIError

    from hsdt.channels.telegram.client import make_bot
    from hsdt.channels.telegram.receive import ALLOWED_UPDATES
    from hsdt.texts import cli as tc

    bot = make_bot(token, settings.telegram_api_base)
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
