"""Zalo Bot Platform adapter: updates in, channel-neutral events to the handlers, replies out.

It holds no business rules, it only translates. Zalo has no inline buttons, no documents and no
message editing, so:
- buttons become numbered options (`hsdt.channels.numbered`, as in the terminal chat); the options last
  shown to a chat are kept in the database (`chat_menu`), written in the event's own transaction
  (`ZaloMenus`, the dispatcher's hooks for this channel), so typing "2" or the label presses that
  button after a restart or on another bot process, and the menu never disagrees with the state;
- a screen that asks for a PDF (`Reply.upload`) gets a one-time upload link (`hsdt.links.tokens`);
  so does a file the user tries to send (it arrives as `message.unsupported.received`);
- the replies of one turn are joined into as few messages as the 2,000-character limit allows
  (the free plan counts outbound messages).
getUpdates answers one update and has no offset: the message id (in the bot's namespace) is the event id, and the
dispatcher's processed-event marker makes a redelivery harmless. Every event, a file Zalo cannot pass
on included, goes through the dispatcher, so it is answered once; the replies are committed first
and sent after (`kit.ReplyDelivery`), refusals such as the monthly quota retried and reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from hsdt.channels.contract import RecipientBlocked, RetryLater, SendRefused, bot_scope
from hsdt.channels.delivery import MessageMeter, ReplyDelivery, poll_forever, stream_to_file
from hsdt.channels.numbered import last_options, pack, render, resolve
from hsdt.channels.zalo_bot.client import POLL_TIMEOUT_S, TEXT_LIMIT, ZaloApiError, ZaloBotClient, ZaloError
from hsdt.events import Attachment, Button, FileRef, FileTooLarge, Incoming, Kind, Origin, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.signature_check import UPLOAD_PURPOSE as CHECK_ONLY
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts
from hsdt.texts import typed as typed_texts

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WEBHOOK_PATH = "/zalo/webhook"
# Public clients disagree on the name of a file event and where its URL sits; accept them all.
FILE_EVENTS = ("message.file.received", "message.document.received", "message.pdf.received")
# The payload of a file Zalo did not pass on; the channel answers it with an upload link.
UNSUPPORTED_FILE = "zalo:file"



def unwrap(body: Any) -> dict[str, Any] | None:
    """An update from getUpdates or a webhook body: wrapped in {ok, result} or bare."""
    if isinstance(body, dict) and "result" in body and ("ok" in body or "message" not in body):
        body = body["result"]
    if isinstance(body, list):
        body = body[0] if body else None
    return body if isinstance(body, dict) else None


def event_name(update: dict[str, Any]) -> str:
    name = update.get("event_name")
    if isinstance(name, str) and name:
        return name
    message = update.get("message") or {}
    if "text" in message:
        return "message.text.received"
    if "photo" in message:
        return "message.image.received"
    return "message.unsupported.received"


@dataclass(frozen=True)
class Sender:
    user_ref: str
    chat_id: str
    display_name: str | None


def sender_of(update: dict[str, Any]) -> Sender | None:
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    person = message.get("from") or {}
    chat = message.get("chat") or {}
    user_id = person.get("id") or chat.get("id")
    if not user_id or person.get("is_bot"):
        return None
    name = person.get("display_name") or person.get("first_name") or person.get("name")
    return Sender(str(user_id), str(chat.get("id") or user_id), name if isinstance(name, str) else None)


def event_id_of(update: dict[str, Any]) -> str:
    message = update.get("message") or {}
    message_id = message.get("message_id")
    if message_id:
        return str(message_id)[:64]
    # No id (seen on "unsupported" events): the content itself, so a redelivery still deduplicates.
    return "h:" + hashlib.sha256(json.dumps(update, sort_keys=True, default=str).encode()).hexdigest()[:40]


def sent_at(message: dict[str, Any]) -> int | None:
    """The message's `date` (milliseconds since the epoch), when Zalo gave one."""
    date = message.get("date")
    if isinstance(date, bool) or not isinstance(date, int | str):
        return None
    try:
        return int(date)
    except ValueError:
        return None


def file_of(message: dict[str, Any]) -> tuple[str, str | None, int | None, str | None] | None:
    """(url, name, size, mime) of a file event, wherever a client has seen them."""
    for key in ("file", "document", "attachment"):
        nested = message.get(key)
        if isinstance(nested, dict) and isinstance(nested.get("url"), str):
            return (nested["url"], nested.get("name") or nested.get("file_name"),
                    _int(nested.get("size") or nested.get("file_size")), nested.get("mime_type"))
    for key in ("attachment_url", "file_url", "url"):
        if isinstance(message.get(key), str):
            name = message.get("attachment_name") or message.get("file_name") or message.get("name")
            return message[key], name, _int(message.get("file_size") or message.get("size")), message.get("mime_type")
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def download_ref(session: Callable[[], aiohttp.ClientSession], url: str, name: str | None, size: int | None,
                 mime: str | None) -> FileRef:
    """A file behind a URL, fetched with the declared size checked first and a hard cap while streaming."""

    async def fetch(dest: Path, max_bytes: int) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL")
        async with session().get(url, timeout=aiohttp.ClientTimeout(total=120)) as response:
            response.raise_for_status()
            if response.content_length is not None and response.content_length > max_bytes:
                raise FileTooLarge(name or "file")
            await stream_to_file(response.content.iter_chunked(65536), dest, max_bytes, name or "file")

    return FileRef(name=name or "tep.pdf", size=size, mime_type=mime, fetch=fetch)


def classify(error: BaseException, quota_wait_s: float = 60.0) -> BaseException:
    """A Zalo failure as the channel-neutral outcome. `ok:false` arrives with HTTP 200 too. A quota or
    flood refusal says "not now", not "never": the reply is kept and tried again."""
    if isinstance(error, ZaloApiError):
        text = error.description.lower()
        if error.error_code == 429 or "quota" in text:
            log.error("zalo refused a send for now (%s); the reply is kept and retried in %.0f s; "
                      "check the plan's message quota", error, quota_wait_s)
            return RetryLater(quota_wait_s, str(error))
        if error.error_code == 403:
            return RecipientBlocked(str(error))
        if error.error_code in (400, 404):
            return SendRefused(str(error))
        return RetryLater(None, str(error))
    if isinstance(error, ZaloError | aiohttp.ClientError | TimeoutError | OSError):
        return RetryLater(None, str(error))
    return error


# --- the menu memory, inside the event's transaction ------------------------------------------------


class ZaloMenus:
    """The dispatcher's hooks for Zalo: what a typed key means, and what the chat is shown next."""

    def before(self, uow: UnitOfWork, event: Incoming) -> Incoming | list[Reply]:
        menu = uow.channels.menu(CHANNEL, event.user_ref)
        if event.kind is Kind.OTHER and event.payload == UNSUPPORTED_FILE:
            if uow.identities.find(CHANNEL, event.user_ref) is None:
                return Incoming(channel=event.channel, user_ref=event.user_ref, event_id=event.event_id,
                                kind=Kind.OTHER, display_name=event.display_name)
            return [Reply("", upload=(menu.upload if menu else None) or CHECK_ONLY)]
        if event.kind in (Kind.TEXT, Kind.COMMAND) and menu is not None and menu.options:
            options = {key: Button(label, action) for key, label, action in menu.options}
            button = resolve(event.text, options)
            if button is not None:
                return Incoming(channel=event.channel, user_ref=event.user_ref, event_id=event.event_id,
                                kind=Kind.BUTTON, payload=button.action, text=event.text,
                                display_name=event.display_name)
        return event

    def after(self, uow: UnitOfWork, event: Incoming, replies: list[Reply]) -> list[Reply]:
        menu = uow.channels.menu(CHANNEL, event.user_ref)
        if event.kind is Kind.PHOTO and replies and uow.identities.find(CHANNEL, event.user_ref) is not None \
                and replies[-1].upload is None:
            # A photo is often a scanned document: the answer carries the upload page's link for the PDF,
            # in the same message (a second reply would contradict it).
            replies = [*replies[:-1], dataclasses.replace(replies[-1],
                                                          upload=(menu.upload if menu else None) or CHECK_ONLY)]
        options = last_options(replies)
        upload = next((r.upload for r in reversed(replies) if r.upload), None)
        if options is not None:
            uow.channels.save_menu(CHANNEL, event.user_ref, [[k, b.label, b.action] for k, b in options.items()],
                                   upload)
        elif upload is not None:
            uow.channels.save_menu(CHANNEL, event.user_ref, menu.options if menu else [], upload)
        return replies


# --- out -------------------------------------------------------------------------------------------


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


# --- in --------------------------------------------------------------------------------------------


class ZaloChannel:
    def __init__(self, client: ZaloBotClient, dispatcher: Dispatcher, links: UploadLinks | None,
                 tz: ZoneInfo, quota_wait_s: float = 60.0, downloads: Downloads | None = None,
                 orphan_grace_s: float = 15.0) -> None:
        self.client = client
        # How long a redelivered turn's unsent replies are left to the worker that applied it.
        self.orphan_grace_s = orphan_grace_s
        self.dispatcher = dispatcher
        self.links = links
        self.turns = ZaloTurns(client, dispatcher, links, tz, quota_wait_s, downloads)
        self.sender = ZaloSender(self.turns)
        # Message ids are namespaced by bot, so two Zalo bots can share one database.
        self.scope = bot_scope(client.token)
        self.meter = self.turns.meter
        self.delivery: ReplyDelivery[None] = ReplyDelivery(CHANNEL, dispatcher, self.turns, scope=self.scope,
                                                           meter=self.meter)
        self._downloads: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._downloads is None:
            self._downloads = aiohttp.ClientSession()
        return self._downloads

    def event_of(self, update: dict[str, Any]) -> Incoming | None:
        who = sender_of(update)
        if who is None:
            log.info("zalo %s without a sender ignored", event_name(update))
            return None
        name = event_name(update)
        message: dict[str, Any] = update.get("message") or {}
        base: Origin = {"channel": CHANNEL, "user_ref": who.user_ref,
                "event_id": f"{self.scope}:{event_id_of(update)}"[:64],
                "display_name": who.display_name,
                # When the user sent it: with several workers, a message that arrives after a newer one
                # of the same chat was applied is recognised as stale instead of being read out of turn.
                "stream": f"{CHANNEL}:{self.scope}", "sequence": sent_at(message)}
        file_event = name in FILE_EVENTS or name == "message.unsupported.received"
        if name == "message.text.received" or (not file_event and isinstance(message.get("text"), str)):
            text = str(message.get("text") or "")
            return Incoming(kind=Kind.COMMAND if text.startswith("/") else Kind.TEXT, text=text, **base)
        if name == "message.image.received":
            return Incoming(kind=Kind.PHOTO, text=str(message.get("caption") or ""), **base)
        if name in FILE_EVENTS and (found := file_of(message)) is not None:
            url, file_name, size, mime = found
            return Incoming(kind=Kind.DOCUMENT, file=download_ref(self._http, url, file_name, size, mime),
                            text=str(message.get("caption") or ""), **base)
        if file_event:
            return Incoming(kind=Kind.OTHER, payload=UNSUPPORTED_FILE, **base)
        return Incoming(kind=Kind.OTHER, **base)  # stickers, voice: the handlers explain what they read

    def submit(self, update: dict[str, Any]) -> asyncio.Future[None]:
        """Queue in the user's order; the future resolves once the event has committed."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        event = self.event_of(update)
        if event is None:
            committed.set_result(None)
            return committed

        async def work() -> None:
            try:
                if event.kind is Kind.DOCUMENT:
                    # Downloading and checking takes seconds: show "typing" (not a counted message).
                    with contextlib.suppress(ZaloError):
                        await self.client.send_chat_action(event.user_ref, "typing")
                handled = await self.dispatcher.process(event)
            finally:
                if not committed.done():
                    committed.set_result(None)
            if not handled.replies:
                return
            if handled.duplicate:
                # A copy of a turn already applied (delivered again, perhaps to another worker): the
                # worker that applied it is sending its replies, or died doing so.
                self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
            elif self.delivery.claim(event.event_id):
                await self.delivery.send(event.event_id, event.user_ref, handled.replies, handled.first, None)

        self.delivery.queues.submit(event.user_ref, work)
        return committed

    async def handle_update(self, update: dict[str, Any]) -> None:
        """Handle one update and wait until its replies are out (tests; the webhook waits for the commit)."""
        await self.submit(update)
        await self.delivery.queues.drain()

    async def poll(self, stop: asyncio.Event, timeout: int = POLL_TIMEOUT_S) -> None:
        async def fetch() -> dict[str, Any] | None:
            return await self.client.get_updates(timeout)

        async def take(update: dict[str, Any] | None) -> None:
            unwrapped = unwrap(update) if update is not None else None
            if unwrapped:
                self.submit(unwrapped)

        await poll_forever("zalo getUpdates", fetch, take, stop)

    async def run(self, stop: asyncio.Event, mode: str, webhook_base: str | None, webhook_secret: str | None) -> None:
        """Polling: delete any webhook first (getUpdates is refused while one is set). Webhook: register
        it; the web server receives the calls."""
        me = await self.client.get_me()
        log.info("zalo bot %s (%s mode)", me.get("account_name") or me.get("id"), mode)
        await asyncio.to_thread(self.dispatcher.adopt_legacy_events, CHANNEL, self.scope)
        await self.delivery.recover()
        if mode == "webhook":
            if webhook_secret is None or webhook_base is None:
                raise RuntimeError("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET and UPLOAD_BASE_URL")
            await self.client.set_webhook(webhook_base + WEBHOOK_PATH, webhook_secret)
            await stop.wait()
            return
        await self.client.delete_webhook()
        await self.poll(stop)

    async def close(self, grace_s: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.delivery.close(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()
        if self._downloads is not None:
            await self._downloads.close()
            self._downloads = None
