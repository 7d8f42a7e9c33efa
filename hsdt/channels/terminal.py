"""Terminal chat: the same conversations over stdin/stdout, for local use and demos. It is a channel like
the others: it declares what it can show (no buttons: options are numbered and typed) and prints each
turn through the reply delivery, which records what was shown in the reply ledger."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import sys
import uuid
from pathlib import Path
from typing import TextIO

from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.channels.numbered import last_options, render, resolve
from hsdt.events import Button, Capabilities, FileRef, FileTooLarge, Incoming, Kind, Origin, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.texts import channels as texts
from hsdt.texts import typed as typed_texts

CHANNEL = "terminal"
# Nothing to press: options are numbered and typed; a file is sent by typing its path.
CAPABILITIES = Capabilities(has_buttons=False, can_edit=False, can_send_files=False, max_text=None)


def _local_file(path: Path) -> FileRef:
    async def fetch(dest: Path, max_bytes: int) -> None:
        if path.stat().st_size > max_bytes:
            raise FileTooLarge(str(path))
        shutil.copyfile(path, dest)

    return FileRef(name=path.name, size=path.stat().st_size, mime_type=None, fetch=fetch)


class TerminalTurns:
    """The terminal's rendering of a turn: each reply printed, and reported as it is (the reply ledger
    settles the terminal's turns as it does every channel's)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        # The options last shown: what a typed key presses.
        self.buttons: dict[str, Button] = {}

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        self.buttons = last_options(replies) or self.buttons
        options_at = max((i for i, reply in enumerate(replies) if reply.buttons), default=None)
        for index, reply in enumerate(replies):
            self.out.write(text_of(reply, hint=index == options_at) + "\n\n")
            self.out.flush()
            progress(index + 1)


class TerminalChat:
    def __init__(self, dispatcher: Dispatcher, user_ref: str | None = None) -> None:
        self.dispatcher = dispatcher
        dispatcher.declare(CHANNEL, CAPABILITIES)
        self.user_ref = user_ref or getpass.getuser()
        self.turns = TerminalTurns(sys.stdout)
        self.delivery: ReplyDelivery[None] = ReplyDelivery(CHANNEL, dispatcher, self.turns)

    def to_event(self, line: str) -> Incoming:
        text = line.strip()
        base: Origin = {"channel": CHANNEL, "user_ref": self.user_ref, "event_id": uuid.uuid4().hex}
        button = resolve(text, self.turns.buttons)
        if button is not None:
            return Incoming(kind=Kind.BUTTON, payload=button.action, text=text, **base)
        if text.startswith("/gui ") or text.lower().endswith(".pdf"):
            path = Path(text.removeprefix("/gui ").strip().strip("'\"")).expanduser()
            if path.is_file():
                return Incoming(kind=Kind.DOCUMENT, file=_local_file(path), **base)
        if text.startswith("/"):
            return Incoming(kind=Kind.COMMAND, text=text, **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)

    async def say(self, line: str) -> None:
        """One line typed: applied, its replies printed through the delivery, which records them."""
        event = self.to_event(line)
        handled = await self.dispatcher.process(event)
        if handled.replies and self.delivery.claim(event.event_id):
            await self.delivery.send(event.event_id, self.user_ref, handled.replies, handled.first, None,
                                     handled.turn)

    async def run(self, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, greeting: str = "") -> None:
        self.turns.out = out
        if greeting:
            out.write(greeting + "\n\n")
        try:
            await self.say("/start")
            loop = asyncio.get_running_loop()
            while True:
                out.write("> ")
                out.flush()
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    break
                if not line.strip():
                    continue
                if line.strip() in ("/thoat", "/quit", "/exit"):
                    break
                await self.say(line)
        finally:
            await self.delivery.close()  # what was printed is on record before the chat ends


def text_of(reply: Reply, *, hint: bool = True) -> str:
    """A reply as the terminal prints it: options numbered (with the hint to type one under the turn's
    last options), and how to send the PDF a screen asks for."""
    body = render(reply)
    if reply.buttons and hint:
        body += "\n" + (typed_texts.OPTIONS_HINT_LETTERS if reply.expects_number else typed_texts.OPTIONS_HINT_NUMBERS)
    if reply.upload:
        body += "\n" + texts.TERMINAL_SEND_FILE
    return body
