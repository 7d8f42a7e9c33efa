"""Reply delivery: sending the committed replies of a turn until the platform takes them.

The dispatcher has committed an event's replies before they reach `ReplyDelivery`; each turn is sent
in its user's queue (`SerialQueues`: one user's replies keep their order and a slow user delays no
one else), retried with backoff while the platform fails for now (`RetryLater`: 5xx, network, flood
control), and given up only when it refuses for good (`SendRefused`: blocked, bad request, message
gone), which is logged for the operator. What was sent is confirmed to the dispatcher in batches.
"""

from __future__ import annotations

import asyncio
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
from hsdt.handlers.ledger import Receipt
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
    ) -> None:
        self.channel = channel
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
        await asyncio.sleep(grace_s)

        async def send() -> None:
            stored = await asyncio.to_thread(self.dispatcher.stored, self.channel, event_id)
            if stored is None or stored.settled or not self.claim(event_id):
                return
            replies = [Reply.from_record(r) for r in stored.replies[stored.sent:]]
            log.info("%s: turn %s still unsent after %.0f s; its worker is gone, sending it here",
                     self.channel, event_id, grace_s)
            await self.send(event_id, user_ref, replies, stored.sent, None)

        await self.queues.submit(user_ref, send)

    async def recover(self) -> int:
        """Queue the replies a previous run committed but did not get confirmed (it died in between)."""
        pending = await asyncio.to_thread(self.dispatcher.unsettled, self.channel, 1000, self.scope)
        for item in pending:
            if self.claim(item.event_id):
                self.queues.submit(item.user_ref, functools.partial(
                    self.send, item.event_id, item.user_ref, item.replies, item.first, None))
        if pending:
            log.info("%s: sending %d turn(s) left unsent by the previous run", self.channel, len(pending))
        return len(pending)

    async def send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None) -> None:
        """Send one committed turn (in the caller's user queue) and confirm it."""
        with event_scope(self.channel, event_id):  # the lines logged while sending name the event
            await self._send(event_id, user_ref, replies, first, hint)

    async def _send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None) -> None:
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
