"""Buttons as numbered options, for chats without inline keyboards (terminal, Zalo).

A reply's buttons are shown as "[1] label" lines (lettered "[a]" when the question itself expects a
number, so a typed number stays an answer). The adapter remembers the options last shown and turns
a typed key or label back into that button's action.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from hsdt.events import Button, Reply

# Characters around a typed key or label that do not change its meaning: "2.", "(b)", "✅ Xong".
_DECORATION = " \t.,;:()[]!?-–—*•"


def option_keys(reply: Reply) -> list[str]:
    """Numbers for buttons, letters when the question itself expects a number."""
    count = len(reply.flat_buttons)
    if reply.expects_number:
        return list(string.ascii_lowercase[:count])
    return [str(i) for i in range(1, count + 1)]


def options_of(reply: Reply) -> dict[str, Button]:
    return dict(zip(option_keys(reply), reply.flat_buttons, strict=True))


def render(reply: Reply, *, attachment_note: str = "  (tệp đính kèm: {name})") -> str:
    lines = [reply.text]
    for key, button in options_of(reply).items():
        lines.append(f"  [{key}] {button.label}")
    if reply.document is not None:
        lines.append(attachment_note.format(name=reply.document.file_name))
    return "\n".join(lines)


def last_options(replies: Iterable[Reply]) -> dict[str, Button] | None:
    """The options of the last reply with buttons: what a typed key refers to after this turn."""
    found: dict[str, Button] | None = None
    for reply in replies:
        if reply.buttons:
            found = options_of(reply)
    return found


def _plain(text: str) -> str:
    """Lower case, without the emoji and punctuation that decorate labels."""
    text = text.strip().lower()
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1
    return text[start:].strip(_DECORATION)


def resolve(text: str, options: Mapping[str, Button]) -> Button | None:
    """The button a typed line means: its key ("2", "b", "2.") or its label, emoji optional."""
    typed = text.strip().lower()
    if not typed:
        return None
    key = typed.strip(_DECORATION)
    if key in options:
        return options[key]
    plain = _plain(typed)
    if not plain:
        return None
    for button in options.values():
        if _plain(button.label) == plain:
            return button
    return None
