"""The bot's own web server: the one-time upload page (every channel) and the Zalo and Telegram webhooks.

The upload page is plain server-rendered HTML in Vietnamese, no scripts or external assets, so it
works on any phone browser. A POST streams the PDFs to temporary files with a hard cap on the whole
body (MAX_UPLOAD_MB plus the form's overhead, also without Content-Length) and a read deadline, then
hands every file to the dispatcher exactly as a chat would (`Incoming(kind=DOCUMENT)` with the link's
purpose as payload), so evidence storage and scoring are the chat's own; the link is spent only when
a file was accepted. The verdict shows on the page and goes into the user's chat too, through the
channel's sender or, without one, the outbox.

Limits: request headers must arrive within WEB_HEADER_TIMEOUT_S (the server's keep-alive timer also
closes a connection that never completes its first request), bodies within WEB_BODY_TIMEOUT_S; a 413
closes the connection; webhook JSON is bounded in size and depth; and no route answers 500: bad
input gets a Vietnamese page or a 4xx.

Routes are registered per group in `ROUTES` (one line each).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
import shutil
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, ClientError, MultipartReader, web

from hsdt.actions.self_assessment import EvidenceFor
from hsdt.app.bootstrap import App
from hsdt.channels.contract import ChannelSender
from hsdt.events import FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Receipt
from hsdt.links import downloads
from hsdt.links.tokens import LinkExpired, LinkInvalid, UploadGrant, UploadLinks
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts
from hsdt.web.dashboard.routes import mount as mount_dashboard

if TYPE_CHECKING:
    from hsdt.channels.telegram.receive import TelegramChannel
    from hsdt.channels.zalo_bot.receive import ZaloChannel

log = logging.getLogger(__name__)

MAX_FILES = 10
_FORM_OVERHEAD = 64 * 1024  # multipart headers and boundaries on top of the files themselves
WEBHOOK_MAX_BYTES = 256 * 1024
JSON_MAX_DEPTH = 32


@dataclass
class WebConfig:
    links: UploadLinks
    senders: dict[str, ChannelSender] = field(default_factory=dict)
    zalo: ZaloChannel | None = None  # when the webhook is served
    webhook_secret: str | None = None
    telegram: TelegramChannel | None = None  # in Telegram's webhook mode
    telegram_secret: str | None = None
    clock: Callable[[], datetime] = utcnow
    max_files: int = MAX_FILES
    body_timeout_s: float = 120.0


CONFIG = web.AppKey("config", WebConfig)
APP = web.AppKey("app", App)


class PageError(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the body is not read: the connection must go


# --- HTML ---------------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.6rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.muted{color:#5b6775;font-size:.95rem}
label{display:block;font-weight:600;margin:.5rem 0}
input[type=file]{display:block;width:100%;padding:.8rem 0;font-size:1rem}
button,.button{display:block;width:100%;box-sizing:border-box;padding:.9rem;font-size:1.05rem;border:0;
border-radius:.5rem;background:#0068ff;color:#fff;text-align:center;text-decoration:none;margin-top:.8rem}
pre{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;margin:0;line-height:1.45}
.verdict{border-left:.35rem solid #0068ff}
.error{border-left:.35rem solid #d93025}
"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                 "X-Content-Type-Options": "nosniff"})


def _error_page(error: PageError, back: str | None = None) -> web.Response:
    again = f'<a class="button" href="{html.escape(back)}">{html.escape(texts.BACK_TO_FORM)}</a>' if back else ""
    body = (f"<h1>{html.escape(texts.PAGE_ERROR_HEADING)}</h1>"
            f'<div class="card error" role="alert"><pre>{html.escape(error.message)}</pre></div>{again}')
    response = _page(texts.PAGE_TITLE, body, error.status)
    if error.close:
        response.force_close()
    return response


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


# --- the upload page --------------------------------------------------------------------------------


class UploadPage:
    def __init__(self, app: App, config: WebConfig) -> None:
        self.app = app
        self.config = config
        self.tz = ZoneInfo(app.settings.timezone)
        self.limit = app.settings.max_upload_bytes

    def _when(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")

    def _grant(self, token: str) -> UploadGrant:
        try:
            return self.config.links.verify(token)
        except LinkInvalid:
            raise PageError(403, texts.LINK_INVALID) from None
        except LinkExpired as error:
            raise PageError(410, texts.LINK_EXPIRED.format(expires=self._when(error.expires_at))) from None

    def _describe(self, grant: UploadGrant) -> tuple[str, str]:
        """(who, purpose) for the form; refuses a used link or a chat no longer bound to the user."""
        with UnitOfWork(self.app.engine) as uow:
            if uow.channels.link_used(grant.nonce):
                raise PageError(410, texts.LINK_USED)
            identity = uow.identities.find(grant.channel, grant.user_ref)
            user = uow.users.get(grant.user_id)
            if identity is None or identity.user_id != grant.user_id or user is None or not user.active:
                raise PageError(403, texts.LINK_NOT_ENROLLED)
            evidence = EvidenceFor.unpack(grant.purpose)
            if evidence is not None:
                school = uow.units.get(evidence.school)
                purpose = texts.PURPOSE_EVIDENCE.format(criterion=evidence.criterion,
                                                        school=school.name if school else "?")
            else:
                purpose = texts.PURPOSE_CHECK
            return user.full_name, purpose

    async def show(self, request: web.Request) -> web.Response:
        try:
            grant = self._grant(request.match_info["token"])
            who, purpose = await asyncio.to_thread(self._describe, grant)
        except PageError as error:
            return _error_page(error)
        instructions = texts.PAGE_INSTRUCTIONS.format(max_files=self.config.max_files, limit_mb=_mb(self.limit))
        body = (
            f"<h1>{html.escape(texts.PAGE_HEADING)}</h1>"
            f'<div class="card"><p><strong>{html.escape(purpose)}</strong></p>'
            f'<p class="muted">{html.escape(texts.PAGE_FOR.format(name=who))}<br>'
            f"{html.escape(texts.PAGE_EXPIRES.format(expires=self._when(grant.expires_at)))}</p></div>"
            f'<form class="card" method="post" enctype="multipart/form-data">'
            f"<p>{html.escape(instructions)}</p>"
            f'<label for="files">{html.escape(texts.PAGE_CHOOSE)}</label>'
            f'<input id="files" name="files" type="file" accept="application/pdf,.pdf" multiple required>'
            f'<button type="submit">{html.escape(texts.PAGE_SUBMIT)}</button></form>'
        )
        return _page(texts.PAGE_TITLE, body)

    async def upload(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        tmp_dir = self.app.settings.files_dir / "tmp"
        received: list[tuple[str, Path]] = []
        cap = self.limit + _FORM_OVERHEAD
        body_read = False
        try:
            grant = self._grant(token)
            await asyncio.to_thread(self._describe, grant)
            if request.content_length is not None and request.content_length > cap:
                raise PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=_mb(self.limit)), close=True)
            body_read = True
            try:
                async with asyncio.timeout(self.config.body_timeout_s):
                    received = await self._receive(request, tmp_dir, cap)
            except TimeoutError:
                raise PageError(408, texts.UPLOAD_TIMEOUT, close=True) from None
            results, chat, events, accepted = await self._check(grant, received)
            if not events:
                raise PageError(410, texts.LINK_USED)
            if accepted and not await asyncio.to_thread(self._use, grant):
                raise PageError(410, texts.LINK_USED)
        except PageError as error:
            if not body_read and not error.close and not await self._discard_body(request, cap):
                error.close = True
            return _error_page(error, back=str(request.rel_url) if error.status in (400, 408, 413) else None)
        finally:
            for _, path in received:
                path.unlink(missing_ok=True)
        delivered = await self._tell_chat(grant, chat, events)
        blocks = "".join(
            f'<div class="card verdict"><pre>{html.escape(text)}</pre></div>' for text in results
        )
        note = texts.PAGE_RESULT_SENT if delivered else texts.PAGE_RESULT_QUEUED
        body = (f"<h1>{html.escape(texts.PAGE_RESULT_HEADING)}</h1>{blocks}"
                f'<p class="muted">{html.escape(note)}</p>')
        return _page(texts.PAGE_TITLE, body)

    async def _discard_body(self, request: web.Request, cap: int) -> bool:
        """Reads a refused upload's body to its end, so a browser shows the refusal page rather than a
        reset connection (the server does not linger); False when the body is too long or too slow."""
        read = 0
        try:
            async with asyncio.timeout(self.config.body_timeout_s):
                while chunk := await request.content.read(65536):
                    read += len(chunk)
                    if read > cap:
                        return False
        except (TimeoutError, ConnectionError, ClientError):
            return False
        return True

    async def _receive(self, request: web.Request, tmp_dir: Path, cap: int) -> list[tuple[str, Path]]:
        """Each file part streamed to disk; the whole body stops at `cap`, each file at the upload limit."""
        tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        files: list[tuple[str, Path]] = []
        total = 0
        too_large = PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=_mb(self.limit)), close=True)
        try:
            try:
                reader = await request.multipart()
            except (AssertionError, ValueError, KeyError):
                raise PageError(400, texts.UPLOAD_BAD_FORM) from None
            while (part := await _next_part(reader)) is not None:
                if not isinstance(part, BodyPartReader) or not part.filename:
                    if isinstance(part, BodyPartReader):
                        while chunk := await part.read_chunk(65536):
                            total += len(chunk)
                            if total > cap:
                                raise too_large
                    continue
                if len(files) >= self.config.max_files:
                    raise PageError(413, texts.UPLOAD_TOO_MANY.format(max_files=self.config.max_files), close=True)
                path = tmp_dir / f"web-{uuid.uuid4().hex}.pdf"
                files.append((Path(part.filename).name[:200] or "tep.pdf", path))
                written = 0
                with path.open("wb") as out:
                    while chunk := await part.read_chunk(65536):
                        written += len(chunk)
                        total += len(chunk)
                        if written > self.limit or total > cap:
                            raise too_large
                        out.write(chunk)
                if written == 0:
                    path.unlink(missing_ok=True)
                    files.pop()
        except BaseException:
            for _, path in files:
                path.unlink(missing_ok=True)
            raise
        if not files:
            raise PageError(400, texts.UPLOAD_NO_FILE)
        return files

    def _use(self, grant: UploadGrant) -> bool:
        return self.app.dispatcher.spend_link(grant.nonce, grant.user_id, grant.purpose)

    async def _check(self, grant: UploadGrant, files: list[tuple[str, Path]],
                     ) -> tuple[list[str], list[Reply], list[str], bool]:
        """Every file through the dispatcher, as the chat would send it. Returns (page texts, chat replies,
        the events applied now, whether a file was accepted, i.e. looked like a PDF)."""
        page: list[str] = []
        chat: list[Reply] = []
        events: list[str] = []
        accepted = False
        screen: Reply | None = None
        for index, (name, path) in enumerate(files):
            event = Incoming(
                channel=grant.channel,
                user_ref=grant.user_ref,
                event_id=f"web:{grant.nonce}:{index}",
                kind=Kind.DOCUMENT,
                payload=grant.purpose,
                file=_copy_ref(name, path),
            )
            handled = await self.app.dispatcher.process(event)
            if handled.duplicate:  # the same link used at the same time from another page
                continue
            events.append(event.event_id)
            accepted = accepted or await asyncio.to_thread(_looks_like_pdf, path)
            replies = handled.replies
            # The page shows what was said about the file; the question screen belongs to the chat only.
            page.append("\n\n".join(r.text for r in replies if not r.buttons))
            chat.extend(r for r in replies if not r.buttons)
            screen = next((r for r in reversed(replies) if r.buttons), screen)
        return page, [*chat, *([screen] if screen is not None else [])], events, accepted

    async def _tell_chat(self, grant: UploadGrant, replies: list[Reply], events: list[str]) -> bool:
        """True when sent into the chat now; False when queued in the outbox for the delivery service."""
        delivered = await self._send_or_queue(grant, replies)
        # The events' own stored replies went out as this one combined turn: nothing left to send.
        receipts = [Receipt(grant.channel, event_id, 0, settled=True) for event_id in events]
        with contextlib.suppress(Exception):
            await self.app.dispatcher.confirm_async(receipts)
        return delivered

    async def _send_or_queue(self, grant: UploadGrant, replies: list[Reply]) -> bool:
        if not replies:
            return True
        sender = self.config.senders.get(grant.channel)
        if sender is not None:
            try:
                await sender.send(grant.user_ref, replies)
                return True
            except Exception:
                log.exception("upload result to %s could not be sent; queued instead", grant.channel)
        await asyncio.to_thread(self.app.dispatcher.notify, grant.user_id, replies, "upload_result",
                                f"upload:{grant.nonce}")
        return False


def _looks_like_pdf(path: Path) -> bool:
    with path.open("rb") as head:
        return head.read(1024).lstrip().startswith(b"%PDF")


async def _next_part(reader: MultipartReader) -> object | None:
    try:
        return await reader.next()
    except (ValueError, AssertionError, KeyError):  # a malformed part: the form as a whole is bad
        raise PageError(400, texts.UPLOAD_BAD_FORM) from None


def _copy_ref(name: str, path: Path) -> FileRef:
    size = path.stat().st_size

    async def fetch(dest: Path, max_bytes: int) -> None:
        if size > max_bytes:
            raise FileTooLarge(name)
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return FileRef(name=name, size=size, mime_type="application/pdf", fetch=fetch)


# --- the Zalo webhook ---------------------------------------------------------------------------------


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


async def _zalo_webhook(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    if config.zalo is None or not _secret_ok(request.headers.get("X-Bot-Api-Secret-Token", ""),
                                             config.webhook_secret):
        return _api_error(403, "Forbidden")
    body = await _read_json(request, config)
    if isinstance(body, web.Response):
        return body
    from hsdt.channels.zalo_bot.receive import unwrap

    update = unwrap(body)
    if update:
        # Answered once the event has committed; its replies follow from the user's queue.
        await config.zalo.submit(update)
    return web.json_response({"ok": True})


async def _telegram_webhook(request: web.Request) -> web.Response:
    """Answered 200 only once the update's event has committed: any other answer (a rolled-back
    event, a worker killed half-way) makes Telegram deliver it again, to any worker."""
    config = request.app[CONFIG]
    channel = config.telegram
    if channel is None or not _secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""),
                                         config.telegram_secret):
        return _api_error(403, "Forbidden")
    body = await _read_json(request, config)
    if isinstance(body, web.Response):
        return body
    from pydantic import ValidationError

    from hsdt.channels.telegram.receive import parse_update

    try:
        update = parse_update(channel, body)
    except ValidationError:
        return _api_error(400, "Bad Request: not an update")
    if not await channel.receive(update):
        return _api_error(503, "Service Unavailable: not applied, deliver again")
    return web.json_response({"ok": True})


async def _health(request: web.Request) -> web.Response:
    """The process is up and its event loop answers (a liveness probe: restart it when this fails)."""
    return web.json_response({"ok": True})


READY_TIMEOUT_S = 5.0


def _readiness(app: App) -> dict[str, object]:
    from hsdt.storage.db import current_revision, head_revision

    current, head = current_revision(app.engine), head_revision(app.engine)
    return {"ok": current == head, "database": "reachable", "migration": current, "head": head}


async def _ready(request: web.Request) -> web.Response:
    """The database answers and its schema is at this code's migration head (a readiness probe: the
    proxy sends no traffic to a worker that says no). 503 otherwise, with the reason."""
    app = request.app[APP]
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            state = await asyncio.to_thread(_readiness, app)
    except Exception as error:  # unreachable, refused, timed out: not ready, whatever the cause
        log.warning("readiness check failed: %r", error)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response(state, status=200 if state["ok"] else 503)


async def _metrics(request: web.Request) -> web.Response:
    app = request.app[APP]
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await asyncio.to_thread(app.metrics.refresh, app.engine)
    except Exception as error:  # the counters of this process are still worth serving
        log.warning("metrics: the database gauges could not be read: %r", error)
    from hsdt.app.metrics import CONTENT_TYPE

    return web.Response(body=app.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


@web.middleware
async def _never_500(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     ) -> web.StreamResponse:
    """A failure inside a route is logged and answered with a Vietnamese page, never a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error_page(PageError(400, texts.PAGE_FAILED))


def _upload_routes(web_app: web.Application, app: App, config: WebConfig) -> None:
    page = UploadPage(app, config)
    web_app.router.add_get("/u/{token}", page.show)
    web_app.router.add_post("/u/{token}", page.upload)


def _zalo_routes(web_app: web.Application, app: App, config: WebConfig) -> None:
    web_app.router.add_post("/zalo/webhook", _zalo_webhook)


def _telegram_routes(web_app: web.Application, app: App, config: WebConfig) -> None:
    from hsdt.cli.webhook import WEBHOOK_PATH

    web_app.router.add_post(WEBHOOK_PATH, _telegram_webhook)


def _health_routes(web_app: web.Application, app: App, config: WebConfig) -> None:
    web_app.router.add_get("/healthz", _health)
    web_app.router.add_get("/readyz", _ready)
    web_app.router.add_get("/metrics", _metrics)


def _download_routes(web_app: web.Application, app: App, config: WebConfig) -> None:
    downloads.register(web_app, app.downloads)


# One line per route group.
ROUTES: list[Callable[[web.Application, App, WebConfig], None]] = [
    _upload_routes,
    _zalo_routes,
    _telegram_routes,
    _health_routes,
    _download_routes,
]


def make_web_app(app: App, config: WebConfig) -> web.Application:
    # The page streams multipart itself with its own caps; client_max_size only bounds other bodies.
    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[_never_500])
    web_app[CONFIG] = config
    web_app[APP] = app
    for register in ROUTES:
        register(web_app, app, config)
    mount_dashboard(web_app, app, config.clock)
    return web_app


def make_runner(web_app: web.Application, header_timeout_s: float) -> web.AppRunner:
    """The keep-alive timer also runs before the first request, so headers that do not arrive in
    time close the connection. No lingering: a body refused half-way is not read on, the connection
    closes right after the answer."""
    return web.AppRunner(web_app, access_log=None, keepalive_timeout=header_timeout_s, lingering_time=0)


def build_config(app: App) -> WebConfig:
    """What the bootstrap built: the links, every channel's sender (so upload results reach the chat)
    and the Zalo channel for the webhook."""
    settings = app.settings
    if app.links is None:
        raise RuntimeError("the web server needs UPLOAD_BASE_URL (or ZALO_BOT_TOKEN)")
    secret = settings.zalo_webhook_secret
    telegram_secret = settings.telegram_webhook_secret
    return WebConfig(links=app.links, senders=dict(app.senders), zalo=app.zalo,
                     webhook_secret=secret.get_secret_value() if secret is not None else None,
                     telegram=app.telegram if settings.telegram_webhook_enabled else None,
                     telegram_secret=telegram_secret.get_secret_value() if telegram_secret is not None else None,
                     body_timeout_s=settings.web_body_timeout_s)


async def serve(app: App, stop: asyncio.Event) -> None:
    config = build_config(app)
    runner = make_runner(make_web_app(app, config), app.settings.web_header_timeout_s)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.web_host, app.settings.web_port)
    await site.start()
    log.info("web server on %s:%s (links: %s)", app.settings.web_host, app.settings.web_port, config.links.base_url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
