"""Zalo Bot Platform adapter: updates in, channel-neutral events to the handlers, replies out.

It holds no business rules, it only translates. Zalo has no inline buttons, no documents and no
message editing, so:
- buttons become numbered options (`hsdt.bot.numbered`, as in the terminal chat); the options last
  shown to a chat are kept in the database (`chat_menu`), so typing "2" or the label presses that
  button after a restart or on another bot process;
- a screen that asks for a PDF (`Reply.upload`) gets a one-time upload link (`hsdt.bot.upload_links`);
  so does a file the user tries to send (it arrives as `message.unsupported.received`);
- the replies of one turn are joined into as few messages as the 2,000-character limit allows
  (the free plan counts outbound messages).
getUpdates answers one update and has no offset: the message id is the event id, and the
dispatcher's processed-event marker drops a redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from hsdt.bot.bootstrap import App
from hsdt.bot.channels import RecipientBlocked, RetryLater
from hsdt.bot.downloads import Downloads
from hsdt.bot.downloads import from_settings as downloads_from_settings
from hsdt.bot.numbered import last_options, pack, render, resolve
from hsdt.bot.upload_links import UploadLinks, from_settings
from hsdt.bot.zalo_client import (
    POLL_TIMEOUT_S,
    TEXT_LIMIT,
    ZaloApiError,
    ZaloBotClient,
    ZaloError,
    install_log_redaction,
)
from hsdt.events import Attachment, Button, FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers.signature_check import UPLOAD_PURPOSE as CHECK_ONLY
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WEBHOOK_PATH = "/zalo/webhook"
# Public clients disagree on the name of a file event and where its URL sits; accept them all.
FILE_EVENTS = ("message.file.received", "message.document.received", "message.pdf.received")


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


def download_ref(session: aiohttp.ClientSession, url: str, name: str | None, size: int | None,
                 mime: str | None) -> FileRef:
    """A file behind a URL, fetched with the declared size checked first and a hard cap while streaming."""

    async def fetch(dest: Path, max_bytes: int) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL")
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=120)) as response:
            response.raise_for_status()
            if response.content_length is not None and response.content_length > max_bytes:
                raise FileTooLarge(name or "file")
            written = 0
            with dest.open("wb") as out:
                async for chunk in response.content.iter_chunked(65536):
                    written += len(chunk)
                    if written > max_bytes:
                        raise FileTooLarge(name or "file")
                    out.write(chunk)

    return FileRef(name=name or "tep.pdf", size=size, mime_type=mime, fetch=fetch)


class ZaloAdapter:
    def __init__(self, app: App, client: ZaloBotClient, links: UploadLinks | None,
                 clock: Callable[[], datetime] = utcnow, downloads: Downloads | None = None) -> None:
        self.app = app
        self.client = client
        self.links = links
        self.downloads = downloads
        self.clock = clock
        self.tz = ZoneInfo(app.settings.timezone)
        self.sent_messages = 0
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._downloads: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        await self.drain()
        if self._downloads is not None:
            await self._downloads.close()

    # --- in ------------------------------------------------------------------------------------------

    def submit(self, update: dict[str, Any]) -> None:
        """Handle in the background: users in parallel, each user's updates in order."""
        who = sender_of(update)
        key = who.user_ref if who is not None else "?"
        previous = self._chains.get(key)

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await self.handle_update(update)

        task = asyncio.create_task(run())
        self._chains[key] = task
        task.add_done_callback(lambda t: self._chains.pop(key, None) if self._chains.get(key) is t else None)

    async def drain(self) -> None:
        while self._chains:
            await asyncio.gather(*list(self._chains.values()), return_exceptions=True)

    async def handle_update(self, update: dict[str, Any]) -> None:
        try:
            await self._handle(update)
        except Exception:
            # The handlers committed or rolled back already; a failed send must not stop the bot.
            log.exception("zalo update %s failed", event_id_of(update))

    async def _handle(self, update: dict[str, Any]) -> None:
        who = sender_of(update)
        if who is None:
            log.info("zalo %s without a sender ignored", event_name(update))
            return
        name = event_name(update)
        message: dict[str, Any] = update.get("message") or {}
        base = {"channel": CHANNEL, "user_ref": who.user_ref, "event_id": event_id_of(update),
                "display_name": who.display_name}
        menu_options, menu_upload = await asyncio.to_thread(self._menu, who.user_ref)
        offer_link = False
        file_event = name in FILE_EVENTS or name == "message.unsupported.received"
        if name == "message.text.received" or (not file_event and isinstance(message.get("text"), str)):
            text = str(message.get("text") or "")
            button = resolve(text, menu_options)
            if button is not None:
                event = Incoming(kind=Kind.BUTTON, payload=button.action, text=text, **base)
            else:
                kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
                event = Incoming(kind=kind, text=text, **base)
        elif name == "message.image.received":
            event = Incoming(kind=Kind.PHOTO, text=str(message.get("caption") or ""), **base)
            offer_link = True
        elif name in FILE_EVENTS and (found := file_of(message)) is not None:
            url, file_name, size, mime = found
            event = Incoming(kind=Kind.DOCUMENT, file=download_ref(self._http(), url, file_name, size, mime),
                             text=str(message.get("caption") or ""), **base)
        elif file_event:
            if await asyncio.to_thread(self._user_id, who.user_ref) is not None:
                await self.deliver(who.chat_id, who.user_ref, [], link_text=texts.UNSUPPORTED_FILE,
                                   link_purpose=menu_upload or CHECK_ONLY)
                return
            event = Incoming(kind=Kind.OTHER, **base)
        else:  # stickers, voice, anything newer: the handlers explain what they can read
            event = Incoming(kind=Kind.OTHER, **base)
        if event.kind is Kind.DOCUMENT:
            # Downloading and checking takes seconds: show "typing" meanwhile (not a counted message).
            with contextlib.suppress(ZaloError):
                await self.client.send_chat_action(who.chat_id, "typing")
        replies = await self.app.dispatcher.handle(event)
        if not replies:
            return
        if offer_link:
            await self.deliver(who.chat_id, who.user_ref, replies, link_text=texts.UNSUPPORTED_FILE,
                               link_purpose=menu_upload or CHECK_ONLY)
        else:
            await self.deliver(who.chat_id, who.user_ref, replies)

    def _http(self) -> aiohttp.ClientSession:
        if self._downloads is None:
            self._downloads = aiohttp.ClientSession()
        return self._downloads

    # --- the menu memory -------------------------------------------------------------------------------

    def _menu(self, user_ref: str) -> tuple[dict[str, Button], str | None]:
        with UnitOfWork(self.app.engine) as uow:
            menu = uow.channels.menu(CHANNEL, user_ref)
            if menu is None:
                return {}, None
            return {key: Button(label, action) for key, label, action in menu.options}, menu.upload

    def _user_id(self, user_ref: str) -> int | None:
        with UnitOfWork(self.app.engine) as uow:
            identity = uow.identities.find(CHANNEL, user_ref)
            return identity.user_id if identity is not None else None

    def _remember(self, user_ref: str, options: dict[str, Button] | None, upload: str | None) -> int | None:
        """Saves what a typed key will mean after this turn; returns the chat's user id (for links)."""
        with UnitOfWork(self.app.engine) as uow:
            identity = uow.identities.find(CHANNEL, user_ref)
            if options is not None:
                rows = [[key, b.label, b.action] for key, b in options.items()]
                uow.channels.save_menu(CHANNEL, user_ref, rows, upload)
            elif upload is not None:
                menu = uow.channels.menu(CHANNEL, user_ref)
                uow.channels.save_menu(CHANNEL, user_ref, menu.options if menu else [], upload)
            return identity.user_id if identity is not None else None

    # --- out -----------------------------------------------------------------------------------------

    def _link(self, user_ref: str, user_id: int | None, purpose: str, template: str) -> str:
        if self.links is None or user_id is None:
            return texts.NO_UPLOAD_PAGE
        url, grant = self.links.issue(CHANNEL, user_ref, user_id, purpose)
        expires = grant.expires_at.astimezone(self.tz).strftime("%H:%M %d/%m/%Y")
        return template.format(url=url, expires=expires)

    async def deliver(self, chat_id: str, user_ref: str, replies: list[Reply], *,
                      link_text: str | None = None, link_purpose: str | None = None) -> int:
        """Send one turn: as few messages as possible. Returns how many messages went out."""
        options = last_options(replies)
        upload = next((r.upload for r in reversed(replies) if r.upload), None)
        user_id = await asyncio.to_thread(self._remember, user_ref, options, upload)
        shows_options = next((i for i in range(len(replies) - 1, -1, -1) if replies[i].buttons), None)
        parts: list[str] = []
        pictures: list[tuple[str, Attachment]] = []
        for index, reply in enumerate(replies):
            if reply.image is not None and not reply.buttons and self.downloads is not None:
                pictures.append((reply.text, reply.image))  # sent by URL after the texts, caption with it
                continue
            head = reply.text
            if reply.upload:
                head += "\n\n" + self._link(user_ref, user_id, reply.upload, texts.UPLOAD_LINK)
            shown = Reply(head, reply.buttons, expects_number=reply.expects_number) if index == shows_options \
                else Reply(head)
            body = render(shown)
            if reply.document is not None or reply.image is not None:
                attachment = reply.document or reply.image
                assert attachment is not None
                body += "\n" + await self._file_link(user_ref, attachment)
            parts.append(body)
        if link_text is not None and link_purpose is not None:
            parts.append(self._link(user_ref, user_id, link_purpose, link_text))
        messages = pack(parts, TEXT_LIMIT)
        for text in messages:
            await self.client.send_message(chat_id, text)
        sent = len(messages)
        for caption, picture in pictures:
            sent += await self._send_picture(chat_id, user_ref, caption, picture)
        self.sent_messages += sent
        log.info("zalo: %d message(s) to %s (%d this run)", sent, chat_id, self.sent_messages)
        return sent

    async def _file_link(self, user_ref: str, attachment: Attachment, *, direct: bool = False) -> str:
        """A one-time download link for a file Zalo cannot carry (or why there is none)."""
        if self.downloads is None:
            return texts.ATTACHMENT_UNAVAILABLE.format(name=attachment.file_name)
        try:
            offer = await asyncio.to_thread(self.downloads.offer, CHANNEL, user_ref, attachment, direct=direct)
        except Exception:
            log.exception("zalo: no download link for %s", attachment.file_name)
            offer = None
        return self.downloads.text(offer, attachment.file_name)

    async def _send_picture(self, chat_id: str, user_ref: str, caption: str, picture: Attachment) -> int:
        """sendPhoto by URL (a direct one-time link); refused or failed, the caption with a download link."""
        assert self.downloads is not None
        try:
            offer = await asyncio.to_thread(self.downloads.offer, CHANNEL, user_ref, picture, direct=True)
            if offer is not None:
                await self.client.send_photo(chat_id, offer.url, caption[:TEXT_LIMIT] or None)
                return 1
        except Exception as error:
            log.warning("zalo: sendPhoto to %s failed (%s); sending a download link instead", chat_id, error)
        await self.client.send_message(chat_id, f"{caption}\n{await self._file_link(user_ref, picture)}".strip())
        return 1


class ZaloSender:
    """Outbound messages (reminders, upload results) through the same rendering as replies."""

    channel = CHANNEL

    def __init__(self, adapter: ZaloAdapter) -> None:
        self.adapter = adapter

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        try:
            await self.adapter.deliver(external_id, external_id, replies)
        except ZaloApiError as error:
            if error.error_code == 429:
                raise RetryLater(5.0) from error
            if error.error_code == 403:
                raise RecipientBlocked(external_id) from error
            raise


# --- running ---------------------------------------------------------------------------------------------


def make_adapter(app: App) -> ZaloAdapter:
    token = app.settings.zalo_bot_token
    assert token is not None
    install_log_redaction(token.get_secret_value())
    client = ZaloBotClient(token.get_secret_value(), app.settings.zalo_api_base)
    return ZaloAdapter(app, client, from_settings(app.settings),
                       downloads=downloads_from_settings(app.settings, app.engine))


async def poll(adapter: ZaloAdapter, stop: asyncio.Event, timeout: int = POLL_TIMEOUT_S) -> None:
    backoff = 1.0
    while not stop.is_set():
        try:
            update = await adapter.client.get_updates(timeout)
            backoff = 1.0
        except ZaloError as error:
            log.warning("zalo getUpdates failed (%s); retrying in %.0f s", error, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        unwrapped = unwrap(update) if update is not None else None
        if unwrapped:
            adapter.submit(unwrapped)


async def run(app: App, stop: asyncio.Event) -> None:
    """Polling: delete any webhook first (getUpdates is refused while one is set). Webhook: register it;
    the web server receives the calls."""
    adapter = make_adapter(app)
    settings = app.settings
    try:
        me = await adapter.client.get_me()
        log.info("zalo bot %s (%s mode)", me.get("account_name") or me.get("id"), settings.zalo_mode)
        if settings.zalo_mode == "webhook":
            secret = settings.zalo_webhook_secret
            base = adapter.links.base_url if adapter.links is not None else None
            if secret is None or base is None:
                raise RuntimeError("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET and UPLOAD_BASE_URL")
            await adapter.client.set_webhook(base + WEBHOOK_PATH, secret.get_secret_value())
            await stop.wait()
            return
        await adapter.client.delete_webhook()
        await poll(adapter, stop)
    finally:
        await adapter.close()
        await adapter.client.close()
