"""A fake Telegram Bot API server for end-to-end tests.

The real bot (aiogram, configured with ``TelegramAPIServer.from_base(server.base_url)``) talks HTTP to this
server exactly as it would talk to ``api.telegram.org``:

* API calls: ``POST {base}/bot{token}/{method}`` with JSON, urlencoded or multipart bodies (aiogram sends
  urlencoded forms, or multipart when a file is uploaded; non-string values are JSON-encoded inside forms);
* file downloads: ``GET {base}/file/bot{token}/{file_path}``.

Responses follow the Bot API envelope: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`` with HTTP status ``N``.

The test plays the users: it pushes updates (``push_text``, ``push_callback``, ...) which the bot receives
through ``getUpdates``, and reads back what the users would see (``wait_for_message``, ``messages``, ...).
Only private chats are modelled: chat id == user id.

Telegram behaviours reproduced on purpose, because a real bot must cope with them:

* unconfirmed updates are redelivered by every ``getUpdates`` until an ``offset`` above them confirms them;
* a second concurrent ``getUpdates`` terminates the first one with 409 Conflict;
* ``setWebhook`` (secret token checked like Telegram's) makes the server POST the updates to the URL
  (``tests.fakes.telegram_webhook``: one chat at a time in order, redelivered until answered 200), and
  ``getUpdates`` answers 409 while a webhook is set;
* ``parse_mode`` text is parsed (HTML, MarkdownV2, Markdown); malformed markup is rejected with
  400 "can't parse entities" (e.g. ``<br>`` or an unescaped ``<`` in HTML, an unescaped ``.`` in MarkdownV2);
  ``SentMessage.text`` is the text as the user sees it, ``raw_text`` what the bot sent;
* editing a message without ``reply_markup`` removes its inline keyboard; an edit that changes nothing is
  rejected with 400 "message is not modified";
* ``callback_data`` longer than 64 bytes is rejected (BUTTON_DATA_INVALID); text > 4096 / caption > 1024
  characters are rejected;
* rate limits (``set_rate_limit``): 429 with ``retry_after``; while the flood wait runs, further sends to the
  same scope are rejected too;
* blocked users (``block_user``): 403 "Forbidden: bot was blocked by the user";
* faults (``inject_error``, ``inject_fault``, ``delay_downloads``): an error envelope, a dropped
  connection, a slow answer, or a call held until released; a call whose client went away while it
  was delayed or held is not carried out (``abandoned_calls``), as when a proxy drops it.

One server is one bot (its token's). ``FakeTelegramCloud`` is one host serving several bots, as
``api.telegram.org`` does: each call goes to the bot its token names, and a token of no bot is answered
401 Unauthorized.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import mimetypes
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from aiohttp import web

from tests.fakes.cloud import FakeCloud

JsonDict = dict[str, Any]
T = TypeVar("T")

__all__ = [
    "FakeServerTimeout",
    "FakeTelegramServer",
    "MessageVersion",
    "RecordedCall",
    "SentMessage",
    "UploadedFile",
    "button_data",
    "button_url",
]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files ("file is too big")
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

# Form fields that are plain strings and must never be JSON-decoded (a text "123" must stay "123").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "file_id",
        "action",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "business_connection_id",
        "document",
        "photo",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "thumbnail",
        "ip_address",
        "message_effect_id",
    }
)
# Fields whose value is a JSON object/array, also when sent as a JSON string inside a JSON body.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "reply_parameters",
        "link_preview_options",
        "media",
    }
)
_RATE_LIMITED_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types delivered when allowed_updates is not set (Telegram's default).
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


# ----------------------------------------------------------------------------------------------------
# Public data types
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded by the bot in a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes)"


@dataclass
class RecordedCall:
    """One Bot API request received by the server (recorded before it is answered)."""

    method: str
    params: JsonDict
    time: float  # time.monotonic() at arrival
    status: int | None = None  # HTTP status of the answer, None while still pending (long polling)
    description: str | None = None  # error description for failed calls
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class MessageVersion:
    """One version of a bot message (the original or an edit)."""

    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    time: float


@dataclass
class SentMessage:
    """A bot message as the user sees it.

    Objects handed to tests are snapshots: later edits don't change them.
    """

    message_id: int
    chat_id: int
    kind: str  # "text" | "document" | "photo"
    text: str | None  # message text or media caption, as rendered to the user (markup parsed)
    raw_text: str | None = None  # text/caption exactly as sent by the bot
    parse_mode: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    reply_markup: JsonDict | None = None
    document: tuple[str, bytes] | None = None  # (file_name, content)
    photo: bytes | None = None
    mime_type: str | None = None
    file_id: str | None = None
    date: int = 0
    edited: bool = False
    deleted: bool = False
    versions: list[MessageVersion] = field(default_factory=list)

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    @property
    def history(self) -> list[MessageVersion]:
        return self.versions

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (label, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard")
        if not rows:
            return []
        return [[(str(b.get("text", "")), b.get("callback_data", b.get("url"))) for b in row] for row in rows]

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    @property
    def reply_keyboard(self) -> list[str] | None:
        """Button texts of a ReplyKeyboardMarkup sent with this message (flattened), else None."""
        rows = (self.reply_markup or {}).get("keyboard")
        if rows is None:
            return None
        return [b if isinstance(b, str) else str(b.get("text", "")) for row in rows for b in row]

    @property
    def removes_reply_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def describe(self) -> str:
        flags = "".join(f" [{f}]" for f, on in (("edited", self.edited), ("deleted", self.deleted)) if on)
        lines = [f"#{self.message_id} {self.kind}{flags}: {self.text!r}"]
        if self.document is not None:
            lines.append(f"    document: {self.document[0]!r} ({len(self.document[1])} bytes)")
        if self.photo is not None:
            lines.append(f"    photo: {len(self.photo)} bytes")
        for row in self.buttons:
            lines.append("    " + "  ".join(f"[{label!r} -> {data!r}]" for label, data in row))
        if self.reply_keyboard is not None:
            lines.append(f"    reply keyboard: {self.reply_keyboard!r}")
        return "\n".join(lines)

    def snapshot(self) -> SentMessage:
        return replace(
            self,
            entities=copy.deepcopy(self.entities),
            reply_markup=copy.deepcopy(self.reply_markup),
            versions=list(self.versions),
        )


class FakeServerTimeout(AssertionError):
    """Raised by the wait_* helpers; the message lists what the server saw."""


def _find_button(msg: SentMessage, label_substring: str) -> tuple[str, str | None, JsonDict]:
    raw_rows = (msg.reply_markup or {}).get("inline_keyboard") or []
    buttons = [b for row in raw_rows for b in row]
    exact = [b for b in buttons if b.get("text") == label_substring]
    needle = label_substring.casefold()
    matches = exact or [b for b in buttons if needle in str(b.get("text", "")).casefold()]
    if len(matches) == 1:
        b = matches[0]
        return str(b.get("text")), b.get("callback_data"), b
    listing = "\n".join(f"  {row}" for row in msg.buttons) or "  (no inline buttons)"
    problem = "no inline button" if not matches else f"{len(matches)} inline buttons"
    raise AssertionError(
        f"{problem} matching {label_substring!r} in message #{msg.message_id} "
        f"(chat {msg.chat_id}, text {msg.text!r}); available buttons:\n{listing}"
    )


def button_data(msg: SentMessage, label_substring: str) -> str:
    """callback_data of the inline button whose label equals or contains label_substring (case-insensitive).

    Raises AssertionError listing the available buttons when there is no match, several matches, or the
    button is not a callback button.
    """
    label, data, raw = _find_button(msg, label_substring)
    if data is None:
        raise AssertionError(f"button {label!r} of message #{msg.message_id} has no callback_data: {raw}")
    return str(data)


def button_url(msg: SentMessage, label_substring: str) -> str:
    """url of the inline URL button whose label equals or contains label_substring."""
    label, _, raw = _find_button(msg, label_substring)
    if "url" not in raw:
        raise AssertionError(f"button {label!r} of message #{msg.message_id} is not a URL button: {raw}")
    return str(raw["url"])


# ----------------------------------------------------------------------------------------------------
# Internal helpers
# ----------------------------------------------------------------------------------------------------


class TelegramError(Exception):
    """Turned into a Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _bad_request(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


class _ParseError(Exception):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _EntityBuilder:
    """Collects output text and entities with UTF-16 offsets, as Telegram reports them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JsonDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": type_, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[JsonDict]]:
        text = "".join(self.parts)
        # Telegram trims leading/trailing whitespace of messages; shift/clip entities accordingly.
        stripped = text.strip()
        lead = utf16_len(text[: len(text) - len(text.lstrip())])
        end = lead + utf16_len(stripped)
        entities = []
        for e in self.entities:
            start, stop = max(e["offset"], lead), min(e["offset"] + e["length"], end)
            if stop > start:
                entities.append({**e, "offset": start - lead, "length": stop - start})
        entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return stripped, entities


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR_RE = re.compile(r"""([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _parse_html(text: str) -> tuple[str, list[JsonDict]]:
    out = _EntityBuilder()
    stack: list[tuple[str, int, JsonDict]] = []
    i, n = 0, len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode())

    while i < n:
        ch = text[i]
        if ch == "<":
            end = text.find(">", i)
            if end == -1:
                raise _ParseError(f"Unclosed start tag at byte offset {byte_offset(i)}")
            inner = text[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _ParseError(f"Unexpected end tag at byte offset {byte_offset(i)}")
                open_name, start, attrs = stack[-1]
                if name != open_name:
                    raise _ParseError(
                        f'Unmatched end tag at byte offset {byte_offset(i)}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                stack.pop()
                kind = _HTML_TAGS[open_name]
                if kind == "text_link":
                    if attrs.get("href"):
                        out.entity(kind, start, url=attrs["href"])
                elif kind == "pre" and attrs.get("language"):
                    out.entity(kind, start, language=attrs["language"])
                else:
                    out.entity(kind, start)
            else:
                match = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)(.*)$", inner, re.S)
                if not match:
                    raise _ParseError(f"Unsupported start tag at byte offset {byte_offset(i)}")
                name = match.group(1).lower()
                if name not in _HTML_TAGS:
                    raise _ParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
                attrs = {
                    m.group(1).lower(): next((g for g in m.group(2, 3, 4) if g is not None), "")
                    for m in _ATTR_RE.finditer(match.group(2))
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise _ParseError(f'Unsupported start tag "span" at byte offset {byte_offset(i)}')
                if name == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
                    stack[-1][2]["language"] = attrs["class"].removeprefix("language-")
                stack.append((name, out.pos, attrs))
            i = end + 1
        elif ch == "&":
            match = re.match(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);", text[i:])
            decoded: str | None = None
            if match:
                ref = match.group(1)
                if ref.startswith(("#x", "#X")):
                    decoded = chr(int(ref[2:], 16))
                elif ref.startswith("#"):
                    decoded = chr(int(ref[1:]))
                else:
                    decoded = _HTML_ENTITIES.get(ref)
            if match and decoded is not None:
                out.add(decoded)
                i += len(match.group(0))
            else:  # Telegram keeps an unknown '&...' literally
                out.add("&")
                i += 1
        else:
            out.add(ch)
            i += 1
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = {"__": "underline", "||": "spoiler", "*": "bold", "_": "italic", "~": "strikethrough"}
_ENTITY_TITLES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[JsonDict]]:
    out = _EntityBuilder()
    stack: list[tuple[str, int, int]] = []  # (entity type, output start, source index)
    i, n = 0, len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode())

    def read_until(index: int, closing: str) -> tuple[str, int]:
        """Read code/url content (with backslash escapes) up to the closing marker."""
        buf: list[str] = []
        while index < n:
            if text[index] == "\\" and index + 1 < n:
                buf.append(text[index + 1])
                index += 2
            elif text.startswith(closing, index):
                return "".join(buf), index + len(closing)
            else:
                buf.append(text[index])
                index += 1
        raise _ParseError("not closed")

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and 1 <= ord(text[i + 1]) <= 126:
                out.add(text[i + 1])
                i += 2
            else:
                out.add("\\")
                i += 1
        elif text.startswith("```", i):
            try:
                content, after = read_until(i + 3, "```")
            except _ParseError:
                raise _ParseError(f"Can't find end of Pre entity at byte offset {byte_offset(i)}") from None
            first_line, sep, rest = content.partition("\n")
            language = None
            if sep and first_line and not any(c.isspace() for c in first_line):
                language, content = first_line, rest
            start = out.pos
            out.add(content)
            out.entity("pre", start, **({"language": language} if language else {}))
            i = after
        elif ch == "`":
            try:
                content, after = read_until(i + 1, "`")
            except _ParseError:
                raise _ParseError(f"Can't find end of Code entity at byte offset {byte_offset(i)}") from None
            start = out.pos
            out.add(content)
            out.entity("code", start)
            i = after
        elif ch == "[":
            stack.append(("text_link", out.pos, i))
            i += 1
        elif ch == "]" and any(kind == "text_link" for kind, _, _ in stack):
            if not text.startswith("(", i + 1):
                raise _ParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
            try:
                url, after = read_until(i + 2, ")")
            except _ParseError:
                raise _ParseError(f"Can't find end of a URL at byte offset {byte_offset(i)}") from None
            idx = max(k for k, (kind, _, _) in enumerate(stack) if kind == "text_link")
            _, start, _ = stack.pop(idx)
            out.entity("text_link", start, url=url)
            i = after
        elif ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote line marker
        elif text.startswith("**>", i) and (i == 0 or text[i - 1] == "\n"):
            i += 3  # expandable blockquote marker
        elif ch in "*_~|":
            marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") else ch
            if marker == "|":
                raise _ParseError("Character '|' is reserved and must be escaped with the preceding '\\'")
            kind = _MDV2_MARKERS[marker]
            open_idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == kind), None)
            if open_idx is None:
                stack.append((kind, out.pos, i))
            else:
                _, start, _ = stack.pop(open_idx)
                out.entity(kind, start)
            i += len(marker)
        elif ch in _MDV2_RESERVED:
            raise _ParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        else:
            out.add(ch)
            i += 1
    if stack:
        kind, _, src = stack[-1]
        raise _ParseError(
            f"Can't find end of {_ENTITY_TITLES[kind]} entity at byte offset {byte_offset(src)}"
        )
    return out.result()


def _parse_markdown_legacy(text: str) -> tuple[str, list[JsonDict]]:
    out = _EntityBuilder()
    i, n = 0, len(text)
    simple = {"*": "bold", "_": "italic"}
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        closing: str | None = None
        if text.startswith("```", i):
            opener, closing, kind = "```", "```", "pre"
        elif ch == "`":
            opener, closing, kind = "`", "`", "code"
        elif ch in simple:
            opener, closing, kind = ch, ch, simple[ch]
        elif ch == "[":
            opener, closing, kind = "[", "]", "text_link"
        if closing is None:
            out.add(ch)
            i += 1
            continue
        end = text.find(closing, i + len(opener))
        if end == -1:
            raise _ParseError(
                f"Can't find end of the entity starting at byte offset {len(text[:i].encode())}"
            )
        start = out.pos
        out.add(text[i + len(opener) : end])
        i = end + len(closing)
        if kind == "text_link":
            url_match = re.match(r"\(([^)]*)\)", text[i:])
            if url_match:
                out.entity(kind, start, url=url_match.group(1))
                i += len(url_match.group(0))
        else:
            out.entity(kind, start)
    return out.result()


def render_text(
    text: str, parse_mode: str | None, entities: list[JsonDict] | None = None
) -> tuple[str, list[JsonDict]]:
    """The text the user sees and its entities, as Telegram derives them from (text, parse_mode)."""
    if entities or not parse_mode:
        return text.strip(), list(entities or [])
    mode = parse_mode.lower()
    try:
        if mode == "html":
            return _parse_html(text)
        if mode == "markdownv2":
            return _parse_markdown_v2(text)
        if mode == "markdown":
            return _parse_markdown_legacy(text)
    except _ParseError as exc:
        raise _bad_request(f"can't parse entities: {exc}") from None
    raise _bad_request(f"unsupported parse_mode {parse_mode!r}")


class _TokenBucket:
    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.last = now

    def available(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        return self.tokens >= 1.0

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _QueuedUpdate:
    update: JsonDict
    sticky: bool = False  # pushed with push_raw: survives confirmation until delivered once
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def type(self) -> str:
        return next((k for k in self.update if k != "update_id"), "unknown")


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_size: int  # may be a declared size different from len(content)
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class _Chat:
    chat_id: int
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)  # bot messages
    user_messages: dict[int, JsonDict] = field(default_factory=dict)
    events: list[SentMessage] = field(default_factory=list)  # snapshots of new messages and edits
    cursor: int = 0  # index of the first event not yet consumed by wait_for_message
    reply_keyboard: list[str] | None = None  # reply keyboard currently shown to the user
    actions: list[str] = field(default_factory=list)

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


# ----------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Fault:
    method: str
    kind: str
    seconds: float
    chat_id: int | None
    remaining: list[int]


class FakeTelegramServer:
    """Fake Bot API server; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "hsdt_test_bot",
        bot_first_name: str = "HSDT Test Bot",
        long_poll_cap: float = 1.0,
        require_known_chats: bool = False,
    ) -> None:
        """
        :param long_poll_cap: getUpdates waits at most this many seconds, whatever ``timeout`` the bot asks.
        :param require_known_chats: if True, sending to a user who never wrote to the bot answers
            403 "Forbidden: bot can't initiate conversation with a user" (like Telegram).
        """
        self.token = token
        self.host = host
        self.port = port
        self.long_poll_cap = long_poll_cap
        self.require_known_chats = require_known_chats
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

        # Observable state
        self.calls: list[RecordedCall] = []
        self.unknown_methods: list[str] = []
        self.internal_errors: list[BaseException] = []  # bugs of the fake itself (answered with 500)
        self.pushed_updates: list[JsonDict] = []
        self.filtered_updates: list[JsonDict] = []  # dropped because of allowed_updates
        self.callback_answers: list[str] = []  # answered callback query ids, in order
        self.callback_answer_params: list[JsonDict] = []
        self.deleted_messages: list[tuple[int, int]] = []  # (chat_id, message_id)
        self.downloads: list[str] = []  # file paths downloaded through /file/
        self.rejected_429 = 0
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_deliveries: list[Any] = []  # telegram_webhook.Delivery: (update_id, HTTP status)
        self._pusher: Any = None  # telegram_webhook.WebhookPusher while a webhook is set
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}  # (scope json, language_code) -> commands
        self.menu_buttons: dict[int | None, JsonDict] = {}

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JsonDict] = {}
        self._blocked: set[int] = set()
        self._queue: list[_QueuedUpdate] = []
        self._next_update_id = 1000
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = 0
        self._pushed_callbacks: dict[str, JsonDict] = {}
        self._callback_counter = 0
        self._injected: list[tuple[str, TelegramError, list[int]]] = []
        self._faults: list[_Fault] = []
        self._released = asyncio.Event()
        self.abandoned_calls: list[RecordedCall] = []
        self.dropped_calls: list[RecordedCall] = []
        self.download_delay_s = 0.0
        self._download_errors: list[int] = []

        self._rate_global: _TokenBucket | None = None
        self._rate_per_chat: float | None = None
        self._rate_chats: dict[int, _TokenBucket] = {}
        self._retry_after = 1
        self._flood_global_until = 0.0
        self._flood_chat_until: dict[int, float] = {}

        self._waiters: list[asyncio.Future[None]] = []
        self._closing = False
        self._runner: web.AppRunner | None = None

        self._handlers: dict[str, Callable[[JsonDict], Any]] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe",
                "logOut",
                "close",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setChatMenuButton",
                "getChatMenuButton",
                "getUpdates",
                "sendMessage",
                "editMessageText",
                "editMessageCaption",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "sendDocument",
                "sendPhoto",
                "getFile",
            )
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeTelegramServer is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self._stop_pusher()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test side: users act

    def push_text(self, user_id: int, text: str, first_name: str = "Lan", username: str | None = None) -> int:
        """The user sends a text message. Returns the update_id."""
        message = self._user_message(user_id, first_name=first_name, username=username)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._enqueue({"message": message})

    def push_contact(self, user_id: int, phone_number: str, first_name: str | None = None) -> int:
        """The user shares their own contact (a request_contact reply button)."""
        message = self._user_message(user_id, first_name=first_name)
        message["contact"] = {
            "phone_number": phone_number,
            "first_name": message["from"]["first_name"],
            "user_id": user_id,
        }
        return self._enqueue({"message": message})

    def push_document(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        declared_size: int | None = None,
        caption: str | None = None,
    ) -> int:
        """The user sends a file. declared_size overrides the file_size Telegram reports (e.g. > 20 MB)."""
        stored = self._store_file(
            content,
            prefix="BQAC",
            folder="documents",
            file_name=file_name,
            mime_type=mime_type,
            declared_size=declared_size,
        )
        message = self._user_message(user_id)
        message["document"] = self._document_json(stored)
        if caption is not None:
            message["caption"] = caption
        return self._enqueue({"message": message})

    def push_photo(self, user_id: int, content: bytes, caption: str | None = None) -> int:
        stored = self._store_file(
            content, prefix="AgAC", folder="photos", file_name=None, mime_type="image/jpeg"
        )
        message = self._user_message(user_id)
        message["photo"] = self._photo_json(stored)
        if caption is not None:
            message["caption"] = caption
        return self._enqueue({"message": message})

    def push_callback(self, user_id: int, message_id: int, data: str, *, check_button: bool = True) -> int:
        """The user presses an inline button of bot message message_id in their chat.

        With check_button (default) the message must currently show a button with this callback_data,
        since a real user cannot press anything else.
        """
        chat = self._chats.get(user_id)
        msg = chat.messages.get(message_id) if chat else None
        if msg is None or msg.deleted:
            existing = ", ".join(str(m) for m, v in (chat.messages.items() if chat else []) if not v.deleted)
            raise AssertionError(
                f"chat {user_id} has no bot message #{message_id} to press a button on (existing: {existing})"
            )
        if check_button and data not in [d for row in msg.buttons for _, d in row]:
            raise AssertionError(
                f"message #{message_id} has no button with callback_data {data!r}:\n{msg.describe()}"
            )
        self._callback_counter += 1
        callback_id = f"{user_id}{self._callback_counter:06d}"
        callback = {
            "id": callback_id,
            "from": self._user_json(user_id),
            "message": self._message_json(msg),
            "chat_instance": f"ci{user_id}",
            "data": data,
        }
        self._pushed_callbacks[callback_id] = callback
        return self._enqueue({"callback_query": callback})

    def press_button(self, user_id: int, message: SentMessage | int, label_substring: str) -> int:
        """push_callback on the button whose label contains label_substring (message's current state)."""
        message_id = message if isinstance(message, int) else message.message_id
        current = self._chat(user_id).messages.get(message_id)
        if current is None:
            raise AssertionError(f"chat {user_id} has no bot message #{message_id}")
        return self.push_callback(user_id, message_id, button_data(current, label_substring))

    def push_raw(self, update: JsonDict) -> int:
        """Queue an exact update (keeping its update_id), e.g. to simulate a duplicate delivery.

        It is delivered by the next getUpdates even if the bot already confirmed that update_id.
        """
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self.pushed_updates.append(update)
        self._queue.append(_QueuedUpdate(update, sticky=True))
        self._notify()
        return int(update["update_id"])

    def block_user(self, user_id: int) -> None:
        """From now on, everything sent to this chat answers 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(user_id)

    def unblock_user(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    # ------------------------------------------------------------------ test side: configuration

    def set_rate_limit(
        self, global_per_s: float | None, per_chat_per_s: float | None, retry_after: int = 1
    ) -> None:
        """Limit send* calls (token buckets: bursts up to max(1, rate), sustained rate per second).

        Exceeding a limit answers 429 "Too Many Requests: retry after N" and starts a flood wait of N seconds
        for that scope (global or the chat) during which every send is rejected too. None disables a limit.
        """
        now = time.monotonic()
        self._rate_global = _TokenBucket(global_per_s, now) if global_per_s else None
        self._rate_per_chat = per_chat_per_s or None
        self._rate_chats = {}
        self._retry_after = retry_after
        self._flood_global_until = 0.0
        self._flood_chat_until = {}

    def inject_error(
        self,
        method: str,
        error_code: int = 500,
        description: str = "Internal Server Error",
        *,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """The next `times` calls of `method` fail with this error (before any processing), once `after`
        calls of it went through (the second message of a turn: `after=1`)."""
        error = TelegramError(error_code, description, retry_after)
        self._injected.append((method.lower(), error, [times, after]))

    def inject_fault(
        self, method: str, kind: str, *, seconds: float = 0.0, times: int = 1, chat_id: int | None = None
    ) -> None:
        """The next `times` calls of `method` (to `chat_id`, if given) are faulty: kind "drop" closes the
        connection without an answer; "delay" answers `seconds` later; "hold" answers only after
        `release()` (or never, if the client goes away first)."""
        if kind not in ("drop", "delay", "hold"):
            raise ValueError(kind)
        self._released.clear()
        self._faults.append(_Fault(method.lower(), kind, seconds, chat_id, [times]))

    def release(self) -> None:
        """Let held calls through."""
        self._released.set()

    def delay_downloads(self, seconds: float) -> None:
        self.download_delay_s = seconds

    def fail_downloads(self, status: int = 500, times: int = 1) -> None:
        self._download_errors.extend([status] * times)

    # ------------------------------------------------------------------ test side: observation

    def messages(self, chat_id: int, include_deleted: bool = False) -> list[SentMessage]:
        """Bot messages in the chat, in order, in their current state (edits applied)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m.snapshot() for m in chat.messages.values() if include_deleted or not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage | None:
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: int) -> list[str] | None:
        """Texts of the reply keyboard the user currently sees (None if none/removed)."""
        chat = self._chats.get(chat_id)
        return list(chat.reply_keyboard) if chat and chat.reply_keyboard is not None else None

    def chat_actions(self, chat_id: int) -> list[str]:
        chat = self._chats.get(chat_id)
        return list(chat.actions) if chat else []

    def calls_of(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def unanswered_callbacks(self) -> list[str]:
        answered = set(self.callback_answers)
        return [cid for cid in self._pushed_callbacks if cid not in answered]

    @property
    def pending_update_ids(self) -> list[int]:
        """Updates not confirmed by the bot yet (delivered or not)."""
        return [q.update_id for q in self._queue]

    def consume_all(self, chat_id: int) -> None:
        """Mark every message/edit seen so far in the chat as consumed for wait_for_message."""
        chat = self._chat(chat_id)
        chat.cursor = len(chat.events)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> SentMessage:
        """Wait for the next new bot message or edit in the chat after the last one consumed.

        Events are consumed in order; with a predicate, non-matching events before the match are consumed
        (skipped) too. Returns a snapshot of the message as of that event (``edited`` tells an edit apart).
        """
        chat = self._chat(chat_id)

        def check() -> SentMessage | None:
            while chat.cursor < len(chat.events):
                event = chat.events[chat.cursor]
                chat.cursor += 1
                if predicate is None or predicate(event):
                    return event
            return None

        def describe() -> str:
            screen = "\n".join(m.describe() for m in self.messages(chat_id)) or "(no bot messages)"
            errors = [
                f"  {c.method} -> {c.status} {c.description}"
                for c in self.calls
                if c.status not in (None, 200)
            ]
            text = f"timed out after {timeout}s waiting for a bot message in chat {chat_id}"
            if predicate is not None:
                text += " matching the predicate"
            text += f"; chat now shows:\n{screen}"
            if errors:
                text += "\nfailed API calls:\n" + "\n".join(errors[-10:])
            if self.internal_errors:
                text += f"\nfake server internal errors: {self.internal_errors!r}"
            return text

        return await self._wait_until(check, timeout, describe)

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Wait until at least `count` calls of `method` were answered; returns all answered calls of it."""

        def check() -> list[RecordedCall] | None:
            calls = [c for c in self.calls_of(method) if c.status is not None]
            return calls if len(calls) >= count else None

        def describe() -> str:
            seen = sorted({c.method for c in self.calls})
            return (
                f"timed out after {timeout}s waiting for {count} {method} call(s), got "
                f"{len(self.calls_of(method))}; methods seen: {seen}"
            )

        return await self._wait_until(check, timeout, describe)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
        """Wait until condition() is true; re-evaluated whenever the server's state changes."""
        await self._wait_until(
            lambda: True if condition() else None, timeout, lambda: f"timed out after {timeout}s: {what}"
        )

    async def _wait_until(
        self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeServerTimeout(describe())
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append(future)
            try:
                await asyncio.wait({future}, timeout=remaining)
            finally:
                if future in self._waiters:
                    self._waiters.remove(future)

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return self._error_response(TelegramError(404, "Not Found"))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error_response(TelegramError(401, "Unauthorized"))
        path = request.match_info["path"]
        stored = self._files_by_path.get(path)
        if stored is None:
            return self._error_response(TelegramError(404, "Not Found"))
        if self._download_errors:
            return self._error_response(TelegramError(self._download_errors.pop(0), "Internal Server Error"))
        if self.download_delay_s:
            await asyncio.sleep(self.download_delay_s)
        self.downloads.append(path)
        self._notify()
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = RecordedCall(method=method, params={}, time=time.monotonic())
        if request.match_info["token"] != self.token:
            error = TelegramError(401, "Unauthorized")
            call.status, call.description = error.code, error.description
            self.calls.append(call)
            self._notify()
            return self._error_response(error)
        try:
            call.params = await self._read_params(request)
        except TelegramError as exc:
            call.status, call.description = exc.code, exc.description
            self.calls.append(call)
            self._notify()
            return self._error_response(exc)
        self.calls.append(call)
        self._notify()
        fault = self._take_fault(method, call.params.get("chat_id"))
        if fault is not None:
            gone = await self._suffer(fault, request, call)
            if gone is not None:
                return gone
        try:
            handler = self._handlers.get(method.lower())
            if handler is None:
                self.unknown_methods.append(method)
                raise TelegramError(404, "Not Found: method not found")
            self._raise_injected(method)
            result = await handler(call.params)
        except TelegramError as exc:
            call.status, call.description = exc.code, exc.description
            response = self._error_response(exc)
        except Exception as exc:
            self.internal_errors.append(exc)
            call.status, call.description = 500, f"fake server error: {exc!r}"
            response = self._error_response(TelegramError(500, f"Internal Server Error: {exc!r}"))
        else:
            call.status, call.result = 200, result
            response = web.json_response({"ok": True, "result": result})
        self._notify()
        return response

    def _take_fault(self, method: str, chat_id: Any) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and (fault.chat_id is None or str(fault.chat_id) == str(chat_id)):
                fault.remaining[0] -= 1
                if fault.remaining[0] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _suffer(self, fault: _Fault, request: web.Request, call: RecordedCall) -> web.Response | None:
        """Applies a fault; returns the (non-)answer when the call must not be carried out."""
        if fault.kind == "drop":
            call.status, call.description = 0, "connection dropped"
            self.dropped_calls.append(call)
            if request.transport is not None:
                request.transport.close()
            self._notify()
            return web.Response(status=500)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (fault.seconds if fault.kind == "delay" else math.inf)
        while loop.time() < deadline and not (fault.kind == "hold" and self._released.is_set()):
            if request.transport is None or request.transport.is_closing() or self._closing:
                break
            await asyncio.sleep(0.02)
        if request.transport is None or request.transport.is_closing():
            call.status, call.description = 0, "client went away"
            self.abandoned_calls.append(call)
            self._notify()
            return web.Response(status=500)
        return None

    @staticmethod
    def _error_response(error: TelegramError) -> web.Response:
        payload: JsonDict = {"ok": False, "error_code": error.code, "description": error.description}
        if error.retry_after is not None:
            payload["parameters"] = {"retry_after": error.retry_after}
        return web.json_response(payload, status=error.code)

    def _raise_injected(self, method: str) -> None:
        for entry in self._injected:
            name, error, remaining = entry
            if name == method.lower() and remaining[1] > 0:  # calls still to go through first
                remaining[1] -= 1
                return
            if name == method.lower() and remaining[0] > 0:
                remaining[0] -= 1
                if remaining[0] == 0:
                    self._injected.remove(entry)
                raise error

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = {k: self._decode_form_value(k, v) for k, v in request.query.items()}
        if request.method != "POST" or not request.body_exists:
            return params
        content_type = request.content_type
        try:
            if content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise _bad_request("request body must be a JSON object")
                for key, value in body.items():
                    if key in _JSON_FIELDS and isinstance(value, str):
                        value = self._decode_form_value(key, value)
                    params[key] = value
                return params
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
            else:
                raise _bad_request(f"unsupported Content-Type {content_type!r}")
        except web.HTTPRequestEntityTooLarge:
            raise TelegramError(413, "Request Entity Too Large") from None
        except ValueError as exc:
            raise _bad_request(f"can't parse request: {exc}") from None
        files: dict[str, UploadedFile] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
            else:
                params[key] = self._decode_form_value(
                    key, value if isinstance(value, str) else value.decode()
                )
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name not in files:
                    raise _bad_request(f"file {name!r} referenced by attach:// is missing in the request")
                params[key] = files.pop(name)
        for key, file in files.items():  # direct uploads: the file part is named after the parameter
            params.setdefault(key, file)
        return params

    @staticmethod
    def _decode_form_value(key: str, value: str) -> Any:
        if key in _STRING_FIELDS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    # ------------------------------------------------------------------ state helpers

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        return chat

    def _user_json(self, user_id: int) -> JsonDict:
        return dict(
            self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )

    def _chat_json(self, chat_id: int) -> JsonDict:
        user = self._user_json(chat_id)
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _user_message(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> JsonDict:
        user = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or "Lan",
            "language_code": "vi",
        }
        if first_name is not None:
            user["first_name"] = first_name
        if username is not None:
            user["username"] = username
        self._users[user_id] = user
        chat = self._chat(user_id)
        message_id = chat.new_message_id()
        message = {
            "message_id": message_id,
            "from": dict(user),
            "chat": self._chat_json(user_id),
            "date": int(time.time()),
        }
        chat.user_messages[message_id] = message
        return message

    def _enqueue(self, payload: JsonDict) -> int:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self.pushed_updates.append(update)
        self._queue.append(_QueuedUpdate(update))
        self._notify()
        return int(update["update_id"])

    def _store_file(
        self,
        content: bytes,
        *,
        prefix: str,
        folder: str,
        file_name: str | None,
        mime_type: str | None,
        declared_size: int | None = None,
    ) -> _StoredFile:
        self._file_counter += 1
        n = self._file_counter
        ext = (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else None) or (
            "jpg" if folder == "photos" else "bin"
        )
        stored = _StoredFile(
            file_id=f"{prefix}{n:04d}{secrets.token_hex(8)}",
            file_unique_id=f"AQAD{n:04d}{secrets.token_hex(4)}",
            file_path=f"{folder}/file_{n}.{ext}",
            content=content,
            file_size=declared_size if declared_size is not None else len(content),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _document_json(stored: _StoredFile) -> JsonDict:
        doc: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if stored.file_name is not None:
            doc["file_name"] = stored.file_name
        if stored.mime_type is not None:
            doc["mime_type"] = stored.mime_type
        return doc

    @staticmethod
    def _photo_json(stored: _StoredFile) -> list[JsonDict]:
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "width": 1280,
                "height": 960,
            }
        ]

    def _message_json(self, msg: SentMessage) -> JsonDict:
        data: JsonDict = {
            "message_id": msg.message_id,
            "from": dict(self.bot_user),
            "chat": self._chat_json(msg.chat_id),
            "date": msg.date,
        }
        text_key, entities_key = (
            ("text", "entities") if msg.kind == "text" else ("caption", "caption_entities")
        )
        if msg.text:
            data[text_key] = msg.text
            if msg.entities:
                data[entities_key] = copy.deepcopy(msg.entities)
        if msg.edited:
            data["edit_date"] = int(time.time())
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = copy.deepcopy(msg.reply_markup)
        if msg.file_id is not None:
            stored = self._files[msg.file_id]
            if msg.kind == "document":
                data["document"] = self._document_json(stored)
            else:
                data["photo"] = self._photo_json(stored)
        return data

    def _require_chat(self, params: JsonDict) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        if chat_id in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if self.require_known_chats and chat_id not in self._users:
            raise TelegramError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _check_rate_limit(self, chat_id: int) -> None:
        if self._rate_global is None and self._rate_per_chat is None:
            return
        now = time.monotonic()
        flood_until = max(self._flood_global_until, self._flood_chat_until.get(chat_id, 0.0))
        if now < flood_until:
            self._reject_429(max(1, math.ceil(flood_until - now)))
        if self._rate_global is not None and not self._rate_global.available(now):
            self._flood_global_until = now + self._retry_after
            self._reject_429(self._retry_after)
        chat_bucket: _TokenBucket | None = None
        if self._rate_per_chat is not None:
            chat_bucket = self._rate_chats.get(chat_id)
            if chat_bucket is None:
                chat_bucket = self._rate_chats[chat_id] = _TokenBucket(self._rate_per_chat, now)
            if not chat_bucket.available(now):
                self._flood_chat_until[chat_id] = now + self._retry_after
                self._reject_429(self._retry_after)
        if self._rate_global is not None:
            self._rate_global.take()
        if chat_bucket is not None:
            chat_bucket.take()

    def _reject_429(self, retry_after: int) -> None:
        self.rejected_429 += 1
        raise TelegramError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @staticmethod
    def _validate_markup(markup: Any, *, inline_only: bool = False) -> JsonDict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for button in (b for row in rows for b in row):
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
                actions = [k for k in button if k != "text"]
                if not actions:
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                    raise _bad_request("BUTTON_URL_INVALID")
            return markup
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            return markup
        if markup.get("remove_keyboard") or "force_reply" in markup:
            return markup
        raise _bad_request("can't parse reply keyboard markup JSON object")

    def _render(
        self, params: JsonDict, key: str, limit: int, *, required: bool
    ) -> tuple[str | None, list[JsonDict]]:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise _bad_request("message text is empty")
            return None, []
        entities_key = "entities" if key == "text" else "caption_entities"
        text, entities = render_text(str(raw), params.get("parse_mode"), params.get(entities_key))
        if required and not text:
            raise _bad_request("message text is empty")
        if utf16_len(text) > limit:
            raise _bad_request("message is too long" if key == "text" else "message caption is too long")
        return text or None, entities

    def _deliver(self, chat_id: int, msg: SentMessage) -> JsonDict:
        chat = self._chat(chat_id)
        chat.messages[msg.message_id] = msg
        msg.versions.append(
            MessageVersion(msg.text, msg.raw_text, msg.parse_mode, msg.reply_markup, time.monotonic())
        )
        if msg.reply_markup:
            if "keyboard" in msg.reply_markup:
                chat.reply_keyboard = msg.reply_keyboard
            elif msg.reply_markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.events.append(msg.snapshot())
        return self._message_json(msg)

    def _apply_edit(
        self,
        chat: _Chat,
        msg: SentMessage,
        text: str | None,
        raw: str | None,
        parse_mode: str | None,
        entities: list[JsonDict],
        markup: JsonDict | None,
    ) -> JsonDict:
        if (text, raw, markup) == (msg.text, msg.raw_text, msg.reply_markup):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        msg.text, msg.raw_text, msg.parse_mode, msg.entities = text, raw, parse_mode, entities
        msg.reply_markup = markup
        msg.edited = True
        msg.versions.append(MessageVersion(text, raw, parse_mode, markup, time.monotonic()))
        chat.events.append(msg.snapshot())
        return self._message_json(msg)

    def _find_bot_message(self, params: JsonDict, purpose: str) -> tuple[_Chat, SentMessage]:
        if params.get("inline_message_id"):
            raise _bad_request(
                f"message to {purpose} not found (inline messages are not supported by the fake)"
            )
        chat_id = self._require_chat(params)
        raw_id = params.get("message_id")
        if raw_id is None:
            raise _bad_request("message identifier is not specified")
        message_id = int(raw_id)
        chat = self._chat(chat_id)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            if message_id in chat.user_messages and purpose == "edit":
                raise _bad_request("message can't be edited")
            raise _bad_request(f"message to {purpose} not found")
        return chat, msg

    def _media_file(self, params: JsonDict, key: str, *, prefix: str, folder: str) -> _StoredFile:
        value = params.get(key)
        if isinstance(value, UploadedFile):
            if not value.content:
                raise _bad_request("file must be non-empty")
            if len(value.content) > MAX_UPLOAD_SIZE:
                raise TelegramError(413, "Request Entity Too Large")
            if key == "photo" and not value.content.startswith(_IMAGE_MAGIC):
                raise _bad_request("IMAGE_PROCESS_FAILED")
            mime = mimetypes.guess_type(value.filename)[0] or value.content_type or "application/octet-stream"
            if key == "photo":
                mime = "image/jpeg"
            return self._store_file(
                value.content, prefix=prefix, folder=folder, file_name=value.filename, mime_type=mime
            )
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            raise _bad_request("wrong file identifier/HTTP URL specified")
        raise _bad_request(f"there is no {key} in the request")

    # ------------------------------------------------------------------ Bot API methods

    async def _m_getMe(self, params: JsonDict) -> JsonDict:
        return dict(self.bot_user)

    async def _m_logOut(self, params: JsonDict) -> bool:
        return True

    async def _m_close(self, params: JsonDict) -> bool:
        return True

    async def _m_deleteWebhook(self, params: JsonDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._queue.clear()
        await self._stop_pusher()
        return True

    async def _m_setWebhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if url and not url.startswith(("https://", "http://")):  # Telegram wants https; tests serve http
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("bad webhook: Secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = list(allowed) or None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        await self._stop_pusher()
        self.webhook_url = url
        self.webhook_secret = str(secret or "")
        # A long poll still waiting ends (with 409 at its next look), as on Telegram.
        self._poll_generation += 1
        self._notify()
        if url:
            from tests.fakes.telegram_webhook import WebhookPusher

            self._pusher = WebhookPusher(self, url, self.webhook_secret, int(params.get("max_connections") or 40))
            self._pusher.start()
        return True

    async def _stop_pusher(self) -> None:
        if self._pusher is not None:
            pusher, self._pusher = self._pusher, None
            await pusher.stop()

    async def _m_getWebhookInfo(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self._pusher is not None and self._pusher.last_error is not None:
            info["last_error_message"] = self._pusher.last_error
            info["last_error_date"] = self._pusher.last_error_date
        return info

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _m_setMyCommands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _m_getMyCommands(self, params: JsonDict) -> list[JsonDict]:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deleteMyCommands(self, params: JsonDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _m_setChatMenuButton(self, params: JsonDict) -> bool:
        chat_id = params.get("chat_id")
        self.menu_buttons[int(chat_id) if chat_id is not None else None] = params.get("menu_button") or {
            "type": "default"
        }
        return True

    async def _m_getChatMenuButton(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        key = int(chat_id) if chat_id is not None else None
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _m_getUpdates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook_url:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A new getUpdates terminates a pending one (e.g. left by a crashed bot instance), like Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()

        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = list(allowed) or None
        offset = params.get("offset")
        if offset is not None:
            self._confirm(int(offset))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.long_poll_cap)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._pending_batch(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                break
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append(future)
            try:
                await asyncio.wait({future}, timeout=remaining)
            finally:
                if future in self._waiters:
                    self._waiters.remove(future)
        for queued in batch:
            queued.delivered = True
        return [copy.deepcopy(q.update) for q in batch]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [q for q in self._queue if q.update_id >= offset or (q.sticky and not q.delivered)]

    def _pending_batch(self, limit: int) -> list[_QueuedUpdate]:
        batch: list[_QueuedUpdate] = []
        for queued in list(self._queue):
            allowed = (
                queued.type in self._allowed_updates
                if self._allowed_updates is not None
                else queued.type not in _DEFAULT_EXCLUDED_UPDATES
            )
            if not allowed:
                self._queue.remove(queued)
                self.filtered_updates.append(queued.update)
                continue
            batch.append(queued)
            if len(batch) >= limit:
                break
        return batch

    async def _m_sendMessage(self, params: JsonDict) -> JsonDict:
        chat_id = self._require_chat(params)
        text, entities = self._render(params, "text", MAX_TEXT_LENGTH, required=True)
        markup = self._validate_markup(params.get("reply_markup"))
        self._check_rate_limit(chat_id)
        chat = self._chat(chat_id)
        msg = SentMessage(
            message_id=chat.new_message_id(),
            chat_id=chat_id,
            kind="text",
            text=text,
            raw_text=str(params["text"]),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
        )
        return self._deliver(chat_id, msg)

    async def _send_media(self, params: JsonDict, kind: str) -> JsonDict:
        chat_id = self._require_chat(params)
        caption, entities = self._render(params, "caption", MAX_CAPTION_LENGTH, required=False)
        markup = self._validate_markup(params.get("reply_markup"))
        prefix, folder = ("BQAC", "documents") if kind == "document" else ("AgAC", "photos")
        stored = self._media_file(params, kind, prefix=prefix, folder=folder)
        self._check_rate_limit(chat_id)
        chat = self._chat(chat_id)
        msg = SentMessage(
            message_id=chat.new_message_id(),
            chat_id=chat_id,
            kind=kind,
            text=caption,
            raw_text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            document=(stored.file_name or "file", stored.content) if kind == "document" else None,
            photo=stored.content if kind == "photo" else None,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
            date=int(time.time()),
        )
        return self._deliver(chat_id, msg)

    async def _m_sendDocument(self, params: JsonDict) -> JsonDict:
        return await self._send_media(params, "document")

    async def _m_sendPhoto(self, params: JsonDict) -> JsonDict:
        return await self._send_media(params, "photo")

    async def _m_editMessageText(self, params: JsonDict) -> JsonDict:
        chat, msg = self._find_bot_message(params, "edit")
        if msg.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        text, entities = self._render(params, "text", MAX_TEXT_LENGTH, required=True)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            chat, msg, text, str(params["text"]), params.get("parse_mode"), entities, markup
        )

    async def _m_editMessageCaption(self, params: JsonDict) -> JsonDict:
        chat, msg = self._find_bot_message(params, "edit")
        if msg.kind == "text":
            raise _bad_request("there is no caption in the message to edit")
        caption, entities = self._render(params, "caption", MAX_CAPTION_LENGTH, required=False)
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            chat, msg, caption, params.get("caption"), params.get("parse_mode"), entities, markup
        )

    async def _m_editMessageReplyMarkup(self, params: JsonDict) -> JsonDict:
        chat, msg = self._find_bot_message(params, "edit")
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(chat, msg, msg.text, msg.raw_text, msg.parse_mode, msg.entities, markup)

    async def _m_deleteMessage(self, params: JsonDict) -> bool:
        chat_id = self._require_chat(params)
        message_id = int(params.get("message_id") or 0)
        chat = self._chat(chat_id)
        msg = chat.messages.get(message_id)
        if msg is not None and not msg.deleted:
            msg.deleted = True
        elif message_id in chat.user_messages:
            del chat.user_messages[message_id]
        else:
            raise _bad_request("message to delete not found")
        self.deleted_messages.append((chat_id, message_id))
        return True

    async def _m_answerCallbackQuery(self, params: JsonDict) -> bool:
        callback_id = str(params.get("callback_query_id") or "")
        if callback_id not in self._pushed_callbacks:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(callback_id)
        self.callback_answer_params.append(dict(params))
        return True

    async def _m_sendChatAction(self, params: JsonDict) -> bool:
        chat_id = self._require_chat(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        self._chat(chat_id).actions.append(str(action))
        return True

    async def _m_getFile(self, params: JsonDict) -> JsonDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }


class FakeTelegramCloud(FakeCloud[FakeTelegramServer]):
    """One Bot API host for several bots (``bot(token)``: each a ``FakeTelegramServer`` with its own users,
    chats, updates and webhook). A call is routed by the token in its path, as Telegram's host routes it;
    a token of no bot is refused 401 Unauthorized like Telegram's, and recorded in ``unknown_tokens``."""

    name = "FakeTelegramCloud"

    def __init__(self, *tokens: str, host: str = "127.0.0.1", **bot_options: Any) -> None:
        super().__init__({token: FakeTelegramServer(token, host=host, bot_username=f"hsdt_{token.split(':', 1)[0]}_bot",
                                                    **bot_options) for token in tokens}, host)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.routed(_api_call, _unauthorized))
        app.router.add_get("/file/bot{token}/{path:.+}", self.routed(_file_call, _unauthorized))
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def _not_found(self, request: web.Request) -> web.Response:
        return FakeTelegramServer._error_response(TelegramError(404, "Not Found"))


async def _api_call(bot: FakeTelegramServer, request: web.Request) -> web.StreamResponse:
    return await bot._handle_api(request)


async def _file_call(bot: FakeTelegramServer, request: web.Request) -> web.StreamResponse:
    return await bot._handle_file(request)


def _unauthorized() -> web.StreamResponse:
    return FakeTelegramServer._error_response(TelegramError(401, "Unauthorized"))
