"""One-time download links for files a chat cannot carry: every file on Zalo (no documents; its
sendPhoto takes a public URL) and, on Telegram, a file over its limits or one whose sending failed.

A link is a signed token of its own kind (`hsdt.links.tokens`: an upload token is never a download
token and the other way round): bound to the chat and its user, with an expiry, and used once
(`used_upload_link`). The file waits in
`FILES_DIR/downloads/<nonce>` until it is fetched (`hsdt.web.downloads` serves it) or expires.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt.config import Settings
from hsdt.events import Attachment
from hsdt.links.tokens import (
    DownloadGrant,
    LinkInvalid,
    SignedLinks,
    link_tenant,
    load_secret,
    new_nonce,
    public_base_url,
)
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import report as m

log = logging.getLogger(__name__)

PATH = "/d/{token}"
FILE_PURPOSE = "dl:file"
PICTURE_PURPOSE = "dl:img"
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024  # Bot API: sendDocument
TELEGRAM_PHOTO_LIMIT = 10 * 1024 * 1024  # Bot API: sendPhoto


class DownloadLinks(SignedLinks[DownloadGrant]):
    def __init__(self, secret: bytes, base_url: str, ttl: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(secret, DownloadGrant, base_url, PATH, ttl, clock)

    def issue(self, channel: str, user_ref: str, user_id: int, purpose: str,
              tenant: int | None = None) -> tuple[str, DownloadGrant]:
        grant = DownloadGrant(channel=channel, user_ref=user_ref, user_id=user_id, purpose=purpose,
                              expires_at=self.expiry(), nonce=new_nonce(), tenant_id=link_tenant(tenant))
        return self.url(grant), grant


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
    def __init__(self, links: DownloadLinks, folder: Path, engine: Engine, tz: str = "Asia/Ho_Chi_Minh") -> None:
        self.links = links
        self.folder = folder
        self.engine = engine
        self.tz = ZoneInfo(tz)

    # --- handing a file out (sync: adapters call it in a thread) -------------------------------------

    def offer(self, channel: str, user_ref: str, attachment: Attachment, *, direct: bool = False,
              tenant: int | None = None) -> Offer | None:
        """A link to `attachment` for the user of that chat (in `tenant`, else the one in scope); None when
        the chat belongs to nobody."""
        with UnitOfWork(self.engine, tenant) as uow:
            identity = uow.identities.find(channel, user_ref)
            user_id = identity.user_id if identity is not None else None
            tenant = uow.tenant
        if user_id is None:
            return None
        content = attachment.content
        url, grant = self.links.issue(channel, user_ref, user_id, PICTURE_PURPOSE if direct else FILE_PURPOSE,
                                      tenant)
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

    # --- what the download page reads and records -----------------------------------------------------

    def grant(self, token: str) -> DownloadGrant:
        """The download link's grant (LinkInvalid, LinkExpired)."""
        grant = self.links.verify(token)
        if grant.purpose not in (FILE_PURPOSE, PICTURE_PURPOSE):
            raise LinkInvalid
        return grant

    def stored(self, grant: DownloadGrant) -> tuple[Path, dict[str, object]] | None:
        """The waiting file and what is known of it (name, type, size); None once fetched or swept."""
        path = self.folder / f"{grant.nonce}.bin"
        meta = path.with_suffix(".json")
        if not path.exists() or not meta.exists():
            return None
        return path, json.loads(meta.read_text(encoding="utf-8"))

    def use(self, grant: DownloadGrant) -> bool:
        """Records the link's one use; False when it was used already."""
        try:
            with UnitOfWork(self.engine, grant.tenant_id) as uow:
                return uow.channels.use_link(grant.nonce, grant.user_id, grant.purpose)
        except IntegrityError:  # a concurrent use committed first
            return False

    def used(self, grant: DownloadGrant) -> bool:
        with UnitOfWork(self.engine, grant.tenant_id) as uow:
            return uow.channels.link_used(grant.nonce)


def from_settings(
    settings: Settings, engine: Engine, clock: Callable[[], datetime] = utcnow
) -> Downloads | None:
    """Download links when the bot has a public address (UPLOAD_BASE_URL, or the Zalo default)."""
    base = public_base_url(settings)
    if base is None:
        return None
    links = DownloadLinks(load_secret(settings), base, timedelta(minutes=settings.upload_link_ttl_minutes), clock)
    return Downloads(links, settings.files_dir / "downloads", engine, settings.timezone)
