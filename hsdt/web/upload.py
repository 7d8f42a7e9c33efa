"""The one-time upload page (every channel): a form for PDFs, their checks, and the result in the chat.

A POST streams the PDFs to temporary files with a hard cap on the whole body (MAX_UPLOAD_MB plus the
form's overhead, also without Content-Length) and a read deadline, then hands every file to the
dispatcher exactly as a chat would (`Incoming(kind=DOCUMENT)` with the link's purpose as payload), so
evidence storage and scoring are the chat's own. The link is spent only when a file was accepted (a
PDF the checker could read): a file of the wrong type, a corrupt one or one over the limit leaves the
link usable until it expires. Each file's event is named after the link and the file's content, so
the same file sent twice (a double tap, two tabs) is applied once, and another file after a refused
one is a new event. The verdict shows on the page, a row per signature (`hsdt.web.verdicts`), and goes
into the user's chat too: the files' replies as one turn that stands in the reply ledger for theirs,
sent by the channel's reply delivery in the user's order (retried until the platform takes it, the
screen it shows recorded like any turn's) or, in a process without that channel, by the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, ClientError, MultipartReader, web

from hsdt.actions.self_assessment import EvidenceFor
from hsdt.events import FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers.context import CheckedFile
from hsdt.links.tokens import LinkExpired, LinkInvalid, UploadGrant
from hsdt.storage.tenancy import tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts
from hsdt.texts import pages as page_texts
from hsdt.web.config import WebConfig, WebHost
from hsdt.web.pages import PageError, add_assets, error_page, megabytes, render
from hsdt.web.verdicts import FileResult, file_view

log = logging.getLogger(__name__)

_FORM_OVERHEAD = 64 * 1024  # multipart headers and boundaries on top of the files themselves


class UploadPage:
    def __init__(self, host: WebHost, config: WebConfig) -> None:
        self.host = host
        self.config = config
        self.tz = ZoneInfo(host.settings.timezone)
        self.limit = host.settings.max_upload_bytes

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
        with UnitOfWork(self.host.engine, grant.tenant_id) as uow:
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
            return error_page(error)
        return render("upload.html", {
            "title": texts.PAGE_TITLE, "t": texts, "purpose": purpose,
            "who": texts.PAGE_FOR.format(name=who),
            "expires": texts.PAGE_EXPIRES.format(expires=self._when(grant.expires_at)),
            "instructions": texts.PAGE_INSTRUCTIONS.format(max_files=self.config.max_files,
                                                           limit_mb=megabytes(self.limit)),
        })

    async def upload(self, request: web.Request) -> web.Response:
        """The files go through the dispatcher as the chat's would, in the link's tenant (the signed grant
        names it): every unit of work the dispatcher opens for them belongs to that Sở."""
        try:
            tenant = self._grant(request.match_info["token"]).tenant_id
        except PageError:
            return await self._upload(request)  # refused there, before any database work
        with tenant_scope(tenant):
            return await self._upload(request)

    async def _upload(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        tmp_dir = self.host.settings.files_dir / "tmp"
        received: list[tuple[str, Path]] = []
        cap = self.limit + _FORM_OVERHEAD
        body_read = False
        try:
            grant = self._grant(token)
            await asyncio.to_thread(self._describe, grant)
            if request.content_length is not None and request.content_length > cap:
                raise PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=megabytes(self.limit)), close=True)
            body_read = True
            try:
                async with asyncio.timeout(self.config.body_timeout_s):
                    received = await self._receive(request, tmp_dir, cap)
            except TimeoutError:
                raise PageError(408, texts.UPLOAD_TIMEOUT, close=True) from None
            results, chat, events, accepted, turn = await self._check(grant, received)
            if not events and await asyncio.to_thread(self._used, grant):
                # Every file was a copy of one a concurrent use of the link applied.
                raise PageError(410, texts.LINK_USED)
            if accepted and not await asyncio.to_thread(self._use, grant):
                raise PageError(410, texts.LINK_USED)
        except PageError as error:
            if not body_read and not error.close and not await self._discard_body(request, cap):
                error.close = True
            return error_page(error, back=str(request.rel_url) if error.status in (400, 408, 413) else None)
        finally:
            for _, path in received:
                path.unlink(missing_ok=True)
        delivered = await self._tell_chat(grant, chat, events, turn)
        return render("upload_result.html", {
            "title": texts.PAGE_TITLE, "t": texts, "tp": page_texts,
            "files": [file_view(result, self.host.settings.timezone) for result in results],
            "note": texts.PAGE_RESULT_SENT if delivered else texts.PAGE_RESULT_QUEUED,
        })

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
        too_large = PageError(413, texts.UPLOAD_TOO_LARGE.format(limit_mb=megabytes(self.limit)), close=True)
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
        return self.host.dispatcher.spend_link(grant.nonce, grant.user_id, grant.purpose)

    def _used(self, grant: UploadGrant) -> bool:
        with UnitOfWork(self.host.engine, grant.tenant_id) as uow:
            return uow.channels.link_used(grant.nonce)

    async def _check(self, grant: UploadGrant, files: list[tuple[str, Path]],
                     ) -> tuple[list[FileResult], list[Reply], list[str], bool, int | None]:
        """Every file through the dispatcher, as the chat would send it. Returns (each file's result for
        the page, chat replies, the events applied now, whether a file was accepted, the conversation's
        turn the chat's screen comes from)."""
        page: list[FileResult] = []
        chat: list[Reply] = []
        events: list[str] = []
        accepted = False
        screen: Reply | None = None
        turn: int | None = None
        for name, path in files:
            event = Incoming(
                channel=grant.channel,
                user_ref=grant.user_ref,
                event_id=f"web:{grant.nonce}:{await asyncio.to_thread(_digest, path)}",
                kind=Kind.DOCUMENT,
                payload=grant.purpose,
                file=_copy_ref(name, path),
            )
            checked = await self.host.dispatcher.check_file(event)
            handled = await self.host.dispatcher.process(event, checked)
            if handled.duplicate:  # this file came through this link before (or at once from another page)
                page.append(FileResult(name, checked.verdict, _refusal(checked), applied=False))
                continue
            events.append(event.event_id)
            accepted = accepted or _accepted(checked)
            replies = handled.replies
            # The page shows what was said about the file; the question screen belongs to the chat only.
            page.append(FileResult(name, checked.verdict, tuple(r.text for r in replies if not r.buttons)))
            chat.extend(r for r in replies if not r.buttons)
            shown = next((r for r in reversed(replies) if r.buttons), None)
            if shown is not None:
                screen, turn = shown, handled.turn
        return page, [*chat, *([screen] if screen is not None else [])], events, accepted, turn

    async def _tell_chat(self, grant: UploadGrant, replies: list[Reply], events: list[str],
                         turn: int | None) -> bool:
        """True when the chat has the result now; False when it is on its way (queued in the user's order
        behind a slow turn, retried while the platform fails, or left to the outbox)."""
        if not events:
            return True
        ledger = self.host.dispatcher.ledger
        # The Sở's own bot tells its chat (another Sở's bot of the same channel knows nothing of that chat).
        delivery = self.config.deliveries_of(grant.tenant_id).get(grant.channel)
        if delivery is None:
            # No delivery of this channel in this process: the outbox sends it (the screen it shows is not
            # recorded; the user's next answer is read against the question on record).
            await asyncio.to_thread(ledger.stand_in, grant.channel, _stand_in_id(grant, events), grant.user_ref,
                                    [], turn, events)
            if replies:
                await asyncio.to_thread(ledger.notify, grant.user_id, replies, "upload_result",
                                        f"upload:{grant.nonce}")
            return False
        # The files' replies go out as one turn standing in for theirs, stored before it is sent.
        stand_in = _stand_in_id(grant, events)
        stored = await asyncio.to_thread(ledger.stand_in, grant.channel, stand_in, grant.user_ref, replies, turn,
                                         events)
        if not replies:
            return True
        if not stored:
            return False  # another request through this link is telling the chat
        sent = delivery.submit_turn(stand_in, grant.user_ref, replies, turn)
        try:
            return await asyncio.wait_for(asyncio.shield(sent), self.config.reply_wait_s)
        except TimeoutError:
            return False


def _stand_in_id(grant: UploadGrant, events: list[str]) -> str:
    """The event id of the turn that tells the chat about these files (recovered with the page's events)."""
    digest = hashlib.sha256("\n".join(sorted(events)).encode()).hexdigest()[:12]
    return f"web:{grant.nonce}:chat:{digest}"


def _accepted(checked: CheckedFile) -> bool:
    """A file that spends the link: one the checker read. A refused file (over the limit, the checker
    unavailable) or one it could not read (not a PDF, corrupt, encrypted) leaves the link usable."""
    return checked.refusal is None and checked.verdict is not None and checked.verdict.status != "error"


def _refusal(checked: CheckedFile) -> tuple[str, ...]:
    return (checked.refusal,) if checked.refusal is not None else ()


def _digest(path: Path) -> str:
    """The file's identity in its event id (`web:<nonce>:<digest>` stays within the 64 characters)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:40]


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


def routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    upload_page = UploadPage(host, config)
    add_assets(web_app)
    web_app.router.add_get("/u/{token}", upload_page.show)
    web_app.router.add_post("/u/{token}", upload_page.upload)
