"""Replies out: one Zalo turn as few messages as the 2,000-character limit allows (the plan counts
messages); buttons as numbered options, documents and uploads as one-time links, pictures by URL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from hsdt.channels.meter import MessageMeter
from hsdt.channels.numbered import render
from hsdt.channels.text_split import pack
from hsdt.channels.zalo_bot.client import TEXT_LIMIT, ZaloBotClient, classify
from hsdt.channels.zalo_bot.translate import CHANNEL
from hsdt.events import Attachment, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.texts import channels as texts
from hsdt.texts import typed as typed_texts

log = logging.getLogger(__name__)


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
        return self.compose(user_ref, user_id, replies)[0]

    def compose(self, user_ref: str, user_id: int | None,
                replies: list[Reply]) -> tuple[list[str], list[tuple[str, Attachment]]]:
        """The turn's text messages, and the pictures to send by URL after them (with their captions).
        Zalo carries no files: a document becomes a one-time download link in the text."""
        shows_options = next((i for i in range(len(replies) - 1, -1, -1) if replies[i].buttons), None)
        parts: list[str] = []
        pictures: list[tuple[str, Attachment]] = []
        for index, reply in enumerate(replies):
            if reply.image is not None and not reply.buttons and self.downloads is not None:
                pictures.append((reply.text, reply.image))
                continue
            if not reply.text and reply.upload:  # the channel's own: only the link
                parts.append(self._link(user_ref, user_id, reply.upload, texts.UNSUPPORTED_FILE))
                continue
            head = reply.text
            if reply.upload:
                head += "\n\n" + self._link(user_ref, user_id, reply.upload, texts.UPLOAD_LINK)
            shown = Reply(head, reply.buttons, expects_number=reply.expects_number) if index == shows_options \
                else Reply(head)
            body = render(shown)
            if shown.buttons:
                body += "\n" + (typed_texts.OPTIONS_HINT_LETTERS if shown.expects_number
                                 else typed_texts.OPTIONS_HINT_NUMBERS)
            attachment = reply.document or reply.image
            if attachment is not None:
                body += "\n" + self._file_link(user_ref, attachment)
            parts.append(body)
        return pack(parts, TEXT_LIMIT), pictures

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

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Callable[[int], None],
                        hint: None) -> None:
        user_id = None
        if any(r.upload for r in replies):
            user_id = await asyncio.to_thread(self.dispatcher.user_id_of, CHANNEL, user_ref)
        messages, pictures = await asyncio.to_thread(self.compose, user_ref, user_id, replies)
        for text in messages:
            await self._send(user_ref, text)
        for caption, picture in pictures:
            await self._send_picture(user_ref, caption, picture)
        progress(len(replies))
        log.info("zalo: %d message(s) to %s (%d this run)", len(messages), user_ref, self.sent_messages)


class ZaloSender:
    """Outbound messages (reminders, upload results) through the same rendering as replies."""

    channel = CHANNEL

    def __init__(self, turns: ZaloTurns) -> None:
        self.turns = turns

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        await self.turns.send_turn(external_id, replies, lambda _n: None, None)
