"""The channel-neutral contract between adapters and handlers."""

from __future__ import annotations

import base64
import dataclasses
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NotRequired, TypedDict


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show, declared by the channel itself (never inferred from what it installs):
    the handlers word their screens from it ("gõ" where there is nothing to press)."""

    has_buttons: bool = True  # inline buttons; without them options are numbered and the user types
    can_edit: bool = False  # a sent message can be edited in place (a screen replaces the one pressed)
    can_send_files: bool = False  # documents travel in the chat; otherwise as one-time download links
    max_text: int | None = None  # characters in one message (None: no limit)


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    DOCUMENT = "document"
    PHOTO = "photo"
    OTHER = "other"


# Downloads `max_bytes` at most into the given path; raises FileTooLarge past that.
FetchFn = Callable[[Path, int], Awaitable[None]]


class FileTooLarge(Exception):
    pass


@dataclass(frozen=True)
class FileRef:
    """A file the adapter can fetch lazily; declared size and name come from the platform."""

    name: str | None
    size: int | None
    mime_type: str | None
    fetch: FetchFn


class Origin(TypedDict):
    """Who sent an event and under which id: the fields every adapter fills the same way, spread
    into `Incoming(kind=..., **origin)` once per event kind."""

    channel: str
    user_ref: str
    event_id: str
    display_name: NotRequired[str | None]
    stream: NotRequired[str]
    sequence: NotRequired[int | None]


@dataclass(frozen=True)
class Incoming:
    channel: str
    user_ref: str
    event_id: str
    kind: Kind
    text: str = ""
    payload: str = ""
    file: FileRef | None = None
    display_name: str | None = None
    # Where the platform puts this event in its own order (a Telegram bot's update id), so a worker
    # can tell an event that arrived after a newer one of the same chat; None: no such order.
    stream: str = ""
    sequence: int | None = None

    @property
    def command(self) -> tuple[str, str]:
        """('/start', 'ABC123') for '/start ABC123'; ('', '') when this is not a command."""
        if self.kind is not Kind.COMMAND:
            return "", ""
        head, _, rest = self.text.strip().partition(" ")
        return head.split("@", 1)[0].lower(), rest.strip()


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # short, <= 64 bytes (Telegram callback data)


@dataclass(frozen=True)
class Document:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"


class DeferredDocument:
    """An attachment made after the event's transaction has committed, from a data set it reads in a
    transaction of its own: the handler only says what to make. The dispatcher renders it in a worker
    (off the database thread and the event loop) before the adapter sends it; any other reader of
    `content` renders it on first access. `render` may raise: the reply then carries no file."""

    def __init__(
        self, file_name: str, render: Callable[[], bytes], mime_type: str = "application/octet-stream"
    ) -> None:
        self.file_name = file_name
        self.mime_type = mime_type
        self._render = render
        self._content: bytes | None = None
        self._lock = threading.Lock()

    @property
    def content(self) -> bytes:
        with self._lock:
            if self._content is None:
                self._content = self._render()
            return self._content

    def rendered(self) -> Document:
        return Document(self.file_name, self.content, self.mime_type)


Attachment = Document | DeferredDocument


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Attachment | None = None
    image: Attachment | None = None
    replace_previous: bool = False
    # Adapters that number buttons letter them instead, so a typed number stays an answer.
    expects_number: bool = False
    # This screen accepts a PDF for this purpose (the payload a document event carries, e.g. "chk:file").
    # Channels that cannot receive files (Zalo) offer a one-time upload link for it instead.
    upload: str | None = None
    # Which screen this is (e.g. the question shown), for `Dispatcher.mark_shown` once delivered.
    screen: str | None = None
    # The screen this reply takes the place of (the question just answered): a channel that can edit
    # messages changes that message into this one instead of sending a new one.
    replaces: str | None = None
    # Set by the dispatcher, not by handlers: the channel's own reference of the message showing
    # `replaces` (stored with the reply, so a redelivery edits the same message).
    edit_ref: str | None = None

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def to_json(self) -> dict[str, Any]:
        """Text and buttons only: what an outbox message carries (no attachments)."""
        return {
            "text": self.text,
            "buttons": [[[b.label, b.action] for b in row] for row in self.buttons],
            "expects_number": self.expects_number,
            **({"upload": self.upload} if self.upload else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        buttons = tuple(tuple(Button(label, action) for label, action in row) for row in data.get("buttons", []))
        return cls(
            text=data["text"],
            buttons=buttons,
            expects_number=bool(data.get("expects_number", False)),
            upload=data.get("upload") or None,
        )


    def to_record(self) -> dict[str, Any]:
        """Everything a reply carries, attachments included, for storing it until it is sent.

        Field by field, so a field added to Reply is stored without touching this."""
        record: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "buttons":
                value = [[[b.label, b.action] for b in row] for row in value]
            elif isinstance(value, DeferredDocument):
                # Made from a data set after the commit: a redelivery re-sends the text, not the file
                # (the user asks again for a fresh one).
                value = None
            elif isinstance(value, Document):
                value = {"file_name": value.file_name, "mime_type": value.mime_type,
                         "content": base64.b64encode(value.content).decode("ascii")}
            record[item.name] = value
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reply:
        known = {item.name for item in dataclasses.fields(cls)}
        values: dict[str, Any] = {k: v for k, v in record.items() if k in known}
        values["buttons"] = tuple(tuple(Button(label, action) for label, action in row)
                                  for row in record.get("buttons", []))
        for name in ("document", "image"):
            raw = record.get(name)
            values[name] = None if raw is None else Document(
                raw["file_name"], base64.b64decode(raw["content"]), raw.get("mime_type", "application/octet-stream"))
        return cls(**values)


@dataclass(frozen=True)
class Handled:
    """What the dispatcher made of one event: the replies to send, and whether it was applied now.

    A duplicate (a redelivered event) is never applied again; its `replies` are the stored ones the
    platform has not confirmed yet, starting at index `first`."""

    replies: list[Reply]
    duplicate: bool = False
    first: int = 0
    # False when the transaction rolled back (the replies say so): the platform should deliver it again.
    committed: bool = True
    # The chat's role after this event when the channel should refresh its per-role command menu
    # (the chat enrolled or changed account, or asked for /start).
    role: str | None = None
    # The conversation's version after this event (None: no conversation turn); a screen it shows is
    # recorded with it, so an older turn's screen never replaces a newer one's.
    turn: int | None = None


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    items = list(buttons)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))
