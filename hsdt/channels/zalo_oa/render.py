"""Replies out through an Official Account: consultation messages inside Zalo's 7-day window, a
transaction message outside it (only in the day), never a silent drop.

A turn becomes as few text messages as the 2,000-character limit allows (each counts against the
free allowance or the quota), with buttons as numbered options the user answers by typing; a PDF
(or DOC/DOCX) of at most 5 MB goes as a file message (upload, then send), an image of at most 1 MB
as an image message, anything else (the workbook) as a one-time download link. A screen that takes
a PDF says to send it right here, with the upload page as the fallback.

Which kind of message may go is decided from the channel's own record of the user's last
interaction (`windows.route_for`); a -230 from Zalo (its record disagrees) falls back to the
transaction path. Every accepted message is counted by what it cost (`ZaloOARepository.record_sent`).
A turn is planned as its messages (`plan`), each reported as Zalo takes it: a retry after a refusal
resumes at the message refused, never sending one twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.channels.contract import DeferUntil, RetryLater, SendRefused
from hsdt.channels.delivery import Progress, no_progress
from hsdt.channels.numbered import render
from hsdt.channels.text_split import chunks_of, pack, pack_marked
from hsdt.channels.zalo_oa.client import SentMessage, TransactionMessage, ZaloOAClient
from hsdt.channels.zalo_oa.errors import (
    ContentRefused,
    InvalidParameter,
    OutsideWindow,
    QuotaExhausted,
    RateLimited,
    Refusal,
    ZaloOAApiError,
    ZaloOAError,
)
from hsdt.channels.zalo_oa.limits import FILE_LIMIT_BYTES, TEXT_LIMIT, check_document, check_image, text_length
from hsdt.channels.zalo_oa.tokens import TokenUnavailable
from hsdt.channels.zalo_oa.translate import CHANNEL
from hsdt.channels.zalo_oa.windows import Route, WindowPolicy, next_transaction_time, route_for, transaction_open
from hsdt.events import Attachment, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.services.usage import month_of
from hsdt.storage.tenancy import current_tenant
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import tenant_session
from hsdt.storage.zalo_oa_models import MessageCharge
from hsdt.storage.zalo_oa_repository import ZaloOARepository
from hsdt.texts import channels as texts
from hsdt.texts import typed as typed_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class File:
    attachment: Attachment


@dataclass(frozen=True)
class Picture:
    caption: str
    attachment: Attachment


Item = Text | File | Picture


def text_messages(parts: list[str]) -> list[str]:
    """`parts` as few text messages as Zalo's limit allows (it counts UTF-16 units: an emoji is two)."""
    return pack(parts, TEXT_LIMIT, measure=text_length)


@dataclass(frozen=True)
class Planned:
    """One message of a turn (a text of one message, a file or a picture), and how far the turn is once
    Zalo takes it: `done` replies wholly, and `into` messages of the reply after them."""

    item: Item
    done: int
    into: int = 0


def plan(items: list[tuple[int, Item]], replies: int, resume: int = 0) -> list[Planned]:
    """The turn's messages (`items`: what `OATurns.compose` made of its replies), consecutive texts
    packed together; `resume`: messages of the first reply on the platform already, left out (its text's
    messages first, then its file or picture)."""
    made: dict[int, int] = {}  # messages of each reply, counted as they are planned
    texts_of: dict[int, int] = {index: len(chunks_of(item.text, TEXT_LIMIT, text_length))
                                for index, item in items if isinstance(item, Text)}
    skip = min(resume, texts_of.get(0, 0))
    tails = resume - skip  # the first reply's files and pictures already sent
    last_of = {index: position for position, (index, _) in enumerate(items)}
    planned: list[Planned] = []
    run: list[tuple[int, str]] = []  # consecutive texts: (reply, text)

    def reached(index: int, position: int, count: int) -> tuple[int, int]:
        """(done, into) once the reply's item at `position` is out, `count` of its messages with it."""
        return (index + 1, 0) if last_of[index] == position else (index, count)

    def flush(position: int) -> None:
        """The run of texts that ends before `position`, packed."""
        if not run:
            return
        first = run[0][0]
        offset = skip if first == 0 else 0
        for packed in pack_marked([text for _, text in run], TEXT_LIMIT, skip=offset, measure=text_length):
            if packed.done < len(run):  # the run goes on in the next message
                planned.append(Planned(Text(packed.text), run[packed.done][0], packed.into))
                continue
            index = run[-1][0]  # every text of the run is out; its last reply may have files after it
            made[index] = texts_of[index]
            planned.append(Planned(Text(packed.text), *reached(index, position - 1, made[index])))
        run.clear()

    for position, (index, item) in enumerate(items):
        if isinstance(item, Text):
            run.append((index, item.text))
            continue
        flush(position)
        if index == 0 and tails > 0:
            tails -= 1
            made[0] = made.get(0, texts_of.get(0, 0)) + 1
            continue
        made[index] = made.get(index, texts_of.get(index, 0)) + 1
        planned.append(Planned(item, *reached(index, position, made[index])))
    flush(len(items))
    return planned


def classify(error: BaseException, rate_wait_s: float, quota_wait_s: float) -> BaseException:
    """A Zalo OA failure as the channel-neutral outcome (Zalo refuses with HTTP 200 and a code)."""
    if isinstance(error, RateLimited):
        return RetryLater(rate_wait_s, str(error))
    if isinstance(error, QuotaExhausted):
        log.error("zalo oa: the OA's message quota is used up (%s); the message is kept and retried in %.0f s",
                  error, quota_wait_s)
        return RetryLater(quota_wait_s, str(error))
    if isinstance(error, InvalidParameter | ContentRefused):
        return SendRefused(str(error))
    if isinstance(error, TokenUnavailable):
        log.error("zalo oa: %s; the message is kept", error)
        return RetryLater(None, str(error))
    if isinstance(error, ZaloOAApiError | ZaloOAError | OSError | TimeoutError):
        return RetryLater(None, str(error))
    return error


class OATurns:
    """Sends one turn (the reply delivery's `TurnSender`) and outbox messages (`ChannelSender`)."""

    channel = CHANNEL

    def __init__(self, client: ZaloOAClient, dispatcher: Dispatcher, engine: Engine, oa_id: str,
                 policy: WindowPolicy, *, links: UploadLinks | None = None, downloads: Downloads | None = None,
                 clock: Callable[[], datetime] = utcnow, rate_wait_s: float = 60.0,
                 quota_wait_s: float = 600.0, tenant: int | None = None) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.engine = engine
        self.tenant = current_tenant() if tenant is None else tenant
        self.oa_id = oa_id
        self.policy = policy
        self.links = links
        self.downloads = downloads
        self.clock = clock
        self.rate_wait_s = rate_wait_s
        self.quota_wait_s = quota_wait_s
        self.sent_messages = 0

    @property
    def tz(self) -> ZoneInfo:
        return self.policy.tz

    # --- composing --------------------------------------------------------------------------------------

    def _upload_hint(self, user_ref: str, user_id: int | None, purpose: str) -> str:
        if self.links is None or user_id is None:
            return texts.OA_SEND_PDF_HERE
        url, grant = self.links.issue(CHANNEL, user_ref, user_id, purpose, self.tenant)
        expires = grant.expires_at.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")
        return texts.OA_SEND_PDF_HERE + "\n" + texts.OA_UPLOAD_FALLBACK.format(url=url, expires=expires)

    def _file_link(self, user_ref: str, attachment: Attachment) -> str:
        if self.downloads is None:
            return texts.ATTACHMENT_UNAVAILABLE.format(name=attachment.file_name)
        try:
            offer = self.downloads.offer(CHANNEL, user_ref, attachment, tenant=self.tenant)
        except Exception:
            log.exception("zalo oa: no download link for %s", attachment.file_name)
            offer = None
        return self.downloads.text(offer, attachment.file_name)

    def _document(self, user_ref: str, attachment: Attachment) -> File | str:
        """The file itself when Zalo takes it (PDF/DOC/DOCX, 5 MB), else the line with its link."""
        try:
            check_document(attachment.content, attachment.file_name)
            return File(attachment)
        except ContentRefused as refused:
            link = self._file_link(user_ref, attachment)
            if refused.reason is Refusal.FILE_TOO_LARGE:
                limit_mb = FILE_LIMIT_BYTES // (1024 * 1024)
                return texts.OA_FILE_TOO_LARGE.format(name=attachment.file_name, limit_mb=limit_mb) + "\n" + link
            return link
        except Exception:
            log.exception("zalo oa: %s could not be made", attachment.file_name)
            return texts.ATTACHMENT_UNAVAILABLE.format(name=attachment.file_name)

    def compose(self, user_ref: str, user_id: int | None, replies: list[Reply]) -> list[tuple[int, Item]]:
        """The turn as (reply index, item) in order: texts, files and pictures."""
        shows_options = next((i for i in range(len(replies) - 1, -1, -1) if replies[i].buttons), None)
        items: list[tuple[int, Item]] = []
        for index, reply in enumerate(replies):
            head = reply.text
            if reply.upload:
                head = (head + "\n\n" if head else "") + self._upload_hint(user_ref, user_id, reply.upload)
            shown = Reply(head, reply.buttons, expects_number=reply.expects_number) if index == shows_options \
                else Reply(head)
            body = render(shown)
            if shown.buttons:
                body += "\n" + (typed_texts.OPTIONS_HINT_LETTERS if shown.expects_number
                                 else typed_texts.OPTIONS_HINT_NUMBERS)
            tail: list[Item] = []
            if reply.document is not None:
                found = self._document(user_ref, reply.document)
                if isinstance(found, str):
                    body += "\n" + found
                else:
                    tail.append(found)
            if reply.image is not None:
                try:
                    check_image(reply.image.content, reply.image.file_name)
                    # The caption goes with the picture: one message, not two (a text over the limit goes
                    # first, as messages of its own).
                    if text_length(body) <= TEXT_LIMIT:
                        tail.append(Picture(body, reply.image))
                        body = ""
                    else:
                        tail.append(Picture("", reply.image))
                except Exception:
                    body += "\n" + self._file_link(user_ref, reply.image)
            if body.strip():
                items.append((index, Text(body)))
            items += [(index, item) for item in tail]
        return items

    # --- sending ---------------------------------------------------------------------------------------

    def _route(self, user_ref: str) -> tuple[Route, bool]:
        """How a message to this user may go now, and whether Zalo knows the user at all."""
        with tenant_session(self.engine, self.tenant) as session:
            row = ZaloOARepository(session).user(self.oa_id, user_ref)
        if row is None:
            return Route.TRANSACTION, False
        route = route_for(row.last_interaction_at, row.free_sent, self.clock(), self.policy)
        return route, row.last_interaction_at is not None or bool(row.following)

    def _count(self, user_ref: str, charge: MessageCharge) -> None:
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            ZaloOARepository(session).record_sent(self.oa_id, user_ref, charge, month_of(self.clock(), self.tz))

    async def _accepted(self, user_ref: str, sent: SentMessage, charge: MessageCharge) -> None:
        self.sent_messages += 1
        try:
            await asyncio.to_thread(self._count, user_ref, charge)
        except Exception:
            # The message is out: a count short by one is better than sending it again.
            log.exception("zalo oa: message %s sent but not counted", sent.message_id)

    async def _consult(self, user_ref: str, item: Item, charge: MessageCharge) -> None:
        """One planned message (a text `plan` made within the limit, a file, a picture with its caption)."""
        if isinstance(item, Text):
            await self._accepted(user_ref, await self.client.send_text(user_ref, item.text), charge)
        elif isinstance(item, File):
            document = item.attachment
            sent = await self.client.send_document(user_ref, document.content, document.file_name)
            await self._accepted(user_ref, sent, charge)
        else:
            picture = item.attachment
            attachment_id = await self.client.upload_image(picture.content, picture.file_name)
            sent = await self.client.send_image(user_ref, attachment_id, item.caption)
            await self._accepted(user_ref, sent, charge)

    async def _send_items(self, user_ref: str, messages: list[Planned], replies: int, progress: Progress) -> None:
        """Each message reported as Zalo takes it: a retry after a failure resumes at the message that
        failed, so the user never gets one twice (and the OA's quota never counts one twice)."""
        route, known = await asyncio.to_thread(self._route, user_ref)
        for position, message in enumerate(messages):
            if route is Route.TRANSACTION:
                await self._transaction(user_ref, messages[position:], known)
                break
            charge = MessageCharge.FREE if route is Route.FREE else MessageCharge.QUOTA
            try:
                await self._consult(user_ref, message.item, charge)
            except OutsideWindow:
                log.info("zalo oa: %s is outside the 7-day window by Zalo's count; a transaction message instead",
                         user_ref)
                route = Route.TRANSACTION
                await self._transaction(user_ref, messages[position:], known)
                break
            progress(message.done, None, message.into)
        progress(replies)

    async def _transaction(self, user_ref: str, messages: list[Planned], known: bool) -> None:
        """What is left of the turn as one transaction message, in the day only."""
        if not known:
            raise SendRefused(f"zalo oa user {user_ref} never interacted with the OA: unreachable there")
        now = self.clock()
        if not transaction_open(now, self.policy):
            raise DeferUntil(next_transaction_time(now, self.policy), "transaction messages go 06:00-21:59 only")
        paragraphs: list[str] = []
        for planned in messages:
            item = planned.item
            if isinstance(item, Text):
                paragraphs += text_messages([item.text])
            else:
                caption = item.caption if isinstance(item, Picture) else ""
                link = await asyncio.to_thread(self._file_link, user_ref, item.attachment)
                paragraphs += text_messages([caption, link])
        message = TransactionMessage(texts.OA_NOTICE_HEADER, (*paragraphs, texts.OA_NOTICE_FOOTER))
        sent = await self.client.send_transaction(user_ref, message)
        await self._accepted(user_ref, sent, MessageCharge.TRANSACTION)

    async def deliver(self, user_ref: str, replies: list[Reply], progress: Progress, resume: int = 0) -> None:
        user_id = None
        if any(r.upload for r in replies):
            user_id = await asyncio.to_thread(self.dispatcher.user_id_of, CHANNEL, user_ref)
        items = await asyncio.to_thread(self.compose, user_ref, user_id, replies)
        try:
            await self._send_items(user_ref, plan(items, len(replies), resume), len(replies), progress)
        except (SendRefused, RetryLater, DeferUntil):
            raise
        except Exception as error:
            mapped = classify(error, self.rate_wait_s, self.quota_wait_s)
            if mapped is error:
                raise
            raise mapped from error

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        """A turn's replies (the user just wrote: inside the window). Night-time outside the window
        cannot wait in the user's queue: the answer is saved and shown at their next message."""
        try:
            await self.deliver(user_ref, replies, progress, resume)
        except DeferUntil as deferred:
            raise SendRefused(f"zalo oa user {user_ref} is outside the 7-day window at night: {deferred}") from None
        log.info("zalo oa: turn to %s sent (%d message(s) this run)", user_ref, self.sent_messages)


class OASender:
    """Outbound messages (reminders, upload results, notices) with the windows and the hours."""

    channel = CHANNEL

    def __init__(self, turns: OATurns) -> None:
        self.turns = turns

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        # The outbox sends only text and buttons; a retried row is sent whole again.
        plain = [dataclasses.replace(r, document=None, image=None) for r in replies]
        await self.turns.deliver(external_id, plain, no_progress)
