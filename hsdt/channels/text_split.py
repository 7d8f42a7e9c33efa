"""Text cut to a platform's message limit: at line breaks where possible, and packed into few messages."""

from __future__ import annotations

from collections.abc import Iterable


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
