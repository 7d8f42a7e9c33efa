"""The Zalo and Telegram webhooks: a call is checked (secret, size, time, JSON depth) and handed to its
channel, which answers once the update's event has committed.

The first Sở's bots keep their paths (`/telegram/webhook`, `/zalo/webhook`); every Sở's bots are also
served at `/t/<tenant code>/telegram/webhook` and `/t/<tenant code>/zalo/webhook`, each call handled in
its Sở's `tenant_scope`. An unknown code, a Sở without that bot, or a secret that is not that Sở's own
are refused alike (403, as a forged call): the answer never tells whether the Sở exists."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.web.config import CONFIG, TenantWebhooks, WebConfig, WebHost

if TYPE_CHECKING:
    from hsdt.channels.telegram.receive import TelegramChannel

log = logging.getLogger(__name__)


WEBHOOK_MAX_BYTES = 256 * 1024
JSON_MAX_DEPTH = 32


def _json_depth_ok(text: str, limit: int) -> bool:
    """Nesting of objects and arrays at most `limit` (outside strings), checked before parsing: the
    parser itself recurses and fails with RecursionError on a deep enough body."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def _api_error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


async def _read_json(request: web.Request, config: WebConfig) -> Any | web.Response:
    """A webhook's JSON body, bounded in size, time and depth; or the error answer."""
    if request.content_length is not None and request.content_length > WEBHOOK_MAX_BYTES:
        response = _api_error(413, "Payload Too Large")
        response.force_close()
        return response
    try:
        async with asyncio.timeout(config.body_timeout_s):
            raw = await request.content.read(WEBHOOK_MAX_BYTES + 1)
    except TimeoutError:
        return _api_error(408, "Request Timeout")
    if len(raw) > WEBHOOK_MAX_BYTES:
        response = _api_error(413, "Payload Too Large")
        response.force_close()
        return response
    try:
        text = raw.decode("utf-8")
        if not _json_depth_ok(text, JSON_MAX_DEPTH):
            return _api_error(400, "Bad Request: nested too deeply")
        return json.loads(text)
    except (ValueError, RecursionError):
        return _api_error(400, "Bad Request")


def _secret_ok(given: str, secret: str | None) -> bool:
    return bool(secret) and hmac.compare_digest(given.encode(), (secret or "").encode())


def tenant_path(code: str, channel: str) -> str:
    """A Sở's own webhook path of `channel` ("telegram", "zalo")."""
    return f"/t/{code}/{channel}/webhook"


def _tenant(request: web.Request) -> TenantWebhooks | None:
    return request.app[CONFIG].tenants.get(request.match_info.get("tenant_code", ""))


async def _zalo_webhook(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    with tenant_scope(DEFAULT_TENANT):
        return await _zalo_call(request, config.zalo, config.webhook_secret)


async def _tenant_zalo_webhook(request: web.Request) -> web.Response:
    own = _tenant(request)
    if own is None:
        return _api_error(403, "Forbidden")
    with tenant_scope(own.tenant):
        return await _zalo_call(request, own.zalo, own.zalo_secret)


async def _zalo_call(request: web.Request, channel: Any, secret: str | None) -> web.Response:
    config = request.app[CONFIG]
    if channel is None or not _secret_ok(request.headers.get("X-Bot-Api-Secret-Token", ""), secret):
        return _api_error(403, "Forbidden")
    body = await _read_json(request, config)
    if isinstance(body, web.Response):
        return body
    from hsdt.channels.zalo_bot.translate import unwrap

    update = unwrap(body)
    if update:
        # Answered once the event has committed; its replies follow from the user's queue.
        await channel.submit(update)
    return web.json_response({"ok": True})


async def _telegram_webhook(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    with tenant_scope(DEFAULT_TENANT):
        return await _telegram_call(request, config.telegram, config.telegram_secret)


async def _tenant_telegram_webhook(request: web.Request) -> web.Response:
    own = _tenant(request)
    if own is None:
        return _api_error(403, "Forbidden")
    with tenant_scope(own.tenant):
        return await _telegram_call(request, own.telegram, own.telegram_secret)


async def _telegram_call(request: web.Request, channel: TelegramChannel | None, secret: str | None) -> web.Response:
    """Answered 200 only once the update's event has committed: any other answer (a rolled-back
    event, a worker killed half-way) makes Telegram deliver it again, to any worker."""
    config = request.app[CONFIG]
    if channel is None or not _secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), secret):
        return _api_error(403, "Forbidden")
    body = await _read_json(request, config)
    if isinstance(body, web.Response):
        return body
    from pydantic import ValidationError

    from hsdt.channels.telegram.translate import parse_update

    try:
        update = parse_update(body)
    except ValidationError:
        return _api_error(400, "Bad Request: not an update")
    if not await channel.receive(update):
        return _api_error(503, "Service Unavailable: not applied, deliver again")
    return web.json_response({"ok": True})


def zalo_routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    from hsdt.channels.zalo_bot.receive import WEBHOOK_PATH

    web_app.router.add_post(WEBHOOK_PATH, _zalo_webhook)
    if config.tenants:
        web_app.router.add_post(tenant_path("{tenant_code}", "zalo"), _tenant_zalo_webhook)


def telegram_routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    from hsdt.channels.telegram.receive import WEBHOOK_PATH

    web_app.router.add_post(WEBHOOK_PATH, _telegram_webhook)
    if config.tenants:
        web_app.router.add_post(tenant_path("{tenant_code}", "telegram"), _tenant_telegram_webhook)
