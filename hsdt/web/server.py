"""The bot's own web server: the one-time upload page (`upload`), the download links (`downloads`), the
Zalo and Telegram webhooks (`webhooks`), the probes and metrics (`ops`) and the dashboard.

Limits: request headers must arrive within WEB_HEADER_TIMEOUT_S (the server's keep-alive timer also
closes a connection that never completes its first request), bodies within WEB_BODY_TIMEOUT_S; a 413
closes the connection; webhook JSON is bounded in size and depth; and no route answers 500: bad
input gets a Vietnamese page or a 4xx.

Routes are registered per group in `ROUTES` (one line each).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from hsdt.texts import channels as texts
from hsdt.web import downloads, ops, upload, webhooks, zalo_oa_route
from hsdt.web.config import CONFIG, HOST, WebConfig, WebHost
from hsdt.web.dashboard.routes import mount as mount_dashboard
from hsdt.web.pages import PageError, error_page
from hsdt.web.templating import route_of

log = logging.getLogger(__name__)


@web.middleware
async def _never_500(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     ) -> web.StreamResponse:
    """A failure inside a route is logged and answered with a Vietnamese page, never a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        # The route, not the path: a path carries the link's token (the log filter would scrub it too).
        log.exception("%s %s failed", request.method, route_of(request))
        return error_page(PageError(400, texts.PAGE_FAILED))


# One line per route group.
ROUTES: list[Callable[[web.Application, WebHost, WebConfig], None]] = [
    upload.routes,
    webhooks.zalo_routes,
    webhooks.telegram_routes,
    zalo_oa_route.routes,
    ops.routes,
    downloads.routes,
]


def make_web_app(host: WebHost, config: WebConfig) -> web.Application:
    # The page streams multipart itself with its own caps; client_max_size only bounds other bodies.
    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[_never_500])
    web_app[CONFIG] = config
    web_app[HOST] = host
    for register in ROUTES:
        register(web_app, host, config)
    mount_dashboard(web_app, host.dashboard(config.clock), config.clock)
    return web_app


def make_runner(web_app: web.Application, header_timeout_s: float, shutdown_timeout_s: float = 60.0) -> web.AppRunner:
    """The keep-alive timer also runs before the first request, so headers that do not arrive in
    time close the connection. No lingering: a body refused half-way is not read on, the connection
    closes right after the answer. At a stop, the calls in flight get `shutdown_timeout_s` to be
    answered (the listening socket is closed first: no new call is taken)."""
    return web.AppRunner(web_app, access_log=None, keepalive_timeout=header_timeout_s, lingering_time=0,
                         shutdown_timeout=shutdown_timeout_s)


async def serve(host: WebHost, config: WebConfig, stop: asyncio.Event) -> None:
    settings = host.settings
    # A webhook call in flight waits for its commit and (Telegram) up to the reply wait for its replies.
    runner = make_runner(make_web_app(host, config), settings.web_header_timeout_s,
                         settings.stop_grace_s + settings.telegram_webhook_reply_wait_s)
    await runner.setup()
    site = web.TCPSite(runner, host.settings.web_host, host.settings.web_port)
    await site.start()
    log.info("web server on %s:%s (links: %s)", host.settings.web_host, host.settings.web_port,
             config.links.base_url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
