"""Test helpers: a controllable clock and a driver that talks to the handlers like a user would."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeAlias

from aiohttp import web
from aiohttp.test_utils import TestClient

from hsdt.events import FileRef, FileTooLarge, Handled, Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt, last_shown
from hsdt.scoring import RUBRIC_2024_2025, bundled_rubric_path

_event_ids = itertools.count(1)
# Tests written against the 2024-2025 campaign pin its rubric (the default is the 2026 one).
RUBRIC_2024 = bundled_rubric_path(RUBRIC_2024_2025)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# The in-process client of a web app (aiohttp's test client is generic in its request and app).
WebClient: TypeAlias = TestClient[web.Request, web.Application]


class ChatDriver:
    """One user on one channel. Every call is one event through the real dispatcher."""

    def __init__(self, dispatcher: Dispatcher, user_ref: str, channel: str = "test") -> None:
        self.dispatcher = dispatcher
        self.user_ref = user_ref
        self.channel = channel
        self.replies: list[Reply] = []
        # The last turn that showed buttons: a short correction leaves that screen usable above it.
        self.screen: list[Reply] = []
        self.last_event: Incoming | None = None
        self.handled = Handled([])

    def _event(self, kind: Kind, *, text: str = "", payload: str = "", file: FileRef | None = None) -> Incoming:
        return Incoming(
            channel=self.channel,
            user_ref=self.user_ref,
            event_id=f"e{next(_event_ids)}",
            kind=kind,
            text=text,
            payload=payload,
            file=file,
        )

    def deliver(self, event: Incoming) -> list[Reply]:
        self.last_event = event
        self.handled = self.dispatcher.process_sync(event)
        self.replies = self.handled.replies
        self._remember()
        return self.replies

    def receipt(self) -> Receipt:
        """What a channel reports once every reply of the last turn is on the platform."""
        assert self.last_event is not None
        return Receipt(self.channel, self.last_event.event_id, len(self.replies), settled=True,
                       user_ref=self.user_ref, shown=last_shown(self.replies, self.handled.turn, self.channel))

    def _remember(self) -> None:
        if any(reply.buttons for reply in self.replies):
            self.screen = self.replies

    def send(self, text: str) -> list[Reply]:
        kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
        return self.deliver(self._event(kind, text=text))

    def press_action(self, action: str) -> list[Reply]:
        return self.deliver(self._event(Kind.BUTTON, payload=action))

    def press(self, label_part: str) -> list[Reply]:
        return self.press_action(self.button(label_part))

    def button(self, label_part: str) -> str:
        for reply in [*reversed(self.replies), *reversed(self.screen)]:
            for button in reply.flat_buttons:
                if label_part.lower() in button.label.lower():
                    return button.action
        shown = [b.label for r in [*self.replies, *self.screen] for b in r.flat_buttons]
        raise AssertionError(f"no button with {label_part!r}; buttons shown: {shown}")

    def photo(self) -> list[Reply]:
        return self.deliver(self._event(Kind.PHOTO))

    def upload(self, path: Path, name: str | None = None, declared_size: int | None = None) -> list[Reply]:
        async def fetch(dest: Path, max_bytes: int) -> None:
            data = path.read_bytes()
            if len(data) > max_bytes:
                raise FileTooLarge(str(path))
            dest.write_bytes(data)

        size = path.stat().st_size if declared_size is None else declared_size
        ref = FileRef(name=name or path.name, size=size, mime_type="application/pdf", fetch=fetch)
        event = self._event(Kind.DOCUMENT, file=ref)
        self.last_event = event
        self.replies = asyncio.run(self.dispatcher.handle(event))
        self._remember()
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    def enrol(self, code: str) -> list[Reply]:
        return self.send(f"/start {code}")
