"""Per-user serialisation: each user's work runs in order, different users' work side by side."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class SerialQueues:
    """Work items run one after another per key and concurrently across keys. A key with nothing
    queued holds no memory."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._tails)

    def submit(self, key: str, work: Callable[[], Awaitable[object]]) -> asyncio.Task[None]:
        previous = self._tails.get(key)

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("work for %s failed", key)

        task = asyncio.create_task(run())
        self._tails[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    async def drain(self) -> None:
        while self._tails:
            await asyncio.gather(*list(self._tails.values()), return_exceptions=True)

    async def cancel(self) -> None:
        tasks = list(self._tails.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
