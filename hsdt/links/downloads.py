"""One-time download links for files a chat cannot carry: every file on Zalo (no documents; its
sendPhoto takes a public URL) and, on Telegram, a file over its limits or one whose sending failed.

A link is the upload links' signed token (`UploadLinks`, with a key of its own derived from the same
secret, so an upload token is never a download token and the other way round): bound to the chat and
its user, with an expiry, and used once (`used_upload_link`). The file waits in
`FILES_DIR/downloads/<nonce>` until it is fetched or expires.

- A document link opens a small page (file name and size, one button): a link preview made by the chat
  app fetches only the page, and the download itself (POST) uses the link up.
- A picture link (`direct`) serves the bytes on GET, for Zalo's servers fetching a sendPhoto URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt.config import Settings
from hsdt.events import Attachment
from hsdt.links.tokens import LinkExpired, LinkInvalid, UploadGrant, UploadLinks, load_secret, public_base_url
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import report as m

log = logging.getLogger(__name__)

PATH = "/d/{token}"
FILE_PURPOSE = "dl:file"
PICTURE_PURPOSE = "dl:img"
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024  # Bot API: sendDocument
TELEGRAM_PHOTO_LIMIT = 10 * 1024 * 1024  # Bot API: sendPhoto
_KEY_CONTEXT = b"hsdt download links v1"


@dataclass(frozen=True)
class Offer:
    url: str
    file_name: str
    size: int
    expires_at: datetime


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return m.SIZE_KB.format(size=max(1, round(size / 1024)))
    return m.SIZE_MB.format(size=f"{size / (1024 * 1024):.1f}".replace(".", ","))


class Downloads:
    def __init__(self, links: UploadLinks, folder: Path, engine: Engine, tz: str = "Asia/Ho_Chi_Minh") -> None:
        self.links = links
        self.folder = folder
        self.engine = engine
        self.tz = ZoneInfo(tz)

    # --- handing a file out (sync: adapters call it in a thread) -------------------------------------

    def offer(self, channel: str, user_ref: str, attachment: Attachment, *, direct: bool = False) -> Offer | None:
        """A link to `attachment` for the user of that chat; None when the chat belongs to nobody."""
        with UnitOfWork(self.engine) as uow:
            identity = uow.identities.find(channel, user_ref)
            user_id = identity.user_id if identity is not None else None
        if user_id is None:
            return None
        content = attachment.content
        _, grant = self.links.issue(channel, user_ref, user_id, PICTURE_PURPOSE if direct else FILE_PURPOSE)
        url = f"{self.links.base_url}{PATH.format(token=self.links.token(grant))}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sweep()
        (self.folder / f"{grant.nonce}.bin").write_bytes(content)
        meta = {"name": attachment.file_name, "mime": attachment.mime_type, "size": len(content)}
        (self.folder / f"{grant.nonce}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        log.info("download link for %s/%s: %d bytes, expires %s", channel, user_ref, len(content),
                 grant.expires_at.isoformat())
        return Offer(url, attachment.file_name, len(content), grant.expires_at)

    def text(self, offer: Offer | None, file_name: str) -> str:
        """What the chat says about the file: the link with name, size and expiry (or why there is none)."""
        if offer is None:
            return m.DOWNLOAD_UNAVAILABLE.format(name=file_name)
        expires = offer.expires_at.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")
        return m.DOWNLOAD_LINK.format(name=offer.file_name, size=size_text(offer.size), url=offer.url,
                                      expires=expires)

    def _sweep(self) -> None:
        """Files whose links have expired (with an hour's grace) are deleted."""
        limit = time.time() - self.links.ttl.total_seconds() - 3600
        for path in self.folder.glob("*.bin"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
                    path.with_suffix(".json").unlink(missing_ok=True)
            except OSError:
                continue

    # --- serving ---------------------------------------------------------------------------------------

    def _grant(self, token: str) -> UploadGrant:
        grant = self.links.verify(token)
        if grant.purpose not in (FILE_PURPOSE, PICTURE_PURPOSE) or not grant.nonce.isalnum():
            raise LinkInvalid(token[:16])
        return grant

    def _meta(self, grant: UploadGrant) -> tuple[Path, dict[str, object]] | None:
        path = self.folder / f"{grant.nonce}.bin"
        meta = path.with_suffix(".json")
        if not path.exists() or not meta.exists():
            return None
        return path, json.loads(meta.read_text(encoding="utf-8"))

    def _use(self, grant: UploadGrant) -> bool:
        try:
            with UnitOfWork(self.engine) as uow:
                return uow.channels.use_link(grant.nonce, grant.user_id, grant.purpose)
        except IntegrityError:  # a concurrent use committed first
            return False

    def _used(self, grant: UploadGrant) -> bool:
        with UnitOfWork(self.engine) as uow:
            return uow.channels.link_used(grant.nonce)

    async def page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        try:
            grant = self._grant(token)
        except LinkInvalid:
            return _page(m.DOWNLOAD_INVALID, status=403)
        except LinkExpired as error:
            return _page(m.DOWNLOAD_EXPIRED.format(expires=error.expires_at.astimezone(self.tz)
                                                   .strftime("%H:%M %d/%m/%Y")), status=410)
        found = self._meta(grant)
        if found is None or await asyncio.to_thread(self._used, grant):
            return _page(m.DOWNLOAD_USED, status=410)
        path, meta = found
        if grant.purpose == PICTURE_PURPOSE or request.method == "POST":
            if not await asyncio.to_thread(self._use, grant):
                return _page(m.DOWNLOAD_USED, status=410)
            return await self._send(request, path, meta)
        name, size = str(meta["name"]), int(str(meta["size"]))
        body = (f"<h1>{html.escape(m.DOWNLOAD_PAGE_TITLE)}</h1>"
                f"<p><strong>{html.escape(name)}</strong> ({html.escape(size_text(size))})</p>"
                f'<form method="post"><button type="submit">{html.escape(m.DOWNLOAD_BUTTON)}</button></form>'
                f"<p>{html.escape(m.DOWNLOAD_ONCE)}</p>")
        return _page(body, raw=True)

    async def _send(self, request: web.Request, path: Path, meta: dict[str, object]) -> web.StreamResponse:
        name = str(meta["name"])
        ascii_name = name.encode("ascii", "ignore").decode() or "tep"
        response = web.StreamResponse(headers={
            "Content-Type": str(meta.get("mime") or "application/octet-stream"),
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        })
        await response.prepare(request)
        with path.open("rb") as source:
            while chunk := source.read(65536):
                await response.write(chunk)
        await response.write_eof()
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
        return response


def _page(body: str, *, status: int = 200, raw: bool = False) -> web.Response:
    content = body if raw else f"<p>{html.escape(body)}</p>"
    document = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(m.DOWNLOAD_PAGE_TITLE)}</title>"
                "<style>body{font-family:system-ui,Arial,sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem}"
                "button{width:100%;padding:.9rem;font-size:1.05rem;border:0;border-radius:.5rem;background:#0068ff;"
                "color:#fff}</style></head>"
                f"<body>{content}</body></html>")
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def from_settings(
    settings: Settings, engine: Engine, clock: Callable[[], datetime] = utcnow
) -> Downloads | None:
    """Download links when the bot has a public address (UPLOAD_BASE_URL, or the Zalo default)."""
    base = public_base_url(settings)
    if base is None:
        return None
    key = hmac.new(load_secret(settings), _KEY_CONTEXT, hashlib.sha256).digest()
    links = UploadLinks(key, base, timedelta(minutes=settings.upload_link_ttl_minutes), clock)
    return Downloads(links, settings.files_dir / "downloads", engine, settings.timezone)


def register(web_app: web.Application, downloads: Downloads | None) -> None:
    """The download routes on the bot's web server (nothing when links are not configured)."""
    if downloads is None:
        return
    web_app.router.add_get(PATH, downloads.page)
    web_app.router.add_post(PATH, downloads.page)
