"""Terminal chat: the same conversations over stdin/stdout, for local use and demos."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import sys
import uuid
from pathlib import Path
from typing import TextIO

from hsdt.channels.numbered import last_options, render, resolve
from hsdt.events import Button, FileRef, FileTooLarge, Incoming, Kind, Origin, Reply
from hsdt.handlers.dispatcher import Dispatcher

CHANNEL = "terminal"


def _local_file(path: Path) -> FileRef:
    async def fetch(dest: Path, max_bytes: int) -> None:
        if path.stat().st_size > max_bytes:
            raise FileTooLarge(str(path))
        shutil.copyfile(path, dest)

    return FileRef(name=path.name, size=path.stat().st_size, mime_type=None, fetch=fetch)


class TerminalChat:
    def __init__(self, dispatcher: Dispatcher, user_ref: str | None = None) -> None:
        self.dispatcher = dispatcher
        self.user_ref = user_ref or getpass.getuser()
        self.buttons: dict[str, Button] = {}

    def to_event(self, line: str) -> Incoming:
        text = line.strip()
        base: Origin = {"channel": CHANNEL, "user_ref": self.user_ref, "event_id": uuid.uuid4().hex}
        button = resolve(text, self.buttons)
        if button is not None:
            return Incoming(kind=Kind.BUTTON, payload=button.action, text=text, **base)
        if text.startswith("/gui ") or text.lower().endswith(".pdf"):
            path = Path(text.removeprefix("/gui ").strip().strip("'\"")).expanduser()
            if path.is_file():
                return Incoming(kind=Kind.DOCUMENT, file=_local_file(path), **base)
        if text.startswith("/"):
            return Incoming(kind=Kind.COMMAND, text=text, **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)

    def show(self, replies: list[Reply], out: TextIO) -> None:
        self.buttons = last_options(replies) or self.buttons
        for reply in replies:
            out.write(render(reply) + "\n\n")
        out.flush()

    async def run(self, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, greeting: str = "") -> None:
        if greeting:
            out.write(greeting + "\n\n")
        self.show(await self.dispatcher.handle(self.to_event("/start")), out)
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
            self.show(await self.dispatcher.handle(self.to_event(line)), out)
