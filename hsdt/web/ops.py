"""Operations endpoints: liveness (/healthz), readiness (/readyz: the database at this code's migration
head) and the Prometheus metrics (/metrics)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from hsdt.web.config import HOST, WebConfig, WebHost

log = logging.getLogger(__name__)


async def _health(request: web.Request) -> web.Response:
    """The process is up and its event loop answers (a liveness probe: restart it when this fails)."""
    return web.json_response({"ok": True})


READY_TIMEOUT_S = 5.0


def _readiness(host: WebHost) -> dict[str, object]:
    from hsdt.storage.db import current_revision, head_revision

    current, head = current_revision(host.engine), head_revision(host.engine)
    return {"ok": current == head, "database": "reachable", "migration": current, "head": head}


async def _ready(request: web.Request) -> web.Response:
    """The database answers and its schema is at this code's migration head (a readiness probe: the
    proxy sends no traffic to a worker that says no). 503 otherwise, with the reason."""
    host = request.app[HOST]
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            state = await asyncio.to_thread(_readiness, host)
    except Exception as error:  # unreachable, refused, timed out: not ready, whatever the cause
        log.warning("readiness check failed: %r", error)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response(state, status=200 if state["ok"] else 503)


async def _metrics(request: web.Request) -> web.Response:
    host = request.app[HOST]
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await asyncio.to_thread(host.metrics.refresh, host.engine)
    except Exception as error:  # the counters of this process are still worth serving
        log.warning("metrics: the database gauges could not be read: %r", error)
    return web.Response(body=host.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    web_app.router.add_get("/healthz", _health)
    web_app.router.add_get("/readyz", _ready)
    web_app.router.add_get("/metrics", _metrics)
