"""Reply delivery: sending the committed replies of a turn until the platform takes them.

The dispatcher has committed an event's replies before they reach `ReplyDelivery`; each turn is sent
in its user's queue (`SerialQueues`: one user's replies keep their order and a slow user delays no
one else), retried with backoff while the platform fails for now (`RetryLater`: 5xx, network, flood
control), and given up only when it refuses for good (`SendRefused`: blocked, bad request, message
gone), which is logged for the operator. The channel reports each message the platform took
(`Progress`), so a retry resumes at the first message not taken, never repeating one the user has; what
was sent is recorded in the reply ledger message by message, in batches (`Confirmations`).
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
from hsdt.handlers.ledger import PendingReplies, Receipt, Shown, last_shown, turn_of
from hsdt.logcontext import event_scope

log = logging.getLogger(__name__)
H = TypeVar("H", contravariant=True)


class LeaseLapsed(RetryLater):
    """This worker's lease may lapse before its next message is out (`ReplyDelivery.holds_lease`): it sends
    nothing more until the lease is renewed, and then only a turn that is still its own."""

    def __init__(self) -> None:
        super().__init__(0.0, "this worker's lease may lapse: sending waits for its renewal")


class Progress(Protocol):
    """What a channel reports after each platform message of a turn: the first `count` replies of the list
    it was given are on the platform, the last of them in the message `ref` (when the channel can address
    its messages again, to edit them), and `parts` messages of the reply after them too (a reply longer
    than one message: a retry resumes after those)."""

    def __call__(self, count: int, ref: str | int | None = None, parts: int = 0) -> None: ...


def no_progress(count: int, ref: str | int | None = None, parts: int = 0) -> None:
    """Progress outside a turn (the outbox's sends): the outbox records the whole message once sent."""


class TurnSender(Protocol[H]):
    """A channel's rendering of one turn. Calls `progress` after each message the platform took, and
    raises RetryLater or SendRefused. `resume`: messages of the first reply already on the platform (the
    `parts` last reported), which are not sent again. `hint` is what the channel knows about the turn (the
    pressed message to edit); it is None when the turn is sent again."""

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: H | None,
                        resume: int = 0) -> None: ...


class Confirmations:
    """Batches what was sent into few transactions: one flush carries every receipt that came in
    while the previous one ran."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._pending: list[tuple[Receipt, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, receipt: Receipt) -> asyncio.Future[bool]:
        """Queue `receipt`; the future tells whether the batch that carried it committed."""
        recorded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((receipt, recorded))
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return recorded

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    await self.dispatcher.confirm_async([receipt for receipt, _ in batch])
                    committed = True
                except Exception:
                    # Not fatal: unconfirmed replies are sent again after a restart (at least once).
                    log.exception("confirming %d sent message(s) failed", len(batch))
                    committed = False
                for _, recorded in batch:
                    if not recorded.done():
                        recorded.set_result(committed)
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
        # Whether this worker's lease surely holds for a while yet (`Lease.fresh`; None: no lease). While it
        # may lapse (the database out of reach), another worker may take this worker's turns: none of
        # their messages go from here until it is renewed, and then only if the turn is still ours.
        self.holds_lease: Callable[[], bool] | None = None
        self.lease_wait_s = 0.2
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
                first, turn = stored.sent, turn_of(stored.replies)
            else:
                # Taken only when the worker that applied it is gone; while it lives, it sends it
                # (and should it die first, a live worker's sweep takes the turn then).
                taken = await self._take(event_id)
                if not taken or not self.claim(event_id):
                    return
                replies, first, turn = taken[0].replies, taken[0].first, taken[0].turn
            log.info("%s: turn %s is unsent and its worker is gone; sending it here", self.channel, event_id)
            await self.send(event_id, user_ref, replies, first, None, turn)

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
                    self.send, item.event_id, item.user_ref, item.replies, item.first, None, item.turn))
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

    def submit_turn(self, event_id: str, user_ref: str, replies: list[Reply],
                    turn: int | None) -> asyncio.Future[bool]:
        """Queue a turn committed outside this channel's updates (the upload page's) in its user's order;
        the future tells whether the platform took all of it."""
        sent: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not self.claim(event_id):
            sent.set_result(False)
            return sent

        async def work() -> None:
            whole = False
            try:
                whole = await self.send(event_id, user_ref, replies, 0, None, turn)
            finally:
                if not sent.done():
                    sent.set_result(whole)

        self.queues.submit(user_ref, work)
        return sent

    async def send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None,
                   turn: int | None = None) -> bool:
        """Send one committed turn (in the caller's user queue), recording each message as it goes;
        True when the platform took all of it. `first`: replies of the event already on the platform;
        `turn`: the conversation's version the turn left (a screen it shows is recorded with it)."""
        with event_scope(self.channel, event_id):  # the lines logged while sending name the event
            return await self._send(event_id, user_ref, replies, first, hint, turn)

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

    async def _still_ours(self, event_id: str) -> bool:
        """Whether this worker may send the turn's next message: at once while its lease holds; else once the
        lease is renewed, if the turn is still this worker's."""
        if self.holds_lease is None or self.holds_lease():
            return True
        log.warning("%s: this worker's lease may lapse (the database out of reach?); turn %s waits for its "
                    "renewal", self.channel, event_id)
        while True:
            while not self.holds_lease():
                await asyncio.sleep(self.lease_wait_s)
            try:
                owner = await asyncio.to_thread(self.dispatcher.ledger.owner_of, self.channel, event_id)
            except Exception:
                log.exception("%s: could not read who sends turn %s; asking again", self.channel, event_id)
                await asyncio.sleep(self.lease_wait_s)
                continue
            return owner == self.owner

    async def _send(self, event_id: str, user_ref: str, replies: list[Reply], first: int, hint: H | None,
                    turn: int | None) -> bool:
        if not self.alone and self.owner is not None:
            try:
                await self._after_earlier_turns(event_id)
            except Exception:
                log.exception("%s: could not tell whether earlier turns are out; sending", self.channel)
        done = 0  # replies wholly on the platform
        into = 0  # messages of the next reply on the platform
        screens = False

        def receipt(*, settled: bool, error: str | None = None, shown: Shown | None = None,
                    refused: int | None = None) -> Receipt:
            messages = self.meter.take(user_ref) if self.meter is not None else 0
            return Receipt(self.channel, event_id, first + done, settled=settled, error=error, messages=messages,
                           user_ref=user_ref, shown=shown, refused=refused)

        def progress(at: int, count: int, ref: str | int | None = None, parts: int = 0) -> None:
            # `count` replies of the batch that started at `at` are out, the last in the message `ref`,
            # and `parts` messages of the reply after them.
            nonlocal done, into, screens
            reached = at + count
            if (reached, parts) <= (done, into):
                return
            newly = replies[done:reached]
            done, into = reached, parts
            refs = {len(newly) - 1: str(ref)} if ref is not None and newly else {}
            shown = last_shown(newly, turn, self.channel, refs)
            screens = screens or shown is not None
            self.confirmations.add(receipt(settled=False, shown=shown))
            if done < len(replies) and self.holds_lease is not None and not self.holds_lease():
                raise LeaseLapsed()  # out of the channel's loop before its next message

        error: str | None = None
        unknown = 0
        delays = self.backoff.delays()
        while done < len(replies):
            if not await self._still_ours(event_id):
                log.warning("%s: turn %s was taken over by another worker while this one's lease could lapse; "
                            "that worker sends the rest", self.channel, event_id)
                return False
            try:
                await self.sender.send_turn(user_ref, replies[done:], functools.partial(progress, done), hint,
                                            into)
                progress(0, len(replies))
            except RetryLater as failure:
                wait = failure.retry_after if failure.retry_after is not None else await anext(delays)
                log.warning("%s: sending to %s failed for now (%s); retrying in %.1f s from message %d of "
                            "reply %d", self.channel, user_ref, failure, wait, into + 1, first + done + 1)
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
        # A screen the platform refused for good was never shown: its turn's pending screen is dropped
        # (the chat still sees the one before).
        refused = turn if error is not None and any(r.screen for r in replies[done:]) else None
        recorded = self.confirmations.add(receipt(settled=True, error=error, refused=refused))
        # The user now sees a question (or still the one before a refused one): that must be on record
        # before their next message is handled (this runs in their queue), or a typed answer would be
        # read against the wrong one.
        if (screens or refused is not None) and not await recorded:
            log.error("%s: the question shown to %s could not be put on record; its turn stays unsettled "
                      "and is sent again at the next start", self.channel, user_ref)
        return error is None

    async def close(self) -> None:
        for waiting in list(self._orphans):
            waiting.cancel()  # a duplicate's turn still unsent is the next start's (or a peer's) to send
        await asyncio.gather(*self._orphans, return_exceptions=True)
        await self.queues.drain()
        await self.confirmations.close()
