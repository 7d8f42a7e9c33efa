"""A polling loop that waits (the platform's retry_after, or a growing backoff) when fetching fails."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hsdt.channels.backoff import Backoff
from hsdt.channels.contract import RetryLater

log = logging.getLogger(__name__)
T = TypeVar("T")


async def sleep_or_stop(stop: asyncio.Event | None, seconds: float) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def poll_forever(
    name: str,
    fetch: Callable[[], Awaitable[T]],
    handle: Callable[[T], Awaitable[None]],
    stop: asyncio.Event,
    backoff: Backoff = Backoff(1.0, 30.0),
) -> None:
    """Fetch and hand over until `stop`; failures wait (the platform's retry_after, or a growing backoff)."""
    delays = backoff.delays()
    while not stop.is_set():
        try:
            result = await fetch()
        except RetryLater as error:
            wait = error.retry_after if error.retry_after is not None else await anext(delays)
            log.warning("%s: polling failed for now (%s); retrying in %.1f s", name, error, wait)
            await sleep_or_stop(stop, wait)
            continue
        except asyncio.CancelledError:
            raise
        except Exception as error:
            wait = await anext(delays)
            log.warning("%s: polling failed (%r); retrying in %.1f s", name, error, wait)
            await sleep_or_stop(stop, wait)
            continue
        delays = backoff.delays()
        await handle(result)
