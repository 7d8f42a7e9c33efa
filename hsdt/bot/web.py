"""The bot's own web server: the one-time upload page (every channel) and the Zalo webhook.

The upload page is plain server-rendered HTML in Vietnamese, no scripts or external assets, so it
works on any phone browser. A POST streams each PDF to a temporary file with a hard size cap (after
checking Content-Length), marks the link used, then hands every file to the dispatcher exactly as a
chat would (`Incoming(kind=DOCUMENT)` with the link's purpose as payload), so evidence storage and
scoring are the chat's own. The verdict shows on the page and goes into the user's chat too, through
the channel's sender or, without one, the outbox.
"""

from __future__ import annotations

import asyncio
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
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, web
from sqlalchemy.exc import IntegrityError

from hsdt.bot.bootstrap import App
from hsdt.bot.channels import ChannelSender
from hsdt.bot.upload_links import LinkExpired, LinkInvalid, UploadGrant, UploadLinks, from_settings
from hsdt.dashboard.routes import mount as mount_dashboard
from hsdt.events import FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts

log = logging.getLogger(__name__)

MAX_FILES = 10
_FORM_OVERHEAD = 64 * 1024  # multipart headers and boundaries on top of the files themselves


@dataclass
class WebConfig:
    links: UploadLinks
    senders: dict[str, ChannelSender] = field(default_factory=dict)
    zalo: object | None = None  # hsdt.bot.zalo.ZaloAdapter, when the webhook is served
    webhook_secret: str | None = None
    clock: Callable[[], datetime] = utcnow
    max_files: int = MAX_FILES


CONFIG = web.AppKey("config", WebConfig)


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
    return _page(texts.PAGE_TITLE, body, error.status)


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
            parts = grant.purpose.split(":")
            if len(parts) == 4 and parts[1] == "ev" and parts[2].isdigit():
                school = uow.units.get(int(parts[2]))
                purpose = texts.PURPOSE_EVIDENCE.format(criterion=parts[3], school=school.name if school else "?")
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
        try:
            grant = self._grant(token)
            await asyncio.to_thread(self._describe, grant)
            cap = self.config.max_files * self.limit + _FORM_OVERHEAD
            if request.content_length is not None and request.content_length > cap:
                raise PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=_mb(self.limit)))
            try:
                received = await self._receive(request, tmp_dir)
            except PageError:
                # Discard the rest (bounded by the cap) so the browser gets the page, not a reset connection.
                await _drain(request, cap)
                raise
            if not await asyncio.to_thread(self._use, grant):
                raise PageError(410, texts.LINK_USED)
            results, chat = await self._check(grant, received)
        except PageError as error:
            return _error_page(error, back=str(request.rel_url) if error.status in (400, 413) else None)
        finally:
            for _, path in received:
                path.unlink(missing_ok=True)
        delivered = await self._tell_chat(grant, chat)
        blocks = "".join(
            f'<div class="card verdict"><pre>{html.escape(text)}</pre></div>' for text in results
        )
        note = texts.PAGE_RESULT_SENT if delivered else texts.PAGE_RESULT_QUEUED
        body = (f"<h1>{html.escape(texts.PAGE_RESULT_HEADING)}</h1>{blocks}"
                f'<p class="muted">{html.escape(note)}</p>')
        return _page(texts.PAGE_TITLE, body)

    async def _receive(self, request: web.Request, tmp_dir: Path) -> list[tuple[str, Path]]:
        """Each file part streamed to disk with the per-file cap; nothing is read whole."""
        tmp_dir.mkdir(parents=True, exist_ok=True)
        files: list[tuple[str, Path]] = []
        try:
            try:
                reader = await request.multipart()
            except (AssertionError, ValueError, KeyError):
                raise PageError(400, texts.UPLOAD_BAD_FORM) from None
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or not part.filename:
                    continue
                if len(files) >= self.config.max_files:
                    raise PageError(413, texts.UPLOAD_TOO_MANY.format(max_files=self.config.max_files))
                path = tmp_dir / f"web-{uuid.uuid4().hex}.pdf"
                files.append((Path(part.filename).name[:200] or "tep.pdf", path))
                written = 0
                with path.open("wb") as out:
                    while chunk := await part.read_chunk(65536):
                        written += len(chunk)
                        if written > self.limit:
                            raise PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=_mb(self.limit)))
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
        try:
            with UnitOfWork(self.app.engine) as uow:
                return uow.channels.use_link(grant.nonce, grant.user_id, grant.purpose)
        except IntegrityError:  # a concurrent use committed first
            return False

    async def _check(self, grant: UploadGrant, files: list[tuple[str, Path]]) -> tuple[list[str], list[Reply]]:
        """Every file through the dispatcher, as the chat would send it. Returns (page texts, chat replies)."""
        page: list[str] = []
        chat: list[Reply] = []
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
            replies = await self.app.dispatcher.handle(event)
            # The page shows what was said about the file; the question screen belongs to the chat only.
            page.append("\n\n".join(r.text for r in replies if not r.buttons))
            chat.extend(r for r in replies if not r.buttons)
            screen = next((r for r in reversed(replies) if r.buttons), screen)
        return page, [*chat, *([screen] if screen is not None else [])]

    async def _tell_chat(self, grant: UploadGrant, replies: list[Reply]) -> bool:
        """True when sent into the chat now; False when queued in the outbox for the delivery service."""
        if not replies:
            return True
        sender = self.config.senders.get(grant.channel)
        if sender is not None:
            try:
                await sender.send(grant.user_ref, replies)
                return True
            except Exception:
                log.exception("upload result to %s could not be sent; queued instead", grant.channel)

        def enqueue() -> None:
            with UnitOfWork(self.app.engine) as uow:
                uow.outbox.enqueue(grant.user_id, [r.to_json() for r in replies], kind="upload_result",
                                   dedupe_key=f"upload:{grant.nonce}")

        await asyncio.to_thread(enqueue)
        return False


async def _drain(request: web.Request, limit: int) -> None:
    read = 0
    while read <= limit and (chunk := await request.content.read(65536)):
        read += len(chunk)


def _copy_ref(name: str, path: Path) -> FileRef:
    size = path.stat().st_size

    async def fetch(dest: Path, max_bytes: int) -> None:
        if size > max_bytes:
            raise FileTooLarge(name)
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return FileRef(name=name, size=size, mime_type="application/pdf", fetch=fetch)


# --- the Zalo webhook ---------------------------------------------------------------------------------


async def _zalo_webhook(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    secret = config.webhook_secret
    given = request.headers.get("X-Bot-Api-Secret-Token", "")
    if config.zalo is None or not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return web.json_response({"ok": False, "error_code": 403, "description": "Forbidden"}, status=403)
    try:
        body = json.loads(await request.text())
    except ValueError:
        return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request"}, status=400)
    from hsdt.bot.zalo import unwrap

    update = unwrap(body)
    if update:
        # Handled (committed) before answering; replies go out in the same call.
        await config.zalo.handle_update(update)  # type: ignore[attr-defined]
    return web.json_response({"ok": True})


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def make_web_app(app: App, config: WebConfig) -> web.Application:
    page = UploadPage(app, config)
    # The page streams multipart itself with its own caps; client_max_size only bounds other bodies.
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[CONFIG] = config
    web_app.router.add_get("/u/{token}", page.show)
    web_app.router.add_post("/u/{token}", page.upload)
    web_app.router.add_post("/zalo/webhook", _zalo_webhook)
    web_app.router.add_get("/healthz", _health)
    mount_dashboard(web_app, app, config.clock)
    return web_app


async def build_config(app: App) -> tuple[WebConfig, list[Callable[[], Awaitable[None]]]]:
    """Senders for every configured channel (the delivery registry), so upload results reach the chat;
    the Zalo adapter also answers the webhook. Closers for shutdown."""
    from hsdt.bot.delivery import build_senders

    settings = app.settings
    links = from_settings(settings)
    if links is None:
        raise RuntimeError("the web server needs UPLOAD_BASE_URL (or ZALO_BOT_TOKEN)")
    config = WebConfig(links=links)
    senders, closers = build_senders(app)
    config.senders.update(senders)
    zalo = senders.get("zalo")
    if zalo is not None:
        config.zalo = zalo.adapter  # type: ignore[attr-defined]
        secret = settings.zalo_webhook_secret
        config.webhook_secret = secret.get_secret_value() if secret is not None else None
    return config, closers


async def serve(app: App, stop: asyncio.Event) -> None:
    from hsdt.bot.delivery import close_all

    config, closers = await build_config(app)
    runner = web.AppRunner(make_web_app(app, config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.web_host, app.settings.web_port)
    await site.start()
    log.info("web server on %s:%s (links: %s)", app.settings.web_host, app.settings.web_port, config.links.base_url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await close_all(closers)
