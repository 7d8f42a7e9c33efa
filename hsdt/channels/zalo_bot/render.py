"""Replies out: one Zalo turn as few messages as the 2,000-character limit allows (the plan counts
messages); buttons as numbered options, documents and uploads as one-time links, pictures by URL."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hsdt.channels.delivery import Progress, no_progress
from hsdt.channels.meter import MessageMeter
from hsdt.channels.numbered import render
from hsdt.channels.text_split import pack_marked
from hsdt.channels.zalo_bot.client import TEXT_LIMIT, ZaloBotClient, classify
from hsdt.channels.zalo_bot.translate import CHANNEL
from hsdt.events import Attachment, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.texts import channels as texts
from hsdt.texts import typed as typed_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZaloMessage:
    """One platform message of a turn: text, or a picture sent by URL with `text` as its caption. Once it
    is sent, `done` replies of the turn are wholly on the platform, and `into` messages of the next."""

    text: str
    done: int
    into: int = 0
    picture: Attachment | None = None


class ZaloTurns:
    """One turn as few messages as the 2,000-character limit allows (the plan counts messages)."""

    def __init__(self, client: ZaloBotClient, dispatcher: Dispatcher, links: UploadLinks | None, tz: ZoneInfo,
                 quota_wait_s: float = 60.0, downloads: Downloads | None = None) -> None:
        self.client = client
        self.downloads = downloads
        self.quota_wait_s = quota_wait_s
        self.dispatcher = dispatcher
        self.links = links
        self.tz = tz
        self.sent_messages = 0
        # Every message Zalo accepted, until the delivery that recorded the send counts it (the plan's quota).
        self.meter = MessageMeter()

    def _link(self, user_ref: str, user_id: int | None, purpose: str, template: str) -> str:
        if self.links is None or user_id is None:
            return texts.NO_UPLOAD_PAGE
        url, grant = self.links.issue(CHANNEL, user_ref, user_id, purpose)
        expires = grant.expires_at.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")
        return template.format(url=url, expires=expires)

    def render(self, user_ref: str, user_id: int | None, replies: list[Reply]) -> list[str]:
        return [message.text for message in self.compose(user_ref, user_id, replies) if message.picture is None]

    def compose(self, user_ref: str, user_id: int | None, replies: list[Reply], resume: int = 0) -> list[ZaloMessage]:
        """The turn's messages in order: texts packed together, a picture (sent by URL) on its own. Zalo
        carries no files: a document becomes a one-time download link in the text. `resume`: messages
        of the first reply already sent (they are left out)."""
        shows_options = next((i for i in range(len(replies) - 1, -1, -1) if replies[i].buttons), None)
        messages: list[ZaloMessage] = []
        run: list[str] = []  # texts of consecutive replies, packed together
        start = 0  # the index of the run's first reply

        def flush() -> None:
            for packed in pack_marked(run, TEXT_LIMIT, skip=resume if start == 0 else 0):
                messages.append(ZaloMessage(packed.text, start + packed.done, packed.into))
            run.clear()

        for index, reply in enumerate(replies):
            if reply.image is not None and not reply.buttons and self.downloads is not None:
                flush()
                messages.append(ZaloMessage(reply.text, index + 1, picture=reply.image))
                start = index + 1
                continue
            if not run:
                start = index
            run.append(self._body(user_ref, user_id, reply, index == shows_options))
        flush()
        return messages

    def _body(self, user_ref: str, user_id: int | None, reply: Reply, shows_options: bool) -> str:
        if not reply.text and reply.upload:  # the channel's own: only the link
            return self._link(user_ref, user_id, reply.upload, texts.UNSUPPORTED_FILE)
        head = reply.text
        if reply.upload:
            head += "\n\n" + self._link(user_ref, user_id, reply.upload, texts.UPLOAD_LINK)
        shown = Reply(head, reply.buttons, expects_number=reply.expects_number) if shows_options else Reply(head)
        body = render(shown)
        if shown.buttons:
            body += "\n" + (typed_texts.OPTIONS_HINT_LETTERS if shown.expects_number
                             else typed_texts.OPTIONS_HINT_NUMBERS)
        attachment = reply.document or reply.image
        if attachment is not None:
            body += "\n" + self._file_link(user_ref, attachment)
        return body

    def _file_link(self, user_ref: str, attachment: Attachment, *, direct: bool = False) -> str:
        if self.downloads is None:
            return texts.ATTACHMENT_UNAVAILABLE.format(name=attachment.file_name)
        try:
            offer = self.downloads.offer(CHANNEL, user_ref, attachment, direct=direct)
        except Exception:
            log.exception("zalo: no download link for %s", attachment.file_name)
            offer = None
        return self.downloads.text(offer, attachment.file_name)

    async def _send(self, user_ref: str, text: str) -> None:
        try:
            await self.client.send_message(user_ref, text)
        except Exception as error:
            mapped = classify(error, self.quota_wait_s)
            if mapped is error:
                raise
            raise mapped from error
        self.sent_messages += 1
        self.meter.add(user_ref)

    async def _send_picture(self, user_ref: str, caption: str, picture: Attachment) -> None:
        """sendPhoto by URL (a direct one-time link); refused or failed, the caption with a download link."""
        assert self.downloads is not None
        try:
            offer = await asyncio.to_thread(self.downloads.offer, CHANNEL, user_ref, picture, direct=True)
            if offer is not None:
                await self.client.send_photo(user_ref, offer.url, caption[:TEXT_LIMIT] or None)
                self.sent_messages += 1
                self.meter.add(user_ref)
                return
        except Exception as error:
            log.warning("zalo: sendPhoto to %s failed (%s); sending a download link instead", user_ref, error)
        link = await asyncio.to_thread(self._file_link, user_ref, picture)
        await self._send(user_ref, f"{caption}\n{link}".strip())

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        """Each message reported as Zalo takes it: a retry after a failure resumes at the message that
        failed, so the user never gets one twice (and the plan never counts one twice)."""
        user_id = None
        if any(r.upload for r in replies):
            user_id = await asyncio.to_thread(self.dispatcher.user_id_of, CHANNEL, user_ref)
        messages = await asyncio.to_thread(self.compose, user_ref, user_id, replies, resume)
        for message in messages:
            if message.picture is not None:
                await self._send_picture(user_ref, message.text, message.picture)
            else:
                await self._send(user_ref, message.text)
            progress(message.done, None, message.into)
        progress(len(replies))
        log.info("zalo: %d message(s) to %s (%d this run)", len(messages), user_ref, self.sent_messages)


class ZaloSender:
    """Outbound messages (reminders, upload results) through the same rendering as replies."""

    channel = CHANNEL

    def __init__(self, turns: ZaloTurns) -> None:
        self.turns = turns

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        await self.turns.send_turn(external_id, replies, no_progress, None)
