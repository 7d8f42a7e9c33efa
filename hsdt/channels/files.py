"""A capped streaming download: what a channel fetches for the handlers (a document the user sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from hsdt.events import FileTooLarge


async def stream_to_file(chunks: AsyncIterator[bytes], dest: Path, max_bytes: int, name: str) -> int:
    """Write the chunks to `dest`, refusing (FileTooLarge) as soon as they pass `max_bytes`."""
    written = 0
    with dest.open("wb") as out:
        async for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                raise FileTooLarge(name)
            out.write(chunk)
    return written
