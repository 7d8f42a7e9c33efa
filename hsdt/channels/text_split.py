"""Text cut to a platform's message limit: at line breaks where possible, and packed into few messages.

A limit is in the platform's units, which `measure` counts (characters by default; Zalo counts UTF-16
units, in which an emoji is two). A measure grows with the text and adds up over joined texts."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Measure = Callable[[str], int]


def _fitting(text: str, limit: int, measure: Measure) -> int:
    """How many characters of `text` fit in `limit`."""
    if measure is len:
        return limit
    return bisect.bisect_right(range(len(text) + 1), limit, key=lambda n: measure(text[:n])) - 1


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Split at line breaks where possible so no message exceeds the platform limit."""
    chunks: list[str] = []
    while measure(text) > limit:
        end = _fitting(text, limit, measure)
        cut = text.rfind("\n", 0, end)
        cut = cut if cut > 0 else end
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def pack(parts: Iterable[str], limit: int, separator: str = "\n\n", measure: Measure = len) -> list[str]:
    """As few messages as the limit allows: whole parts joined, long parts split at line breaks."""
    messages: list[str] = []
    current = ""
    for part in parts:
        for chunk in split_text(part, limit, measure):
            if not chunk.strip():
                continue
            if current and measure(current) + measure(separator) + measure(chunk) <= limit:
                current += separator + chunk
            else:
                if current:
                    messages.append(current)
                current = chunk
    if current:
        messages.append(current)
    return messages


@dataclass(frozen=True)
class Packed:
    """One message of packed parts, and how far into the parts it reaches: `done` parts wholly sent
    once it is, and `into` chunks of the part after them (a part longer than one message)."""

    text: str
    done: int
    into: int = 0


def chunks_of(part: str, limit: int, measure: Measure = len) -> list[str]:
    """The messages `part` alone takes (what `pack_marked` counts in `into` and `skip`)."""
    return [chunk for chunk in split_text(part, limit, measure) if chunk.strip()]


def pack_marked(parts: Sequence[str], limit: int, separator: str = "\n\n", skip: int = 0,
                measure: Measure = len) -> list[Packed]:
    """`pack`, each message marked with how far into the parts it reaches; `skip`: chunks of the first
    part already sent (a retry resumes after them). An empty part is done with the message it would
    have been packed into."""
    messages: list[Packed] = []
    current = ""
    reached = (0, 0)
    for index, part in enumerate(parts):
        chunks = chunks_of(part, limit, measure)
        if index == 0:
            chunks = chunks[skip:]
        for number, chunk in enumerate(chunks):
            if current and measure(current) + measure(separator) + measure(chunk) <= limit:
                current += separator + chunk
            else:
                if current:
                    messages.append(Packed(current, *reached))
                current = chunk
            last = number == len(chunks) - 1
            offset = skip if index == 0 else 0
            reached = (index + 1, 0) if last else (index, offset + number + 1)
        if not chunks:  # nothing of it to send: done with the message being packed
            reached = (index + 1, 0)
    if current:
        messages.append(Packed(current, *reached))
    return messages
