"""Length-prefixed JSON frames between the parent and a worker (light: used on both sides)."""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


class FrameTimeout(Exception):
    """The peer did not answer before the deadline."""


class PeerGone(Exception):
    """The pipe closed: the peer exited or was killed."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return HEADER.pack(len(body)) + body


def write_frame(fd: int, message: dict[str, Any]) -> None:
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise FrameTimeout
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise FrameTimeout
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise PeerGone
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> dict[str, Any]:
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if size > MAX_FRAME:
        raise PeerGone
    message = json.loads(_read_exact(fd, size, deadline).decode("utf-8"))
    if not isinstance(message, dict):
        raise PeerGone  # a peer that speaks anything but objects is not one of ours
    return message
