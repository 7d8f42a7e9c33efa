"""The Zalo Official Account webhook: one route per OA (`/zalo-oa/<oa_id>/webhook`).

A call is read whole (bounded in size and time), verified against its raw bytes (size, depth, JSON,
known app, signature compared in constant time, freshness: `zalo_oa.webhook.verify_call`) and refused
with no effect when any check fails: 413 too large, 400 not JSON or nested too deep, 403 unknown
app, missing, wrong or stale signature. A signed call whose event cannot be read is answered 200 and
logged: Zalo sent it and would send the same body again for hours.

Zalo wants an answer within about 2 seconds and never sends an answered event again: the route first
records the event as received (durably: a worker that dies applying it leaves it to the next), then
waits for its commit at most the channel's `answer_within_s` and answers 200 while the work goes on
(a file check takes longer).
Each `msg_id` is applied once, whatever the number of deliveries (`OAChannel.accept`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from hsdt.storage.tenancy import tenant_scope
from hsdt.web.config import CONFIG, WebConfig, WebHost

if TYPE_CHECKING:
    from hsdt.channels.zalo_oa.receive import OAChannel

log = logging.getLogger(__name__)

_STATUS = {"too_large": 413, "too_deep": 400, "not_json": 400}


def _refused(status: int, reason: str) -> web.Response:
    response = web.json_response({"error": -1, "message": reason}, status=status)
    if status == 413:
        response.force_close()
    return response


async def _oa_webhook(request: web.Request) -> web.Response:
    from hsdt.channels.zalo_oa.receive import OAChannel

    channel = request.app[OA_CHANNELS].get(request.match_info["oa_id"])
    if not isinstance(channel, OAChannel):
        return _refused(404, "unknown OA")
    # The OA's Sở: the event it records and applies, and the tasks it starts, are that tenant's.
    with tenant_scope(channel.tenant):
        return await _oa_call(request, channel)


async def _oa_call(request: web.Request, channel: OAChannel) -> web.Response:
    from hsdt.channels.zalo_oa.webhook import SIGNATURE_HEADER, Rejection, WebhookRejected, verify_call

    limit = channel.policy.max_bytes
    if request.content_length is not None and request.content_length > limit:
        return _refused(413, "too large")
    try:
        async with asyncio.timeout(request.app[CONFIG].body_timeout_s):
            raw = await request.content.read(limit + 1)
    except TimeoutError:
        return _refused(408, "body too slow")
    try:
        call = verify_call(raw, request.headers.get(SIGNATURE_HEADER), channel.policy, channel.clock())
    except WebhookRejected as rejected:
        if rejected.reason is Rejection.MALFORMED_EVENT:
            log.warning("zalo oa: a signed call could not be read (%s); answered, not applied", rejected)
            return web.json_response({"error": 0})
        log.warning("zalo oa: webhook call refused (%s)", rejected.reason.value)
        return _refused(_STATUS.get(rejected.reason.value, 403), rejected.reason.value)
    started = asyncio.get_running_loop().time()
    try:
        committed = await channel.accept(call)
    except Exception:
        # Not recorded: unanswered, Zalo sends the call again; answered, it would be lost.
        log.exception("zalo oa: a verified event could not be recorded; answered 503 for Zalo to send it again")
        return _refused(503, "not recorded")
    # Answered in Zalo's time either way: a slow event commits and its replies follow from the user's queue.
    with contextlib.suppress(TimeoutError):
        # Zalo's 2 s count from the call: the time the record took is part of the wait.
        left = channel.answer_within_s - (asyncio.get_running_loop().time() - started)
        await asyncio.wait_for(asyncio.shield(committed), max(0.0, left))
    return web.json_response({"error": 0})


OA_CHANNELS: web.AppKey[dict[str, object]] = web.AppKey("zalo_oa_channels")


def routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    """A route per configured OA of every Sở (the composition root's `zalo_oa` channels and each
    tenant's, by OA id: an OA id names its Sở)."""
    channels = dict(getattr(host, "zalo_oa", None) or {})
    for own in (getattr(host, "tenants", None) or {}).values():
        channels.update(own.zalo_oa)
    web_app[OA_CHANNELS] = dict(channels)
    if channels:
        web_app.router.add_post("/zalo-oa/{oa_id}/webhook", _oa_webhook)
