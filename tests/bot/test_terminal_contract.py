"""The terminal chat delivers through the same contract as every channel: it declares that it has no
buttons, so its screens say "gõ" (type) and never "bấm" (press)."""

from __future__ import annotations

import io

from hsdt.channels.terminal import TerminalChat
from hsdt.handlers.dispatcher import Dispatcher


async def _session(dispatcher: Dispatcher, *lines: str) -> str:
    out = io.StringIO()
    chat = TerminalChat(dispatcher, "ht-terminal")
    await chat.run(io.StringIO("\n".join([*lines, "/thoat"]) + "\n"), out)
    return out.getvalue()


async def test_the_terminal_says_type_never_press(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    out = await _session(dispatcher, codes["HT-HOASEN"], "/tudanhgia", "1", "7", "3/2", "b")
    assert "Tiêu chí 1/12" in out and "Tiêu chí 3/12" in out
    assert "bấm" not in out.lower(), [line for line in out.splitlines() if "bấm" in line.lower()]
    assert "Gõ số của từng phương án đúng" in out  # the multiple choice, worded for typing
    assert "(Gõ số của lựa chọn, ví dụ “1”.)" in out
