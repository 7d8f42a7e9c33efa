"""The OA channel object: verified webhook calls in, each event applied once in its user's queue, its
committed replies sent (`ReplyDelivery`, rendered by `render.OATurns`).

Zalo wants a 200 within about 2 seconds or it retries for hours, and checking a PDF takes longer: the
webhook waits for the event's commit at most `answer_within_s`, then answers anyway while the work
goes on. A redelivery (the same `msg_id`) is recognised three ways: in flight in this process, as
an event the dispatcher already recorded (before a file is downloaded again), and by the dispatcher
itself inside the event's transaction, so it is applied once and answered once.

Every interaction (a message, a follow, a "chat now" click) is recorded for Zalo's message windows
before the event is handled, on Zalo's own timestamp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hsdt.channels.delivery import ReplyDelivery
from hsdt.channels.zalo_oa.client import ZaloOAClient
from hsdt.channels.zalo_oa.events import Follow, OAEcho, OAEvent, Unfollow, UnknownEvent
from hsdt.channels.zalo_oa.render import OASender, OATurns
from hsdt.channels.zalo_oa.tokens import OATokenKeeper
from hsdt.channels.zalo_oa.translate import CHANNEL, to_event
from hsdt.channels.zalo_oa.webhook import VerifiedCall, WebhookPolicy
from hsdt.channels.zalo_oa.windows import WindowPolicy
from hsdt.events import Incoming
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.storage.types import utcnow
from hsdt.storage.zalo_oa_repository import ZaloOARepository

log = logging.getLogger(__name__)


def webhook_path(oa_id: str) -> str:
    """One route per OA: the URL the Sở enters in its app's webhook settings."""
    return f"/zalo-oa/{oa_id}/webhook"


def _oa_of(event: OAEvent) -> str | None:
    """The OA an event was sent to (a call for another OA of the same app is not this channel's)."""
    recipient = getattr(event, "recipient", None)
    if recipient is not None and not isinstance(event, OAEcho):
        return str(recipient.id)
    oa_id = getattr(event, "oa_id", None)
    return str(oa_id) if oa_id is not None else None


class OAChannel:
    def __init__(self, client: ZaloOAClient, dispatcher: Dispatcher, engine: Engine, oa_id: str,
                 policy: WebhookPolicy, windows: WindowPolicy, *, links: UploadLinks | None = None,
                 downloads: Downloads | None = None, clock: Callable[[], datetime] = utcnow,
                 answer_within_s: float = 1.5, rate_wait_s: float = 60.0, quota_wait_s: float = 600.0,
                 orphan_grace_s: float = 15.0) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.engine = engine
        self.oa_id = oa_id
        self.policy = policy
        self.clock = clock
        self.answer_within_s = answer_within_s
        self.orphan_grace_s = orphan_grace_s
        self.turns = OATurns(client, dispatcher, engine, oa_id, windows, links=links, downloads=downloads,
                             clock=clock, rate_wait_s=rate_wait_s, quota_wait_s=quota_wait_s)
        self.sender = OASender(self.turns)
        # Message ids are namespaced by OA, so several OAs can share one database.
        self.scope = oa_id
        self.delivery: ReplyDelivery[None] = ReplyDelivery(CHANNEL, dispatcher, self.turns, scope=self.scope)
        self._in_flight: dict[str, None] = {}
        self._downloads: aiohttp.ClientSession | None = None
        # The OA's token keeper (periodic refresh, `hsdt status`), when the bootstrap built one.
        self.keeper: OATokenKeeper | None = None

    @property
    def path(self) -> str:
        return webhook_path(self.oa_id)

    def _http(self) -> aiohttp.ClientSession:
        if self._downloads is None:
            self._downloads = aiohttp.ClientSession()
        return self._downloads

    # --- the windows' record -------------------------------------------------------------------------

    def _record(self, event: OAEvent) -> None:
        user = event.user_id
        if not user or isinstance(event, UnknownEvent):
            return
        with Session(self.engine) as session, session.begin():
            repo = ZaloOARepository(session)
            if isinstance(event, Unfollow):
                repo.set_following(self.oa_id, user, False)
            elif event.is_interaction:
                following = True if isinstance(event, Follow) else None
                repo.record_interaction(self.oa_id, user, event.occurred_at, following)

    # --- events --------------------------------------------------------------------------------------

    def _first_sight(self, event_id: str) -> bool:
        """True unless a copy of this event is queued or being handled in this process."""
        if event_id in self._in_flight:
            return False
        self._in_flight[event_id] = None
        return True

    def accept(self, call: VerifiedCall) -> asyncio.Future[None]:
        """Queue the call's event in its user's order; the future resolves once it has committed
        (at once for a call with nothing to apply)."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        event = call.event
        target = _oa_of(event)
        if target not in (None, self.oa_id):
            log.warning("zalo oa: an event for OA %s reached the route of OA %s; ignored", target, self.oa_id)
            committed.set_result(None)
            return committed
        incoming = to_event(event, self.scope, self._http)
        records = isinstance(event, Unfollow) or bool(getattr(event, "is_interaction", False))
        if incoming is None and not records:
            committed.set_result(None)
            return committed
        user_ref = event.user_id or ""
        if incoming is not None and not self._first_sight(incoming.event_id):
            log.info("zalo oa: %s delivered again while in hand; answered once", incoming.event_id)
            committed.set_result(None)
            return committed

        async def work() -> None:
            try:
                if records:
                    await asyncio.to_thread(self._record, event)
                if incoming is not None:
                    await self._handle(incoming, committed)
            finally:
                if not committed.done():
                    committed.set_result(None)
                if incoming is not None:
                    # Applied (or failed): a later copy is for the dispatcher's record to recognise.
                    self._in_flight.pop(incoming.event_id, None)

        self.delivery.queues.submit(user_ref, work)
        return committed

    async def _handle(self, event: Incoming, committed: asyncio.Future[None]) -> None:
        if event.file is not None:
            # A file redelivered after it was applied is not downloaded and checked a second time.
            stored = await asyncio.to_thread(self.dispatcher.stored, CHANNEL, event.event_id)
            if stored is not None:
                committed.set_result(None)
                if not stored.settled:
                    self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
                return
        handled = await self.dispatcher.process(event)
        if not committed.done():
            committed.set_result(None)
        if not handled.replies:
            return
        if handled.duplicate:
            self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
        elif self.delivery.claim(event.event_id):
            await self.delivery.send(event.event_id, event.user_ref, handled.replies, handled.first, None)

    async def handle(self, call: VerifiedCall) -> None:
        """One call, until its replies are out (tests, benchmarks; the webhook waits for the commit)."""
        await self.accept(call)
        await self.delivery.queues.drain()

    async def run(self, stop: asyncio.Event) -> None:
        """Sends what a previous run committed and did not send, then waits (the web server takes the calls)."""
        await self.delivery.recover()
        await stop.wait()

    async def close(self, grace_s: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.delivery.close(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()
        if self._downloads is not None:
            with contextlib.suppress(Exception):
                await self._downloads.close()
            self._downloads = None

