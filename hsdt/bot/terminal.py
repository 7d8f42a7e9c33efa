"""Terminal chat: the same conversations over stdin/stdout, for local use and demos."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import string
import sys
import uuid
from pathlib import Path
from typing import TextIO

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.events import Button, FileRef, FileTooLarge, Incoming, Kind, Reply

CHANNEL = "terminal"


def option_keys(reply: Reply) -> list[str]:
    """Numbers for buttons, letters when the question itself expects a number."""
    count = len(reply.flat_buttons)
    if reply.expects_number:
        return list(string.ascii_lowercase[:count])
    return [str(i) for i in range(1, count + 1)]


def render(reply: Reply) -> str:
    lines = [reply.text]
    for key, button in zip(option_keys(reply), reply.flat_buttons, strict=True):
        lines.append(f"  [{key}] {button.label}")
    if reply.document is not None:
        lines.append(f"  (tệp đính kèm: {reply.document.file_name})")
    return "\n".join(lines)


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
        base = {"channel": CHANNEL, "user_ref": self.user_ref, "event_id": uuid.uuid4().hex}
        key = text.lower()
        if key in self.buttons:
            return Incoming(kind=Kind.BUTTON, payload=self.buttons[key].action, text=text, **base)
        by_label = {b.label.lower(): b for b in self.buttons.values()}
        if key in by_label:
            return Incoming(kind=Kind.BUTTON, payload=by_label[key].action, text=text, **base)
        if text.startswith("/gui ") or text.lower().endswith(".pdf"):
            path = Path(text.removeprefix("/gui ").strip().strip("'\"")).expanduser()
            if path.is_file():
                return Incoming(kind=Kind.DOCUMENT, file=_local_file(path), **base)
        if text.startswith("/"):
            return Incoming(kind=Kind.COMMAND, text=text, **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)

    def show(self, replies: list[Reply], out: TextIO) -> None:
        for reply in replies:
            if reply.buttons:
                self.buttons = dict(zip(option_keys(reply), reply.flat_buttons, strict=True))
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
