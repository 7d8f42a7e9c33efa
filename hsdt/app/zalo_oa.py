"""The OA channel of a bot process, built from its `ZALO_OA_*` settings (`wire`, called by the bootstrap),
and its service (`run`: unsent replies after a restart, the token kept fresh, operators alerted).

The OA's chats are typed (numbered menus, `hooks.OAMenus`) whether or not this process holds the OA's
credentials: an upload-page event of an OA chat may be handled by any process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hsdt.channels.zalo_oa.hooks import OAMenus
from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.channels.zalo_oa.translate import CAPABILITIES, CHANNEL
from hsdt.redaction import redact_secrets
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from hsdt.app.bootstrap import App, TenantChannels
    from hsdt.channels.zalo_oa.receive import OAChannel
    from hsdt.config import Settings
    from hsdt.storage.tenant_channels import ChannelConfig

log = logging.getLogger(__name__)


def declare_typed(app: App) -> None:
    app.dispatcher.declare(CHANNEL, CAPABILITIES, OAMenus())


def settings_of(row: ChannelConfig) -> ZaloOASettings:
    """A Sở's own OA (a `tenant_channel` row): its app and keys from the row, the rest (timeouts, windows,
    API bases) from the environment's `ZALO_OA_*` like the first Sở's."""
    from pydantic import SecretStr

    return ZaloOASettings(app_id=row.app_id, oa_id=row.account, redirect_uri=row.redirect_uri,
                          app_secret=SecretStr(row.app_secret or ""), oa_secret_key=SecretStr(row.oa_secret_key or ""))


def settings_for_tenant(engine: Engine, tenant: int) -> ZaloOASettings | None:
    """The OA of `tenant`'s Sở: its `tenant_channel` row, else (the first Sở only) the environment's;
    None when it has none (another Sở never gets the first one's OA)."""
    from hsdt.storage.tenant_channels import ChannelKind, tenant_channels

    rows = [c for c in tenant_channels(engine, tenant) if c.kind is ChannelKind.ZALO_OA]
    if rows:
        return settings_of(rows[0])
    return ZaloOASettings() if tenant == DEFAULT_TENANT else None


def wire(app: App, settings: ZaloOASettings | None = None, *,
         clock: Callable[[], datetime] = utcnow, tenant: TenantChannels | None = None) -> OAChannel | None:
    """The OA channel of `tenant`'s Sở (the first one's by default), its sender among that Sở's senders
    and its route by OA id; None when no OA is configured."""
    settings = settings if settings is not None else ZaloOASettings()
    declare_typed(app)
    if not settings.enabled or not settings.oa_id:
        return None
    from hsdt.channels.zalo_oa.client import ZaloOAClient
    from hsdt.channels.zalo_oa.oauth import ZaloOAuthClient
    from hsdt.channels.zalo_oa.receive import OAChannel
    from hsdt.channels.zalo_oa.tokens import OATokenKeeper
    from hsdt.channels.zalo_oa.webhook import WebhookPolicy
    from hsdt.channels.zalo_oa.windows import WindowPolicy

    redact_secrets(*settings.secrets())
    tz = ZoneInfo(app.settings.timezone)
    tenant_id = tenant.tenant if tenant is not None else DEFAULT_TENANT
    oauth = ZaloOAuthClient.from_settings(settings)
    keeper = OATokenKeeper.from_settings(app.engine, oauth, settings, clock=clock, tenant=tenant_id)
    client = ZaloOAClient.from_settings(settings, keeper)
    channel = OAChannel(client, app.dispatcher, app.engine, settings.oa_id, WebhookPolicy.from_settings(settings),
                        WindowPolicy.from_settings(settings, tz), links=app.links, downloads=app.downloads,
                        clock=clock, rate_wait_s=settings.rate_retry_s, quota_wait_s=settings.quota_retry_s,
                        answer_within_s=settings.answer_within_s, intake_grace_s=settings.intake_grace_s,
                        tenant=tenant_id)
    channel.keeper = keeper
    routes, senders = (tenant.zalo_oa, tenant.senders) if tenant is not None else (app.zalo_oa, app.senders)
    routes[settings.oa_id] = channel
    senders[CHANNEL] = channel.sender
    app._closers += [channel.close, client.close, oauth.close]
    log.info("zalo oa: OA %s wired (webhook %s)", settings.oa_id, channel.path)
    return channel


def all_channels(app: App) -> list[OAChannel]:
    """Every Sở's OAs in this process (the first Sở's are `app.zalo_oa`)."""
    found = {oa_id: channel for oa_id, channel in app.zalo_oa.items()}
    for own in app.tenants.values():
        found.update(own.zalo_oa)
    return list(found.values())


def enabled(settings: Settings) -> bool:
    return ZaloOASettings().enabled


def serves_webhook(settings: Settings) -> bool:
    """Whether `hsdt run` serves the OA's webhook: only its web server does (`UPLOAD_BASE_URL`)."""
    return settings.web_enabled


async def run(app: App, stop: asyncio.Event, *, every_s: float = 3600.0) -> None:
    """Each OA: the replies a previous run committed and did not send go out; the token pair is kept
    fresh while no message needs it (a quiet OA's refresh token must not age out), and a refresh
    Zalo refuses is told to the Sở's operators on their other channels, once a day."""
    channels = all_channels(app)
    if not channels:
        return
    if not serves_webhook(app.settings):
        for channel in channels:
            log.error("zalo oa: UPLOAD_BASE_URL is not set, so no web server runs and Zalo's calls to the webhook "
                      "of OA %s (%s) reach nothing: the OA receives no message. Set UPLOAD_BASE_URL to the public "
                      "base URL and restart.", channel.oa_id, channel.path)
    waiting = []
    for channel in channels:
        with tenant_scope(channel.tenant):  # the task (and the threads it starts) are the OA's Sở's
            waiting.append(asyncio.create_task(channel.run(stop)))
    try:
        while not stop.is_set():
            for channel in channels:
                if channel.keeper is not None:
                    status = await channel.keeper.refresh_if_due()
                    if status.needs_operator:
                        with tenant_scope(channel.tenant):
                            await asyncio.to_thread(alert_operators, app, status.oa_id, channel.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
    finally:
        await asyncio.gather(*waiting, return_exceptions=True)
        for channel in channels:
            await channel.close()


def alert_operators(app: App, oa_id: str, now: datetime) -> int:
    """The OA needs its admin (`hsdt zalo-oa connect`): every operator is told, once a day."""
    from hsdt.events import Reply
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import channels as texts

    log.error("zalo oa: OA %s needs reconnecting (hsdt zalo-oa connect); the operators are told", oa_id)
    notice = Reply(texts.OA_TOKEN_REFUSED.format(oa_id=oa_id))
    day = now.astimezone(ZoneInfo(app.settings.timezone)).date().isoformat()
    with UnitOfWork(app.engine) as uow:
        operators = list(uow.usage.operators())
        for user_id in operators:
            uow.outbox.enqueue(user_id, [notice.to_json()], kind="zalo_oa_token",
                               dedupe_key=f"zalo_oa_token:{oa_id}:{day}:{user_id}")
    return len(operators)
