"""The event a log line belongs to, carried in a context variable.

The dispatcher sets it for the whole handling of one event (its transaction runs on a worker
thread, which is handed a copy of the context), so every line logged on the way, by any module,
carries the event's channel and id without passing them around. Below every other package: the
log formatter (`hsdt.app.logs`) reads it, handlers never import the app.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

EVENT_ID: ContextVar[str | None] = ContextVar("hsdt_event_id", default=None)


@contextlib.contextmanager
def event_scope(channel: str, event_id: str) -> Iterator[None]:
    token = EVENT_ID.set(f"{channel}:{event_id}")
    try:
        yield
    finally:
        EVENT_ID.reset(token)


def current_event() -> str | None:
    return EVENT_ID.get()
