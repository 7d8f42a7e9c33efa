"""Builds the OA channel of a bot process from its `ZALO_OA_*` settings (called by the bootstrap).

The OA's chats are typed (numbered menus, `hooks.OAMenus`) whether or not this process holds the OA's
credentials: an upload-page event of an OA chat may be handled by any process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hsdt.channels.zalo_oa.hooks import OAMenus
from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.channels.zalo_oa.translate import CHANNEL
from hsdt.redaction import redact_secrets
from hsdt.storage.types import utcnow

if TYPE_CHECKING:
    from hsdt.app.bootstrap import App
    from hsdt.channels.zalo_oa.receive import OAChannel

log = logging.getLogger(__name__)


def declare_typed(app: App) -> None:
    app.dispatcher.hooks[CHANNEL] = OAMenus()


def wire(app: App, settings: ZaloOASettings | None = None, *,
         clock: Callable[[], datetime] = utcnow) -> OAChannel | None:
    """The OA channel, its sender in `app.senders` and its route in `app.zalo_oa`; None when no OA
    is configured."""
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
    oauth = ZaloOAuthClient.from_settings(settings)
    keeper = OATokenKeeper.from_settings(app.engine, oauth, settings, clock=clock)
    client = ZaloOAClient.from_settings(settings, keeper)
    channel = OAChannel(client, app.dispatcher, app.engine, settings.oa_id, WebhookPolicy.from_settings(settings),
                        WindowPolicy.from_settings(settings, tz), links=app.links, downloads=app.downloads,
                        clock=clock, rate_wait_s=settings.rate_retry_s, quota_wait_s=settings.quota_retry_s,
                        answer_within_s=settings.answer_within_s)
    channel.keeper = keeper
    app.zalo_oa[settings.oa_id] = channel
    app.senders[CHANNEL] = channel.sender
    app._closers += [channel.close, client.close, oauth.close]
    log.info("zalo oa: OA %s wired (webhook %s)", settings.oa_id, channel.path)
    return channel
