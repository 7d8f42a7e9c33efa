"""Zalo updates in: getUpdates answers and webhook bodies (read by the models of `updates`) as the
channel-neutral `Incoming`.

Public clients disagree on the name of a file event and where its URL sits, so every shape seen is read."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from hsdt.channels.files import stream_to_file
from hsdt.channels.zalo_bot.client import TEXT_LIMIT
from hsdt.channels.zalo_bot.updates import ZaloMessage, ZaloUpdate, ZaloUser, parse
from hsdt.events import Capabilities, FileRef, FileTooLarge, Incoming, Kind, Origin

log = logging.getLogger(__name__)

CHANNEL = "zalo"
# No inline buttons (options are numbered, the user types), no edits, no files (one-time links instead).
CAPABILITIES = Capabilities(has_buttons=False, can_edit=False, can_send_files=False, max_text=TEXT_LIMIT)
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


@dataclass(frozen=True)
class Sender:
    user_ref: str
    chat_id: str
    display_name: str | None


def sender_of(update: ZaloUpdate) -> Sender | None:
    message = update.message
    if message is None:
        return None
    person = message.sender or ZaloUser()
    user_id = person.id or (message.chat.id if message.chat is not None else None)
    if not user_id or person.is_bot:
        return None
    chat_id = message.chat.id if message.chat is not None and message.chat.id else user_id
    return Sender(user_id, chat_id, person.shown_name)


def event_id_of(update: dict[str, Any], parsed: ZaloUpdate) -> str:
    message_id = parsed.message.message_id if parsed.message is not None else None
    if message_id:
        return message_id[:64]
    # No id (seen on "unsupported" events): the content itself, so a redelivery still deduplicates.
    return "h:" + hashlib.sha256(json.dumps(update, sort_keys=True, default=str).encode()).hexdigest()[:40]


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


def to_event(update: dict[str, Any], scope: str, http: Callable[[], aiohttp.ClientSession]) -> Incoming | None:
    """The update as an event, its id in the bot's namespace `scope`; None for an update without a sender.
    A file behind a URL is fetched through `http` when the handlers ask for it."""
    parsed = parse(update)
    who = sender_of(parsed) if parsed is not None else None
    if parsed is None or who is None:
        log.info("zalo %s without a sender ignored", parsed.kind if parsed is not None else "update")
        return None
    name = parsed.kind
    message = parsed.message or ZaloMessage()
    base: Origin = {"channel": CHANNEL, "user_ref": who.user_ref,
            "event_id": f"{scope}:{event_id_of(update, parsed)}"[:64],
            "display_name": who.display_name,
            # When the user sent it: with several workers, a message that arrives after a newer one
            # of the same chat was applied is recognised as stale instead of being read out of turn.
            "stream": f"{CHANNEL}:{scope}", "sequence": message.date}
    file_event = name in FILE_EVENTS or name == "message.unsupported.received"
    if name == "message.text.received" or (not file_event and message.text is not None):
        text = message.text or ""
        return Incoming(kind=Kind.COMMAND if text.startswith("/") else Kind.TEXT, text=text, **base)
    if name == "message.image.received":
        return Incoming(kind=Kind.PHOTO, text=message.caption or "", **base)
    if name in FILE_EVENTS and (found := message.file_info) is not None:
        return Incoming(kind=Kind.DOCUMENT, file=download_ref(http, found.url, found.name, found.size,
                                                              found.mime_type),
                        text=message.caption or "", **base)
    if file_event:
        return Incoming(kind=Kind.OTHER, payload=UNSUPPORTED_FILE, **base)
    return Incoming(kind=Kind.OTHER, **base)  # stickers, voice: the handlers explain what they read
