"""The Zalo channel object: polling (getUpdates) or webhook calls, each update applied in its user's
queue and its committed replies sent (`ReplyDelivery`); a redelivered copy is left to the worker that
applied it, unless its replies stay unsent."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from hsdt.channels.contract import bot_scope
from hsdt.channels.delivery import ReplyDelivery
from hsdt.channels.polling import poll_forever
from hsdt.channels.zalo_bot.client import POLL_TIMEOUT_S, ZaloBotClient, ZaloError
from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.render import ZaloSender, ZaloTurns
from hsdt.channels.zalo_bot.translate import CAPABILITIES, CHANNEL, to_event, unwrap
from hsdt.events import Incoming, Kind
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"


class ZaloChannel:
    def __init__(self, client: ZaloBotClient, dispatcher: Dispatcher, links: UploadLinks | None,
                 tz: ZoneInfo, quota_wait_s: float = 60.0, downloads: Downloads | None = None,
                 orphan_grace_s: float = 15.0) -> None:
        self.client = client
        # How long a redelivered turn's unsent replies are left to the worker that applied it.
        self.orphan_grace_s = orphan_grace_s
        self.dispatcher = dispatcher
        dispatcher.declare(CHANNEL, CAPABILITIES, ZaloMenus())
        self.links = links
        self.turns = ZaloTurns(client, dispatcher, links, tz, quota_wait_s, downloads)
        self.sender = ZaloSender(self.turns)
        # Message ids are namespaced by bot, so two Zalo bots can share one database.
        self.scope = bot_scope(client.token)
        self.meter = self.turns.meter
        self.delivery: ReplyDelivery[None] = ReplyDelivery(CHANNEL, dispatcher, self.turns, scope=self.scope,
                                                           meter=self.meter)
        self._downloads: aiohttp.ClientSession | None = None
        self._applying: set[asyncio.Task[None]] = set()

    def _http(self) -> aiohttp.ClientSession:
        if self._downloads is None:
            self._downloads = aiohttp.ClientSession()
        return self._downloads

    def event_of(self, update: dict[str, Any]) -> Incoming | None:
        return to_event(update, self.scope, self._http)

    def submit(self, update: dict[str, Any]) -> asyncio.Future[None]:
        """Apply in the user's order; the future resolves once the event has committed. Only the
        sending waits in the user's queue: a user's next message is applied as soon as it arrives,
        even while this worker still sends the previous turn (it answers the screen that turn put up,
        which is on record at its commit), so messages sent back to back and spread over several
        workers keep their order instead of the later one overtaking an earlier one stuck here."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        event = self.event_of(update)
        if event is None:
            committed.set_result(None)
            return committed

        async def apply() -> None:
            try:
                if event.kind is Kind.DOCUMENT:
                    # Downloading and checking takes seconds: show "typing" (not a counted message).
                    with contextlib.suppress(ZaloError):
                        await self.client.send_chat_action(event.user_ref, "typing")
                # The dispatcher applies one user's events in the order they reach it.
                handled = await self.dispatcher.process(event)
            finally:
                if not committed.done():
                    committed.set_result(None)
            if not handled.replies:
                return
            if handled.duplicate:
                # A copy of a turn already applied (delivered again, perhaps to another worker): the
                # worker that applied it is sending its replies, or died doing so.
                self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
            elif self.delivery.claim(event.event_id):
                # Queued at once (no await since the commit): the user's turns go out in their order.
                self.delivery.queues.submit(event.user_ref, functools.partial(
                    self.delivery.send, event.event_id, event.user_ref, handled.replies, handled.first, None,
                    handled.turn))

        async def run() -> None:
            try:
                await apply()
            except Exception:
                log.exception("zalo: event %s failed", event.event_id)

        task = asyncio.create_task(run())
        self._applying.add(task)
        task.add_done_callback(self._applying.discard)
        return committed

    async def settled(self) -> None:
        """Until every event taken is applied and its replies are sent."""
        while self._applying:
            await asyncio.gather(*list(self._applying), return_exceptions=True)
        await self.delivery.queues.drain()

    async def handle_update(self, update: dict[str, Any]) -> None:
        """Handle one update and wait until its replies are out (tests; the webhook waits for the commit)."""
        await self.submit(update)
        await self.settled()
        await self.delivery.queues.drain()

    async def poll(self, stop: asyncio.Event, timeout: int = POLL_TIMEOUT_S) -> None:
        async def fetch() -> dict[str, Any] | None:
            return await self.client.get_updates(timeout)

        async def take(update: dict[str, Any] | None) -> None:
            unwrapped = unwrap(update) if update is not None else None
            if unwrapped:
                self.submit(unwrapped)

        await poll_forever("zalo getUpdates", fetch, take, stop)

    async def run(self, stop: asyncio.Event, mode: str, webhook_base: str | None, webhook_secret: str | None,
                  path: str = WEBHOOK_PATH) -> None:
        """Polling: delete any webhook first (getUpdates is refused while one is set). Webhook: register
        it at `path` (a Sở's own bot has its own, `hsdt.web.webhooks.tenant_path`); the web server
        receives the calls."""
        me = await self.client.get_me()
        log.info("zalo bot %s (%s mode)", me.get("account_name") or me.get("id"), mode)
        await asyncio.to_thread(self.dispatcher.adopt_legacy_events, CHANNEL, self.scope)
        await self.delivery.recover()
        if mode == "webhook":
            if webhook_secret is None or webhook_base is None:
                raise RuntimeError("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET and UPLOAD_BASE_URL")
            await self.client.set_webhook(webhook_base + path, webhook_secret)
            await self.delivery.watch(stop)  # until stop: the turns of workers that die meanwhile
            return
        await self.client.delete_webhook()
        await self.poll(stop)

    async def close(self, grace_s: float = 10.0) -> None:
        async def drain() -> None:
            while self._applying:  # events taken are applied, and their turns queued, before the drain
                await asyncio.gather(*list(self._applying), return_exceptions=True)
            await self.delivery.close()

        try:
            await asyncio.wait_for(drain(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()
        if self._downloads is not None:
            await self._downloads.close()
            self._downloads = None
