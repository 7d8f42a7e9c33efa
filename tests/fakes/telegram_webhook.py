"""The fake Telegram server's webhook delivery, as Telegram does it once `setWebhook` is called:

* every queued update is POSTed as JSON to the webhook URL with ``X-Telegram-Bot-Api-Secret-Token``;
* the updates of one chat go one at a time, in order: the next is sent only after the previous one
  was answered with 200 (other chats' go concurrently, up to ``max_connections``);
* any other answer (or a connection error, or no answer within ``timeout_s``) is remembered as the
  last error and the same update is sent again after ``retry_s``; a 200 confirms it (it leaves the queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from tests.fakes.telegram_server import FakeTelegramServer, _QueuedUpdate


@dataclass(frozen=True)
class Delivery:
    update_id: int
    status: int  # 0: no HTTP answer (connection refused, timeout)


def chat_of(update: dict[str, Any]) -> int:
    for key in ("message", "edited_message"):
        if isinstance(update.get(key), dict):
            return int(update[key]["chat"]["id"])
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        return int(callback["from"]["id"])
    return -int(update["update_id"])


class WebhookPusher:
    def __init__(self, server: FakeTelegramServer, url: str, secret: str, max_connections: int = 40,
                 retry_s: float = 0.05, timeout_s: float = 30.0) -> None:
        self.server = server
        self.url = url
        self.secret = secret
        self.max_connections = max_connections
        self.retry_s = retry_s
        self.timeout_s = timeout_s
        self.last_error: str | None = None
        self.last_error_date: int | None = None
        self._busy: set[int] = set()  # chats with an update on its way
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        tasks = [t for t in [self._loop_task, *self._tasks] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            blocked = set(self._busy)
            for queued in self.server._pending_batch(100):
                chat = chat_of(queued.update)
                if chat in blocked:
                    continue
                blocked.add(chat)  # only the first pending update of a chat may go
                if len(self._busy) >= self.max_connections:
                    break
                self._busy.add(chat)
                task = asyncio.get_running_loop().create_task(self._deliver(chat, queued))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(0.01)

    async def _deliver(self, chat: int, queued: _QueuedUpdate) -> None:
        assert self._session is not None
        status = 0
        try:
            async with self._session.post(self.url, json=copy.deepcopy(queued.update),
                                          headers={"X-Telegram-Bot-Api-Secret-Token": self.secret}) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            self.last_error = f"Connection failed: {type(error).__name__}"
        except asyncio.CancelledError:  # the webhook changed: this attempt never happened
            self._busy.discard(chat)
            raise
        self.server.webhook_deliveries.append(Delivery(queued.update_id, status))
        try:
            if status == 200:
                queued.delivered = True
                with contextlib.suppress(ValueError):
                    self.server._queue.remove(queued)
                self.server._notify()
            else:
                if status:
                    self.last_error = f"Wrong response from the webhook: {status}"
                self.last_error_date = int(time.time())
                await asyncio.sleep(self.retry_s)
        finally:
            self._busy.discard(chat)
