"""Text cut to a platform's message limit: at line breaks where possible, and packed into few messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def split_text(text: str, limit: int) -> list[str]:
    """Split at line breaks where possible so no message exceeds the platform limit."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def pack(parts: Iterable[str], limit: int, separator: str = "\n\n") -> list[str]:
    """As few messages as the limit allows: whole parts joined, long parts split at line breaks."""
    messages: list[str] = []
    current = ""
    for part in parts:
        for chunk in split_text(part, limit):
            if not chunk.strip():
                continue
            if current and len(current) + len(separator) + len(chunk) <= limit:
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


def pack_marked(parts: Sequence[str], limit: int, separator: str = "\n\n", skip: int = 0) -> list[Packed]:
    """`pack`, each message marked with how far into the parts it reaches; `skip`: chunks of the first
    part already sent (a retry resumes after them). An empty part is done with the message it would
    have been packed into."""
    messages: list[Packed] = []
    current = ""
    reached = (0, 0)
    for index, part in enumerate(parts):
        chunks = [chunk for chunk in split_text(part, limit) if chunk.strip()]
        if index == 0:
            chunks = chunks[skip:]
        for number, chunk in enumerate(chunks):
            if current and len(current) + len(separator) + len(chunk) <= limit:
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
