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


async def _unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> tuple[T] | None:
    """The call's result, or None when `stop` came first: a long poll is abandoned at the signal (the
    updates it would have brought are not confirmed, so the platform hands them over again), and the
    channel drains at once instead of waiting out the poll's timeout."""
    fetching = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if fetching.done():
        return (fetching.result(),)
    fetching.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await fetching
    return None


async def poll_forever(
    name: str,
    fetch: Callable[[], Awaitable[T]],
    handle: Callable[[T], Awaitable[None]],
    stop: asyncio.Event,
    backoff: Backoff = Backoff(1.0, 30.0),
    *,
    abandon_at_stop: bool = False,
) -> None:
    """Fetch and hand over until `stop`; failures wait (the platform's retry_after, or a growing backoff).
    `abandon_at_stop`: a fetch in flight is dropped at the signal — only for a platform that hands over
    again what was not confirmed (Telegram's offsets); a platform whose fetch pops its update (the Zalo
    Bot Platform) is left to answer, or the update it carries would be lost."""
    delays = backoff.delays()
    while not stop.is_set():
        try:
            if abandon_at_stop:
                fetched = await _unless_stopped(fetch(), stop)
                if fetched is None:
                    return
                (result,) = fetched
            else:
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
