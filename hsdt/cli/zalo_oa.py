"""`hsdt zalo-oa connect`: the Sở's OA admin grants the app, the bot stores the OA's tokens.

Prints the PKCE authorisation URL (the code verifier stays in this process), reads back the code
Zalo put on the callback URL (the code alone or the whole URL pasted), exchanges it and stores the
token pair in the database. Tokens are never printed nor logged.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

from hsdt.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hsdt.texts import cli as tc

    group = sub.add_parser("zalo-oa", help=tc.HELP_ZALO_OA)
    commands = group.add_subparsers(dest="zalo_oa_command", required=True)
    connect = commands.add_parser("connect", help=tc.HELP_ZALO_OA_CONNECT)
    connect.set_defaults(handler=cmd_connect)


def code_of(answer: str, state: str) -> str | None:
    """The code from what the admin pasted: the callback URL (its `state` must match) or the code."""
    answer = answer.strip()
    if "://" not in answer and "code=" not in answer:
        return answer or None
    query = parse_qs(urlparse(answer).query if "://" in answer else answer.lstrip("?"))
    if query.get("state", [state])[0] != state:
        return None
    return query.get("code", [None])[0]


async def connect(settings: Settings, read: Callable[[str], str], say: Callable[[str], None]) -> int:
    from hsdt.app.zalo_oa import settings_for_tenant
    from hsdt.channels.zalo_oa.errors import OAuthError
    from hsdt.channels.zalo_oa.oauth import ZaloOAuthClient, authorization_request
    from hsdt.channels.zalo_oa.settings import ZaloOASettings
    from hsdt.channels.zalo_oa.tokens import OATokenKeeper
    from hsdt.redaction import redact_secrets
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.tenancy import current_tenant
    from hsdt.texts import cli as tc

    engine = make_engine(settings.database_url)
    upgrade(engine)
    # The OA of the Sở this command acts for (`--tenant`): its own, never another Sở's.
    oa = settings_for_tenant(engine, current_tenant()) or ZaloOASettings(app_id="")
    if not (oa.app_id and oa.app_secret and oa.oa_id and oa.redirect_uri):
        say(tc.ZALO_OA_NOT_CONFIGURED)
        return 2
    redact_secrets(*oa.secrets())
    request = authorization_request(oa.app_id, oa.redirect_uri, oa.oauth_base)
    say(tc.ZALO_OA_OPEN_URL.format(url=request.url))
    code = code_of(read(tc.ZALO_OA_ASK_CODE), request.state)
    if code is None:
        say(tc.ZALO_OA_BAD_ANSWER)
        return 2
    async with ZaloOAuthClient.from_settings(oa) as oauth:
        keeper = OATokenKeeper.from_settings(engine, oauth, oa)
        try:
            status = await keeper.connect(code, request.code_verifier)
        except OAuthError as error:
            say(tc.ZALO_OA_REFUSED.format(error=error))
            return 1
    expires = status.access_expires_at.isoformat(timespec="minutes") if status.access_expires_at else "?"
    say(tc.ZALO_OA_CONNECTED.format(oa_id=oa.oa_id, expires=expires))
    return 0


def cmd_connect(args: argparse.Namespace, settings: Settings) -> int:
    def read(prompt: str) -> str:
        print(prompt, end="", flush=True)
        return sys.stdin.readline()

    return asyncio.run(connect(settings, read, print))


def status_lines(engine: Engine, month: str, settings: Settings | None = None) -> list[str]:
    """What `hsdt status` says of the configured OA: the month's messages by what they cost (free
    inside 48 hours, against the quota, transaction), the messages nobody could be reached with, the
    state of its token pair, and a webhook no process serves (`settings` without `UPLOAD_BASE_URL`)."""
    from sqlmodel import Session

    from hsdt.app.zalo_oa import serves_webhook, settings_for_tenant
    from hsdt.channels.zalo_oa.receive import webhook_path
    from hsdt.channels.zalo_oa.settings import ZaloOASettings
    from hsdt.storage.tenancy import current_tenant
    from hsdt.storage.zalo_oa_models import TokenState
    from hsdt.storage.zalo_oa_repository import ZaloOARepository
    from hsdt.texts import cli as tc

    oa = settings_for_tenant(engine, current_tenant()) or ZaloOASettings(oa_id="")
    if not oa.oa_id:
        return []
    with Session(engine) as session:
        repo = ZaloOARepository(session)
        usage = repo.usage(oa.oa_id, month)
        token = repo.token(oa.oa_id)
        unreachable = _unreachable(session, month)
    free, quota, transaction = (usage.free, usage.quota, usage.transaction) if usage is not None else (0, 0, 0)
    lines = [tc.STATUS_OA_HEADING.format(oa_id=oa.oa_id, free=free, quota=quota, transaction=transaction)]
    if oa.enabled and settings is not None and not serves_webhook(settings):
        lines.append(tc.STATUS_OA_NO_WEBHOOK.format(path=webhook_path(oa.oa_id)))
    if unreachable:
        lines.append(tc.STATUS_UNREACHABLE.format(count=unreachable))
    if token is None:
        lines.append(tc.STATUS_OA_NOT_CONNECTED)
        return lines
    lines.append(tc.STATUS_OA_TOKEN.format(state=token.state, expires=token.access_expires_at.isoformat(
        timespec="minutes")))
    if token.state == TokenState.REFRESH_REFUSED.value:
        lines.append(tc.STATUS_OA_NEEDS_OPERATOR)
    return lines


def _unreachable(session: Session, month: str) -> int:
    """Messages of the month given up because no chat of their user took them (an OA user silent for
    too long and on no other channel, a blocked bot): the people the Sở must reach another way."""
    from datetime import UTC, datetime

    from sqlalchemy import func
    from sqlmodel import col, select

    from hsdt.storage.models import OutboxMessage

    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    statement = select(func.count()).select_from(OutboxMessage).where(
        col(OutboxMessage.failed_at).is_not(None), col(OutboxMessage.failed_at) >= start,
        col(OutboxMessage.failed_at) < end)
    return int(session.exec(statement).one())
