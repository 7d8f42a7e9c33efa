"""Zalo updates in: getUpdates answers and webhook bodies as the channel-neutral `Incoming`.

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
from hsdt.events import FileRef, FileTooLarge, Incoming, Kind, Origin

log = logging.getLogger(__name__)

CHANNEL = "zalo"
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


def to_event(update: dict[str, Any], scope: str, http: Callable[[], aiohttp.ClientSession]) -> Incoming | None:
    """The update as an event, its id in the bot's namespace `scope`; None for an update without a sender.
    A file behind a URL is fetched through `http` when the handlers ask for it."""
    who = sender_of(update)
    if who is None:
        log.info("zalo %s without a sender ignored", event_name(update))
        return None
    name = event_name(update)
    message: dict[str, Any] = update.get("message") or {}
    base: Origin = {"channel": CHANNEL, "user_ref": who.user_ref,
            "event_id": f"{scope}:{event_id_of(update)}"[:64],
            "display_name": who.display_name,
            # When the user sent it: with several workers, a message that arrives after a newer one
            # of the same chat was applied is recognised as stale instead of being read out of turn.
            "stream": f"{CHANNEL}:{scope}", "sequence": sent_at(message)}
    file_event = name in FILE_EVENTS or name == "message.unsupported.received"
    if name == "message.text.received" or (not file_event and isinstance(message.get("text"), str)):
        text = str(message.get("text") or "")
        return Incoming(kind=Kind.COMMAND if text.startswith("/") else Kind.TEXT, text=text, **base)
    if name == "message.image.received":
        return Incoming(kind=Kind.PHOTO, text=str(message.get("caption") or ""), **base)
    if name in FILE_EVENTS and (found := file_of(message)) is not None:
        url, file_name, size, mime = found
        return Incoming(kind=Kind.DOCUMENT, file=download_ref(http, url, file_name, size, mime),
                        text=str(message.get("caption") or ""), **base)
    if file_event:
        return Incoming(kind=Kind.OTHER, payload=UNSUPPORTED_FILE, **base)
    return Incoming(kind=Kind.OTHER, **base)  # stickers, voice: the handlers explain what they read

