"""The OA channel object: verified webhook calls in, each event applied once in its user's queue, its
committed replies sent (`ReplyDelivery`, rendered by `render.OATurns`).

Zalo wants a 200 within about 2 seconds or it retries for hours, and checking a PDF takes longer: the
webhook waits for the event's commit at most `answer_within_s`, then answers anyway while the work
goes on. Zalo never sends an answered event again, so the event is recorded as received
(`storage.zalo_oa_inbox`) before the answer: one the worker dies on before applying it (a PDF still
being downloaded) is applied by the next start, or by another worker once the dead one's hold is
older than `intake_grace_s`; a file whose URL has died by then gets the "send it again" answer of a
failed download. A redelivery (the same `msg_id`) is recognised three ways: in flight in this process, as
an event the dispatcher already recorded (before a file is downloaded again), and by the dispatcher
itself inside the event's transaction, so it is applied once and answered once.

Every interaction (a message, a follow, a "chat now" click) is recorded for Zalo's message windows
before the event is handled, on Zalo's own timestamp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.engine import Engine

from hsdt.channels.delivery import ReplyDelivery
from hsdt.channels.zalo_oa.client import ZaloOAClient
from hsdt.channels.zalo_oa.events import Follow, OAEcho, OAEvent, Unfollow, UnknownEvent, dump_event, parse_event
from hsdt.channels.zalo_oa.render import OASender, OATurns
from hsdt.channels.zalo_oa.tokens import OATokenKeeper
from hsdt.channels.zalo_oa.translate import CHANNEL, event_id, to_event
from hsdt.channels.zalo_oa.webhook import VerifiedCall, WebhookPolicy
from hsdt.channels.zalo_oa.windows import WindowPolicy
from hsdt.events import Incoming
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.storage.tenancy import current_tenant
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import tenant_session
from hsdt.storage.zalo_oa_inbox import MAX_ATTEMPTS, OAInbox, Received
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


def worker_name() -> str:
    """This process among the workers sharing the database (a restarted one is another worker)."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class _Work:
    """What applying one event takes: the interaction to record, the conversation event, or both."""

    event: OAEvent
    event_id: str
    user_ref: str
    incoming: Incoming | None
    records: bool


class OAChannel:
    def __init__(self, client: ZaloOAClient, dispatcher: Dispatcher, engine: Engine, oa_id: str,
                 policy: WebhookPolicy, windows: WindowPolicy, *, links: UploadLinks | None = None,
                 downloads: Downloads | None = None, clock: Callable[[], datetime] = utcnow,
                 answer_within_s: float = 1.5, rate_wait_s: float = 60.0, quota_wait_s: float = 600.0,
                 orphan_grace_s: float = 15.0, intake_grace_s: float = 30.0,
                 lease_clock: Callable[[], datetime] = utcnow, tenant: int | None = None) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.engine = engine
        self.tenant = current_tenant() if tenant is None else tenant
        self.oa_id = oa_id
        self.policy = policy
        self.clock = clock
        self.answer_within_s = answer_within_s
        self.orphan_grace_s = orphan_grace_s
        self.turns = OATurns(client, dispatcher, engine, oa_id, windows, links=links, downloads=downloads,
                             clock=clock, rate_wait_s=rate_wait_s, quota_wait_s=quota_wait_s, tenant=self.tenant)
        self.sender = OASender(self.turns)
        # Message ids are namespaced by OA, so several OAs can share one database.
        self.scope = oa_id
        self.delivery: ReplyDelivery[None] = ReplyDelivery(CHANNEL, dispatcher, self.turns, scope=self.scope)
        self._in_flight: dict[str, None] = {}
        # Holds on received events are wall-clock leases between processes, never a test's clock.
        self.lease_clock = lease_clock
        self.intake_grace_s = intake_grace_s
        self.inbox = OAInbox(engine, oa_id, worker_name(), timedelta(seconds=intake_grace_s), tenant=self.tenant)
        self._held: set[str] = set()  # received events this worker has queued or is applying
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
        with tenant_session(self.engine, self.tenant) as session, session.begin():
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

    def _work(self, event: OAEvent) -> _Work | None:
        """What the event asks of this channel; None when nothing (not this OA's, or no conversation)."""
        target = _oa_of(event)
        if target not in (None, self.oa_id):
            log.warning("zalo oa: an event for OA %s reached the route of OA %s; ignored", target, self.oa_id)
            return None
        incoming = to_event(event, self.scope, self._http)
        records = isinstance(event, Unfollow) or bool(getattr(event, "is_interaction", False))
        if incoming is None and not records:
            return None
        return _Work(event, incoming.event_id if incoming is not None else event_id(self.scope, event),
                     event.user_id or "", incoming, records)

    async def accept(self, call: VerifiedCall) -> asyncio.Future[None]:
        """Record the call's event as received (the webhook answers only after this: it raises when the
        database cannot take it, and Zalo sends the call again), then queue it in its user's order; the
        future resolves once it has committed (at once for a call with nothing to apply here)."""
        work = self._work(call.event)
        if work is None:
            return _done()
        received = await asyncio.to_thread(self.inbox.receive, work.event_id, work.user_ref,
                                           dump_event(work.event), self.lease_clock())
        if received is Received.HELD:
            log.info("zalo oa: %s is in another worker's hands; answered, left to it", work.event_id)
            return _done()
        return self._queue(work)

    def _queue(self, work: _Work) -> asyncio.Future[None]:
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if work.incoming is not None and not self._first_sight(work.incoming.event_id):
            log.info("zalo oa: %s delivered again while in hand; answered once", work.incoming.event_id)
            committed.set_result(None)
            return committed
        self._held.add(work.event_id)

        async def applied() -> None:
            if not committed.done():
                committed.set_result(None)
            try:
                await asyncio.to_thread(self.inbox.mark_applied, work.event_id, self.lease_clock())
            except Exception:
                # The dispatcher's record knows it was applied: a worker taking it over is answered so.
                log.exception("zalo oa: %s applied but not marked so", work.event_id)

        async def run() -> None:
            try:
                if work.records:
                    await asyncio.to_thread(self._record, work.event)
                if work.incoming is not None:
                    await self._handle(work.incoming, applied)
                else:
                    await applied()
            finally:
                if not committed.done():
                    committed.set_result(None)
                self._held.discard(work.event_id)
                if work.incoming is not None:
                    # Applied (or failed): a later copy is for the dispatcher's record to recognise.
                    self._in_flight.pop(work.incoming.event_id, None)

        self.delivery.queues.submit(work.user_ref, run)
        return committed

    async def _handle(self, event: Incoming, applied: Callable[[], Awaitable[None]]) -> None:
        """Apply the event and send its replies (a dead worker's event found stale because the user wrote
        since is answered by the dispatcher as any late event: it came late, and the screen now)."""
        if event.file is not None:
            # A file redelivered after it was applied is not downloaded and checked a second time.
            stored = await asyncio.to_thread(self.dispatcher.stored, CHANNEL, event.event_id)
            if stored is not None:
                await applied()
                if not stored.settled:
                    self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
                return
        handled = await self.dispatcher.process(event)
        await applied()
        if not handled.replies:
            return
        if handled.duplicate:
            self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
        elif self.delivery.claim(event.event_id):
            await self.delivery.send(event.event_id, event.user_ref, handled.replies, handled.first, None,
                                     handled.turn)

    async def handle(self, call: VerifiedCall) -> None:
        """One call, until its replies are out (tests, benchmarks; the webhook waits for the commit)."""
        await (await self.accept(call))
        await self.delivery.queues.drain()

    # --- events a dead worker received -----------------------------------------------------------------

    async def recover_received(self) -> int:
        """Apply the received events no live worker holds (a dead one's), in the order they came."""
        now = self.lease_clock()
        taken = await asyncio.to_thread(self.inbox.take_abandoned, now)
        queued = 0
        for item in taken:
            if item.attempts >= MAX_ATTEMPTS:
                log.error("zalo oa: event %s was taken up %d times and never applied; given up",
                          item.event_id, item.attempts)
                continue
            try:
                work = self._work(parse_event(item.event))
            except Exception:
                log.exception("zalo oa: received event %s cannot be read back; given up", item.event_id)
                await asyncio.to_thread(self.inbox.mark_applied, item.event_id, now)
                continue
            if work is None:
                await asyncio.to_thread(self.inbox.mark_applied, item.event_id, now)
                continue
            log.info("zalo oa: applying %s, received but not applied by a worker that stopped", item.event_id)
            self._queue(work)
            queued += 1
        return queued

    async def keep_received(self, stop: asyncio.Event) -> None:
        """While running: the held events stay held, a dead worker's are taken over, old ones pruned."""
        every = max(0.5, self.intake_grace_s / 3)
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.inbox.renew, sorted(self._held), self.lease_clock())
                await self.recover_received()
                await asyncio.to_thread(self.inbox.prune, self.lease_clock() - timedelta(days=2))
            except Exception:
                log.exception("zalo oa: keeping the received events failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def run(self, stop: asyncio.Event) -> None:
        """Sends what a previous run committed and did not send, applies what it received and did not
        apply, then keeps doing so for dead workers (the web server takes the calls)."""
        await self.delivery.recover()
        # Until stop: the events and the unsent turns of workers that die meanwhile.
        await asyncio.gather(self.keep_received(stop), self.delivery.watch(stop))

    async def close(self, grace_s: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.delivery.close(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()
        if self._downloads is not None:
            with contextlib.suppress(Exception):
                await self._downloads.close()
            self._downloads = None



def _done() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future
