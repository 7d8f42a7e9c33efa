"""`hsdt tenant new/list`, `hsdt tenant channel set/list/remove` (each Sở's own bots and OA), and the
`--tenant` every command that acts for one Sở takes.

A channel's secrets never come from the command line (it shows in `ps` and in shell histories): each is
read from an environment variable the command names (`--token-env NAME`), else from standard input, one
line per secret (prompted, unechoed, on a terminal)."""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hsdt.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from hsdt.services.tenants import TenantInfo
    from hsdt.storage.tenant_channels import ChannelConfig, ChannelKind

# Telegram's `secret_token`: 1-256 characters of A-Z, a-z, 0-9, _ and -.
TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TELEGRAM_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
KINDS = {"telegram": "telegram", "zalo-bot": "zalo_bot", "zalo-oa": "zalo_oa"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import tenants as tt

    tenant = sub.add_parser("tenant", help=tt.HELP_TENANT)
    tenant_sub = tenant.add_subparsers(dest="tenant_command", required=True)
    new = tenant_sub.add_parser("new", help=tt.HELP_TENANT_NEW)
    new.add_argument("code", help=tt.HELP_TENANT_CODE)
    new.add_argument("--name", required=True, help=tt.HELP_TENANT_NAME)
    new.add_argument("--province", default="", help=tt.HELP_TENANT_PROVINCE)
    new.add_argument("--bo", action="store_true", dest="ministry", help=tt.HELP_TENANT_MINISTRY)
    tenant_sub.add_parser("list", help=tt.HELP_TENANT_LIST)
    channel = tenant_sub.add_parser("channel", help=tt.HELP_CHANNEL)
    channel_sub = channel.add_subparsers(dest="channel_command", required=True)
    # No abbreviated options: `--token VALUE` would pass for `--token-env` and put a token on the command line.
    setting = channel_sub.add_parser("set", help=tt.HELP_CHANNEL_SET, allow_abbrev=False)
    setting.add_argument("kind", choices=sorted(KINDS), help=tt.HELP_CHANNEL_KIND)
    setting.add_argument("--token-env", metavar="BIẾN", help=tt.HELP_TOKEN_ENV)
    setting.add_argument("--webhook-secret-env", metavar="BIẾN", help=tt.HELP_WEBHOOK_SECRET_ENV)
    setting.add_argument("--app-secret-env", metavar="BIẾN", help=tt.HELP_APP_SECRET_ENV)
    setting.add_argument("--oa-secret-key-env", metavar="BIẾN", help=tt.HELP_OA_SECRET_ENV)
    setting.add_argument("--oa-id", help=tt.HELP_OA_ID)
    setting.add_argument("--app-id", help=tt.HELP_APP_ID)
    setting.add_argument("--redirect-uri", help=tt.HELP_REDIRECT_URI)
    channel_sub.add_parser("list", help=tt.HELP_CHANNEL_LIST)
    removing = channel_sub.add_parser("remove", help=tt.HELP_CHANNEL_REMOVE)
    removing.add_argument("kind", choices=sorted(KINDS), help=tt.HELP_CHANNEL_KIND)
    removing.add_argument("account", nargs="?", help=tt.HELP_CHANNEL_ACCOUNT)
    tenant.set_defaults(handler=cmd_tenant)


def cmd_tenant(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.services.tenants import TenantError, all_tenants, create_tenant
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.models import TenantKind
    from hsdt.texts import tenants as tt

    engine = make_engine(settings.migration_url)
    upgrade(engine)
    try:
        if args.tenant_command == "channel":
            return cmd_channel(args, engine)
        if args.tenant_command == "new":
            kind = TenantKind.MINISTRY if args.ministry else TenantKind.DEPARTMENT
            try:
                created = create_tenant(engine, args.code, args.name, args.province, kind)
            except TenantError as error:
                print(explain(error), file=sys.stderr)
                return 2
            print(tt.TENANT_CREATED.format(name=created.name, code=created.code))
            return 0
        print(tt.TENANT_LIST_HEADER)
        for found in all_tenants(engine):
            kind_text = tt.KIND_MINISTRY if found.kind is TenantKind.MINISTRY else tt.KIND_DEPARTMENT
            print(tt.TENANT_LINE.format(code=found.code, name=found.name, province=found.province, kind=kind_text))
        return 0
    finally:
        engine.dispose()


class SecretMissing(ValueError):
    """A secret neither its environment variable nor standard input gave (the message is the operator's)."""


def read_secret(field: str, env_name: str | None, *, required: bool) -> str | None:
    """The secret from the environment variable named, else a line of standard input (unechoed on a
    terminal). Never from the command line."""
    from hsdt.texts import tenants as tt

    what = tt.SECRET_NAMES[field]
    if env_name:
        value = os.environ.get(env_name, "").strip()
        if not value:
            raise SecretMissing(tt.SECRET_ENV_MISSING.format(name=env_name))
        return value
    if sys.stdin.isatty():
        value = getpass.getpass(tt.SECRET_PROMPT.format(what=what)).strip()
    else:
        value = sys.stdin.readline().strip()
    if not value and required:
        raise SecretMissing(tt.SECRET_MISSING.format(what=what))
    return value or None


def channel_from_args(args: argparse.Namespace, tenant_id: int) -> ChannelConfig:
    """What `channel set` stores, secrets read as `read_secret` says; SecretMissing or ValueError with the
    operator's message when something is missing or malformed."""
    from hsdt.channels.contract import bot_scope
    from hsdt.storage.tenant_channels import ChannelConfig, ChannelKind
    from hsdt.texts import tenants as tt

    kind = ChannelKind(KINDS[args.kind])
    if kind is ChannelKind.ZALO_OA:
        if not args.oa_id or not args.app_id:
            raise ValueError(tt.OA_ARGS_MISSING)
        app_secret = read_secret("app_secret", args.app_secret_env, required=True)
        oa_secret_key = read_secret("oa_secret_key", args.oa_secret_key_env, required=True)
        return ChannelConfig(tenant_id, kind, args.oa_id.strip(), app_id=args.app_id.strip(), app_secret=app_secret,
                             oa_secret_key=oa_secret_key, redirect_uri=args.redirect_uri)
    token = read_secret("token", args.token_env, required=True)
    assert token is not None
    secret = read_secret("webhook_secret", args.webhook_secret_env, required=False)
    if kind is ChannelKind.TELEGRAM:
        found = TELEGRAM_TOKEN.match(token)
        if found is None:
            raise ValueError(tt.TELEGRAM_TOKEN_BAD)
        if secret is not None and not TELEGRAM_SECRET.match(secret):
            raise ValueError(tt.TELEGRAM_SECRET_BAD)
        return ChannelConfig(tenant_id, kind, found.group(1), token=token, webhook_secret=secret)
    if secret is not None and not 8 <= len(secret) <= 256:
        raise ValueError(tt.ZALO_SECRET_BAD)
    return ChannelConfig(tenant_id, kind, bot_scope(token), token=token, webhook_secret=secret)


def cmd_channel(args: argparse.Namespace, engine: Engine) -> int:
    from hsdt.services.tenants import TenantError, all_tenants, find_tenant, sole_tenant
    from hsdt.storage.tenant_channels import (
        ChannelKind,
        ChannelTaken,
        all_channels,
        remove_channel,
        save_channel,
    )
    from hsdt.texts import tenants as tt

    code = getattr(args, "tenant_code", None)
    if args.channel_command == "list":
        codes = {t.id: t.code for t in all_tenants(engine)}
        chosen = find_tenant(engine, code).id if code else None
        rows = [row for row in all_channels(engine) if chosen is None or row.tenant_id == chosen]
        if not rows:
            print(tt.CHANNEL_LIST_EMPTY)
            return 0
        print(tt.CHANNEL_LIST_HEADER)
        for row in rows:
            signed = row.webhook_secret or row.oa_secret_key
            print(tt.CHANNEL_LINE.format(code=codes.get(row.tenant_id, row.tenant_id), kind=tt.KIND_NAMES[row.kind],
                                         account=row.account, webhook=tt.YES if signed else tt.NO,
                                         updated=row.updated_at.date().isoformat() if row.updated_at else ""))
        return 0
    try:
        owner = find_tenant(engine, code) if code else sole_tenant(engine)
    except TenantError as error:
        print(explain(error), file=sys.stderr)
        return 2
    kind = ChannelKind(KINDS[args.kind])
    if args.channel_command == "remove":
        count = remove_channel(engine, owner.id, kind, args.account)
        if not count:
            print(tt.CHANNEL_NONE_REMOVED.format(code=owner.code, kind=tt.KIND_NAMES[kind]), file=sys.stderr)
            return 1
        print(tt.CHANNEL_REMOVED.format(count=count, kind=tt.KIND_NAMES[kind], name=owner.name, code=owner.code))
        return 0
    try:
        config = channel_from_args(args, owner.id)
        saved = save_channel(engine, config)
    except ChannelTaken as taken:
        others = {t.id: t.code for t in all_tenants(engine)}
        print(tt.CHANNEL_TAKEN.format(kind=tt.KIND_NAMES[taken.kind], account=taken.account,
                                      code=others.get(taken.tenant_id, taken.tenant_id)), file=sys.stderr)
        return 2
    except ValueError as error:  # SecretMissing too: a secret not given, or not in the platform's form
        print(str(error), file=sys.stderr)
        return 2
    print(tt.CHANNEL_SAVED.format(kind=tt.KIND_NAMES[saved.kind], account=saved.account, name=owner.name,
                                  code=owner.code))
    print(tt.CHANNEL_WEBHOOK_PATH.format(path=webhook_path(owner, saved.kind, saved.account)))
    return 0


def webhook_path(owner: TenantInfo, kind: ChannelKind, account: str) -> str:
    from hsdt.storage.tenant_channels import ChannelKind
    from hsdt.web.webhooks import tenant_path

    if kind is ChannelKind.ZALO_OA:
        return f"/zalo-oa/{account}/webhook"
    return tenant_path(owner.code, "telegram" if kind is ChannelKind.TELEGRAM else "zalo")


def explain(error: Exception) -> str:
    """A TenantError in the operator's words."""
    from hsdt.services.tenants import TenantError
    from hsdt.texts import tenants as tt

    if not isinstance(error, TenantError):
        return str(error)
    known = ", ".join(error.known) or "—"
    return {
        "bad_code": tt.TENANT_BAD_CODE.format(code=error.code),
        "exists": tt.TENANT_EXISTS.format(code=error.code),
        "unknown": tt.TENANT_UNKNOWN.format(code=error.code, known=known),
        "ambiguous": tt.TENANT_NEEDED.format(known=known),
    }[error.reason]


def take_tenant_option(argv: list[str]) -> tuple[list[str], str | None]:
    """`--tenant CODE` (or `--tenant=CODE`) wherever it stands, taken out of the arguments."""
    rest: list[str] = []
    code: str | None = None
    items = iter(argv)
    for item in items:
        if item == "--tenant":
            code = next(items, "")
        elif item.startswith("--tenant="):
            code = item.split("=", 1)[1]
        else:
            rest.append(item)
    return rest, code


def resolve(settings: Settings, code: str | None) -> int:
    """The tenant a command acts for: the one named, else the only Sở there is. Raises TenantError."""
    from sqlalchemy import inspect, make_url

    from hsdt.services.tenants import find_tenant, sole_tenant
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.tenancy import DEFAULT_TENANT

    url = make_url(settings.migration_url)
    if code is None and url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return DEFAULT_TENANT  # no database yet: the command makes it, with its one Sở (and may fail first)
    engine = make_engine(settings.migration_url)
    try:
        if code is None:
            with engine.connect() as conn:
                if not inspect(conn).has_table("tenant"):
                    return DEFAULT_TENANT  # not migrated yet: one Sở, the first
        else:
            upgrade(engine)  # named on a database not yet migrated: its tenants are there after
        return (find_tenant(engine, code) if code else sole_tenant(engine)).id
    finally:
        engine.dispose()
