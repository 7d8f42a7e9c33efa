"""Reply delivery: sending the committed replies of a turn until the platform takes them.

The dispatcher has committed an event's replies before they reach `ReplyDelivery`; each turn is sent
in its user's queue (`SerialQueues`: one user's replies keep their order and a slow user delays no
one else), retried with backoff while the platform fails for now (`RetryLater`: 5xx, network, flood
control), and given up only when it refuses for good (`SendRefused`: blocked, bad request, message
gone), which is logged for the operator. What was sent is confirmed to the dispatcher in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from hsdt.channels.backoff import Backoff
from hsdt.channels.contract import RetryLater, SendRefused
from hsdt.channels.meter import MessageMeter
from hsdt.channels.queues import SerialQueues
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import PendingReplies, Receipt
from hsdt.logcontext import event_scope

log = logging.getLogger(__name__)
H = TypeVar("H", contravariant=True)


# progress(n, ref): the first n replies are on the platform, the n-th in the message `ref` (when the
# channel can address its messages again, to edit them).
Progress = Callable[..., None]


class TurnSender(Protocol[H]):
    """A channel's rendering of one turn. Calls `progress(n)` (or `progress(n, ref)`) each time the
    first `n` replies of the list are on the platform; raises RetryLater or SendRefused. `hint` is
    what the channel knows about the turn (the pressed message to edit); it is None when the turn is
    sent again."""

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress,
                        hint: H | None) -> None: ...


class Confirmations:
    """Batches what was sent into few transactions: one flush carries every receipt that came in
    while the previous one ran."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._pending: list[Receipt] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, receipt: Receipt) -> None:
        self._pending.append(receipt)
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    await self.dispatcher.confirm_async(batch)
                except Exception:
                    # Not fatal: unconfirmed replies are sent again after a restart (at least once).
                    log.exception("confirming %d sent turn(s) failed", len(batch))
            if not self._pending:
                self._idle.set()

    async def flush(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class ReplyDelivery(Generic[H]):
    def __init__(
        self,
        channel: str,
        dispatcher: Dispatcher,
        sender: TurnSender[H],
        *,
        backoff: Backoff = Backoff(),
        max_unknown_failures: int = 8,
        remembered: int = 10_000,
        scope: str | None = None,
        meter: MessageMeter | None = None,
        owner: str | None = None,
        alone: bool = True,
    ) -> None:
        self.channel = channel
        # This worker's lease name (`hsdt.storage.leases`): it sends only the turns it committed and
        # those it took over from a worker whose lease is gone; None (a process outside the fleet):
        # every unsent turn of the bot at its start, as one process alone on its database does.
        self.owner = owner
        # One process on the database (WORKERS=1): whatever is unsent at its start is a previous
        # run's, even while that run's lease has not expired yet (it was killed a moment ago).
        self.alone = alone
        # How often a worker in a fleet looks for turns whose worker is gone (`watch`), and how long a
        # turn waits for the chat's earlier turns that other workers send.
        self.sweep_s = 5.0
        self.order_wait_s = 5.0
        # The bot's namespace of event ids: a recovery sends only this bot's turns (several bots may
        # share the database).
        self.scope = scope
        self.meter = meter
        self.dispatcher = dispatcher
        self.sender = sender
        self.backoff = backoff
        self.max_unknown_failures = max_unknown_failures
        self.queues = SerialQueues()
        self.confirmations = Confirmations(dispatcher)
        # Events this process has sent (or is sending): a redelivered copy of one of them that
        # reaches the dispatcher before the confirmation committed is not sent twice.
        self._mine: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered
        self.refused = 0
        self._orphans: set[asyncio.Task[None]] = set()

    def claim(self, event_id: str) -> bool:
        """True the first time this process takes on `event_id`'s replies."""
        if event_id in self._mine:
            return False
        self._mine[event_id] = None
        while len(self._mine) > self._remembered:
            self._mine.popitem(last=False)
        return True

    def send_if_orphaned(self, event_id: str, user_ref: str, grace_s: float) -> None:
        """A redelivered copy of a turn that another worker applied: its replies are likely on their way
        from there. What is still unsent after `grace_s` goes out from here (that worker died). Sending
        at once would show the user every message twice, and the copy confirmed last would put an older
        question back on record as the one shown."""
        waiting = asyncio.create_task(self._send_if_orphaned(event_id, user_ref, grace_s))
        self._orphans.add(waiting)
        waiting.add_done_callback(self._orphans.discard)

    async def _send_if_orphaned(self, event_id: str, user_ref: str, grace_s: float) -> None:
        if self.owner is None:
            # No leases to tell a live worker from a dead one: wait, then send what is still unsent.
            await asyncio.sleep(grace_s)

        async def send() -> None:
            if self.owner is None:
                stored = await asyncio.to_thread(self.dispatcher.stored, self.channel, event_id)
                if stored is None or stored.settled or not self.claim(event_id):
                    return
                replies = [Reply.from_record(r) for r in stored.replies[stored.sent:]]
                first = stored.sent
            else:
                # Taken only when the worker that applied it is gone; while it lives, it sends it
                # (and should it die first, a live worker's sweep takes the turn then).
                taken = await self._take(event_id)
                if not taken or not self.claim(event_id):
                    return
                replies, first = taken[0].replies, taken[0].first
            log.info("%s: turn %s is unsent and its worker is gone; sending it here", self.channel, event_id)
            await self.send(event_id, user_ref, replies, first, None)

        await self.queues.submit(user_ref, send)

    async def _take(self, event_id: str | None = None, limit: int = 1000) -> list[PendingReplies]:
        assert self.owner is not None
        return await asyncio.to_thread(self.dispatcher.ledger.take_orphaned, self.channel, self.owner, limit,
                                       self.scope, self.alone, event_id)

    async def recover(self) -> int:
        """Queue the replies committed but not confirmed sent whose worker is gone (this process's
        previous run, or another worker that died or stopped): never a live worker's turns."""
        if self.owner is None:
            pending = await asyncio.to_thread(self.dispatcher.unsettled, self.channel, 1000, self.scope)
        else:
            pending = await self._take()
        for item in pending:
            if self.claim(item.event_id):
                self.queues.submit(item.user_ref, functools.partial(
                    self.send, item.event_id, item.user_ref, item.replies, item.first, None))
        if pending:
            log.info("%s: sending %d turn(s) left unsent by a worker that is gone", self.channel, len(pending))
        return len(pending)

    async def watch(self, stop: asyncio.Event, every_s: float | None = None) -> None:
        """Until `stop`: every `every_s`, take over the turns of workers that died meanwhile (their
        lease expired) or stopped with replies unsent. One process alone has nobody to take over from."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s or self.sweep_s)
            if stop.is_set() or self.alone or self.owner is None:
                continue
            try:
                await self.recover()
            except Exception:
                log.exception("%s: looking for turns of workers that are gone failed", self.channel)

    async def send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None) -> None:
        """Send one committed turn (in the caller's user queue) and confirm it."""
        with event_scope(self.channel, event_id):  # the lines logged while sending name the event
            await self._send(event_id, user_ref, replies, first, hint)

    async def _after_earlier_turns(self, event_id: str) -> None:
        """With several workers, one chat's turns may be sent by different ones: this turn waits (up to
        `order_wait_s`) until the earlier turns other live workers send are out, so the phone shows
        them in the order they applied (the last screen shown is the one the next message answers)."""
        deadline = asyncio.get_running_loop().time() + self.order_wait_s
        assert self.owner is not None
        while await asyncio.to_thread(self.dispatcher.ledger.earlier_unsent, self.channel, event_id, self.owner):
            if asyncio.get_running_loop().time() >= deadline:
                log.warning("%s: an earlier turn of %s is still unsent after %.0f s; sending this one anyway",
                            self.channel, event_id, self.order_wait_s)
                return
            await asyncio.sleep(0.05)

    async def _send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None) -> None:
        if not self.alone and self.owner is not None:
            try:
                await self._after_earlier_turns(event_id)
            except Exception:
                log.exception("%s: could not tell whether earlier turns are out; sending", self.channel)
        done = 0
        refs: dict[int, str] = {}

        def progress(at: int, count: int, ref: str | int | None = None) -> None:
            # `count` replies of the batch that started at `at`; `ref` the message the last one is in
            nonlocal done
            done = max(done, at + count)
            if ref is not None and count > 0:
                refs[first + at + count - 1] = str(ref)

        error: str | None = None
        unknown = 0
        delays = self.backoff.delays()
        while done < len(replies):
            try:
                await self.sender.send_turn(user_ref, replies[done:], functools.partial(progress, done), hint)
                done = len(replies)
            except RetryLater as failure:
                wait = failure.retry_after if failure.retry_after is not None else await anext(delays)
                log.warning("%s: sending to %s failed for now (%s); retrying in %.1f s",
                            self.channel, user_ref, failure, wait)
                await asyncio.sleep(wait)
            except SendRefused as refusal:
                error = f"{type(refusal).__name__}: {refusal}"
                self.refused += 1
                log.error("%s: the platform refused the reply to %s for good (%s); the answer is saved, "
                          "the user will see the current question at their next message", self.channel,
                          user_ref, refusal)
                break
            except asyncio.CancelledError:
                raise
            except Exception as failure:
                unknown += 1
                if unknown >= self.max_unknown_failures:
                    error = repr(failure)
                    log.exception("%s: giving up sending to %s after %d failures", self.channel, user_ref, unknown)
                    break
                wait = await anext(delays)
                log.warning("%s: sending to %s failed (%r); retrying in %.1f s", self.channel, user_ref, failure, wait)
                await asyncio.sleep(wait)
            hint = None  # a retried turn is sent afresh (the pressed message may be gone)
        messages = self.meter.take(user_ref) if self.meter is not None else 0
        receipt = Receipt(self.channel, event_id, first + done, settled=True, error=error, refs=refs,
                          messages=messages)
        if any(reply.screen for reply in replies[:done]):
            # The user now sees a question: that must be on record before their next message is
            # handled (this runs in their queue), or a typed answer would be read against the old one.
            try:
                await self.dispatcher.confirm_async([receipt])
                return
            except Exception:
                log.exception("confirming a sent question failed; it is confirmed with the next batch")
        self.confirmations.add(receipt)

    async def close(self) -> None:
        for waiting in list(self._orphans):
            waiting.cancel()  # a duplicate's turn still unsent is the next start's (or a peer's) to send
        await asyncio.gather(*self._orphans, return_exceptions=True)
        await self.queues.drain()
        await self.confirmations.close()
