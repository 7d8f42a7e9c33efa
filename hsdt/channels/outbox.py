"""Outbox delivery: sends queued messages (reminders, notifications) to every chat of their user.

- One `ChannelSender` per configured channel (built once by the bootstrap). A user's message goes to
  each of their chat identities on a channel that has a sender.
- Rate limits per channel: a global budget and one per chat (Telegram: ~30 msg/s overall, 1/s per
  chat); a 429 (`RetryLater` with a wait) pauses the whole channel for `retry_after` and the message is
  retried; other passing failures (5xx, network) retry the row later with a growing delay.
- A chat that refuses us (`RecipientBlocked`, Telegram 403) is marked and skipped from then on; a
  message the platform refuses for good (`SendRefused`) is marked failed with the reason.
- On a channel whose plan counts messages (Zalo), the rows due for one user go out together as one
  digest: the channel packs the turn into as few messages as it can. The reminder engine already
  sends at most one reminder a user a day, so a day's reminder and the notices waiting with it cost one
  message. The messages a send took are counted (per channel and month) in the transaction that marks
  its rows sent.
- Each row is marked sent in its own small transaction right after its send succeeded. A restart
  therefore resends only rows not marked: the at-least-once window is the sends in flight when the
  process died (at most `concurrency` messages; one with concurrency 1). A graceful stop lets the
  in-flight sends finish and be marked, so only a hard kill can repeat a message.
- Several deliverers (PostgreSQL): each row is claimed right before its send with
  `SELECT ... FOR UPDATE SKIP LOCKED` in a transaction that stays open until the row is marked, so a
  second deliverer skips it instead of sending it again, and the claim of a process that dies goes with
  its connection (the row is due again at once, as after a restart). SQLite has one writer and one
  process: an open transaction there would stall every event, so rows are not claimed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Executable
from sqlmodel import col

from hsdt.channels.contract import ChannelSender, DeferUntil, RecipientBlocked, RetryLater, SendRefused
from hsdt.channels.meter import MessageMeter
from hsdt.channels.ratelimit import KeyedRateLimiter, RateLimiter
from hsdt.events import Reply
from hsdt.services import usage
from hsdt.storage.keys import stored_id
from hsdt.storage.models import OutboxMessage
from hsdt.storage.tenancy import current_tenant, scope_connection
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

_DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Decides whether a due row must wait longer (quiet hours): returns the new not_before, or None.
HoldFn = Callable[[str, datetime], datetime | None]


@dataclass(frozen=True)
class ChannelLimits:
    global_per_s: float = 30.0
    per_chat_per_s: float = 1.0


@dataclass
class DeliveryStats:
    sent: int = 0  # outbox rows marked sent
    messages: int = 0  # successful sends (one per identity)
    retried: int = 0  # 429s honoured
    skipped: int = 0  # rows another deliverer had claimed (or already sent)
    blocked: int = 0  # identities newly marked blocked
    failed: int = 0  # rows given up (unreachable, or too many errors)
    errors: int = 0  # other send errors (row retried later)
    started: float = 0.0
    finished: float = 0.0
    per_row_sends: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Job:
    row_id: int
    kind: str
    attempts: int
    replies: list[Reply]
    identities: list[tuple[int, str, str]]  # (identity id, channel, external id)
    # Further rows of the same user folded into this send (a digest on a channel that counts messages).
    folded: tuple[int, ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        return (self.row_id, *self.folded)


class OutboxDelivery:
    def __init__(
        self,
        engine: Engine,
        senders: dict[str, ChannelSender],
        *,
        limits: dict[str, ChannelLimits] | None = None,
        default_limits: ChannelLimits = ChannelLimits(),
        concurrency: int = 8,
        clock: Callable[[], datetime] = utcnow,
        hold: HoldFn | None = None,
        batch: int = 500,
        max_attempts: int = 5,
        poll_s: float = 2.0,
        on_sent: Callable[[str], None] | None = None,
        meters: dict[str, MessageMeter] | None = None,
        quotas: Mapping[str, int] | None = None,
        tz: ZoneInfo = _DEFAULT_TZ,
        digest_channels: frozenset[str] = frozenset({"zalo"}),
        tenant: int | None = None,
    ) -> None:
        self.engine = engine
        # One Sở's outbox, sent through that Sở's channels (the one in scope when none is given).
        self.tenant = current_tenant() if tenant is None else tenant
        # What each channel sent and the database has not counted yet, and the channels' monthly plans.
        self.meters = meters or {}
        self.quotas = quotas or {}
        self.tz = tz
        # Channels whose plan counts messages: a user's due rows go out as one digest there.
        self.digest_channels = digest_channels
        self.senders = senders
        self.clock = clock
        self.hold = hold
        self.concurrency = max(1, concurrency)
        self.batch = batch
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.stats = DeliveryStats()
        # Told the kind of each row marked sent (the process's metrics).
        self.on_sent = on_sent
        limits = limits or {}
        self._global = {ch: RateLimiter(limits.get(ch, default_limits).global_per_s) for ch in senders}
        self._per_chat = {ch: KeyedRateLimiter(limits.get(ch, default_limits).per_chat_per_s) for ch in senders}
        self._inflight: set[int] = set()
        # Rows finished while a page query may have been running: that query may still return them as
        # pending. Value: the page number current when they finished (see _fill).
        self._finished: dict[int, int] = {}
        # Rows another deliverer held when claimed. A drain leaves them to it; the running service
        # comes back to them on a later poll (their holder may have died).
        self._held_elsewhere: set[int] = set()
        self._page = 0
        self._wake = asyncio.Event()
        self._claims = engine.dialect.name == "postgresql"

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll (callable from any thread)."""
        self._wake.set()

    # --- the loop -------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop`; in-flight sends finish and are marked before returning."""
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.concurrency * 2)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.concurrency)]
        try:
            while not stop.is_set():
                if not await self._fill(queue, stop):
                    self._wake.clear()
                    waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
                    await asyncio.wait(waits, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
                    for task in waits:
                        task.cancel()
        except asyncio.CancelledError:
            await self._abandon(workers)
            raise
        await self._finish(queue, workers)

    async def drain(self) -> DeliveryStats:
        """Deliver everything due now that no other deliverer holds, and return (tests, benchmarks)."""
        loop = asyncio.get_running_loop()
        self.stats.started = loop.time()
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.concurrency * 2)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.concurrency)]
        never = asyncio.Event()
        try:
            while await self._fill(queue, never, leave=self._held_elsewhere) or self._inflight:
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            await self._abandon(workers)
            raise
        await self._finish(queue, workers)
        self.stats.finished = loop.time()
        return self.stats

    async def _finish(self, queue: asyncio.Queue[_Job | None], workers: list[asyncio.Task[None]]) -> None:
        """Graceful: queued rows are dropped (still pending in the database), in-flight ones complete."""
        while not queue.empty():
            job = queue.get_nowait()
            if job is not None:
                self._inflight.difference_update(job.row_ids)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers, return_exceptions=True)

    @staticmethod
    async def _abandon(workers: list[asyncio.Task[None]]) -> None:
        """Cancelled (a crash, for what the database knows): in-flight sends are not marked."""
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _fill(self, queue: asyncio.Queue[_Job | None], stop: asyncio.Event,
                    leave: Collection[int] = ()) -> int:
        """Queue every row due now that is not in flight nor in `leave`; returns how many were queued."""
        queued, cursor = 0, 0
        while not stop.is_set():
            self._page += 1
            page = self._page
            jobs, cursor = await asyncio.to_thread(self._load, cursor)
            # Rows finished before this page's query began were committed before it: it cannot see them.
            self._finished = {row: at for row, at in self._finished.items() if at >= page}
            if cursor == 0:
                break
            for job in jobs:
                if any(row in self._inflight or row in self._finished or row in leave for row in job.row_ids):
                    continue
                self._inflight.update(job.row_ids)
                await queue.put(job)
                queued += 1
        return queued

    def _load(self, after_id: int) -> tuple[list[_Job], int]:
        """Due rows after `after_id` (a page), and the id to continue from (0: no more rows)."""
        now = self.clock()
        with UnitOfWork(self.engine, self.tenant) as uow:
            rows = uow.outbox.pending(now, self.batch, after_id=after_id)
            if not rows:
                return [], 0
            identities = uow.reminders.reachable_identities({r.user_id for r in rows})
            jobs: list[_Job] = []
            digests: dict[int, int] = {}  # user id -> index of their digest job in `jobs`
            for row in rows:
                later = self.hold(row.kind, now) if self.hold is not None else None
                if later is not None:
                    row.not_before = later  # quiet hours: leave it for the morning
                    uow.session.add(row)
                    continue
                targets = [(stored_id(i.id), i.channel, i.external_id) for i in identities.get(row.user_id, [])
                           if i.channel in self.senders]
                replies = [Reply.from_json(r) for r in row.replies]
                if row.user_id in digests:
                    first = jobs[digests[row.user_id]]
                    jobs[digests[row.user_id]] = dataclasses.replace(
                        first, replies=[*first.replies, *replies], folded=(*first.folded, stored_id(row.id)))
                    continue
                if any(channel in self.digest_channels for _, channel, _ in targets):
                    digests[row.user_id] = len(jobs)
                jobs.append(_Job(stored_id(row.id), row.kind, row.attempts, replies, targets))
            return jobs, stored_id(rows[-1].id)

    async def _worker(self, queue: asyncio.Queue[_Job | None]) -> None:
        while True:
            job = await queue.get()
            if job is None:
                return
            try:
                await self._deliver(job)
            except Exception:
                log.exception("outbox row %s: delivery failed", job.row_id)
            finally:
                for row in job.row_ids:
                    self._finished[row] = self._page
                self._inflight.difference_update(job.row_ids)

    # --- one row --------------------------------------------------------------------------------

    async def _deliver(self, job: _Job) -> None:
        # The first chat's send slots are waited for before the row is claimed: a claim holds a database
        # connection, and waiting for slots with it held kept `concurrency` connections of each Sở busy.
        first = job.identities[0] if job.identities else None
        if first is not None:
            await self._slot(first[1], first[2])
        claim: Connection | None = None
        if self._claims:
            claim = await asyncio.to_thread(self._claim, job.row_ids)
            if claim is None:
                self.stats.skipped += 1
                self._held_elsewhere.update(job.row_ids)
                return
        try:
            await self._deliver_claimed(job, claim, slotted=first is not None)
            if claim is not None:
                await asyncio.to_thread(claim.commit)
        finally:
            if claim is not None:
                claim.close()  # not in a thread: a cancelled delivery must free its row at once

    async def _deliver_claimed(self, job: _Job, claim: Connection | None, *, slotted: bool = False) -> None:
        """`slotted`: the first chat's send slots are taken already."""
        if not job.identities:
            await asyncio.to_thread(self._mark_failed, job.row_ids, "no reachable chat identity", claim)
            self.stats.failed += 1
            return
        delivered, errors = 0, []
        deferred: datetime | None = None
        for index, (identity_id, channel, external_id) in enumerate(job.identities):
            outcome = await self._send_one(channel, external_id, job.replies, slotted=slotted and index == 0)
            if isinstance(outcome, datetime):
                deferred = outcome if deferred is None else min(deferred, outcome)
            elif outcome == "sent":
                delivered += 1
                self.stats.messages += 1
                for row in job.row_ids:
                    self.stats.per_row_sends[row] = self.stats.per_row_sends.get(row, 0) + 1
            elif outcome == "blocked":
                await asyncio.to_thread(self._mark_blocked, identity_id)
                self.stats.blocked += 1
            elif outcome == "refused":
                pass
            else:
                errors.append(outcome)
        if delivered:
            counted = {channel: 0 for _, channel, _ in job.identities}
            for _, channel, external_id in job.identities:
                if channel in self.meters:
                    counted[channel] += self.meters[channel].take(external_id)
            await asyncio.to_thread(self._mark_sent, job.row_ids, claim)
            await asyncio.to_thread(self._count, counted)
            self.stats.sent += len(job.row_ids)
            if self.on_sent is not None:
                self.on_sent(job.kind)
        elif deferred is not None:
            # Only this chat's hours stand in the way (a Zalo OA's transaction messages): kept for then.
            await asyncio.to_thread(self._mark_deferred, job.row_ids, deferred, claim)
        elif errors:
            self.stats.errors += 1
            await asyncio.to_thread(self._mark_retry, job.row_ids, job.attempts + 1, errors[0], claim)
        else:
            await asyncio.to_thread(self._mark_failed, job.row_ids, "refused by every chat of the user", claim)
            self.stats.failed += 1

    async def _slot(self, channel: str, external_id: str) -> None:
        """This chat's slot and then the channel's (the per-chat wait first, so it takes no global slot)."""
        await self._per_chat[channel](external_id).acquire()
        await self._global[channel].acquire()

    async def _send_one(self, channel: str, external_id: str, replies: list[Reply], *,
                        slotted: bool = False) -> str | datetime:
        """`slotted`: this send's slots are taken already (not those of a retry after flood control)."""
        sender = self.senders[channel]
        glob, chat = self._global[channel], self._per_chat[channel](external_id)
        while True:
            if not slotted:
                await self._slot(channel, external_id)
            slotted = False  # a retry after flood control waits for new slots
            try:
                await sender.send(external_id, replies)
                return "sent"
            except RetryLater as error:
                if error.retry_after is None:  # 5xx, network: the row is retried later
                    log.warning("send to %s/%s failed for now: %s", channel, external_id, error)
                    return f"RetryLater: {error}"[:500]
                # Flood control: everyone on this channel waits, then this message is retried.
                self.stats.retried += 1
                glob.pause(error.retry_after)
                chat.pause(error.retry_after)
            except DeferUntil as error:
                return error.when
            except RecipientBlocked:
                return "blocked"
            except SendRefused as error:
                log.error("send to %s/%s refused for good: %s", channel, external_id, error)
                return "refused"
            except Exception as error:
                log.warning("send to %s/%s failed: %r", channel, external_id, error)
                return f"{type(error).__name__}: {error}"[:500]

    # --- the outcome of a row, each in its own transaction ----------------------------------------

    def _claim(self, row_ids: tuple[int, ...]) -> Connection | None:
        """The job's rows locked in an open transaction, or None when another deliverer holds one of them
        or they are done (the rows come back on a later poll)."""
        conn = self.engine.connect()
        try:
            scope_connection(conn, self.tenant)
            held = conn.execute(
                select(OutboxMessage.id)  # type: ignore[call-overload]
                .where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.sent_at).is_(None),
                       col(OutboxMessage.failed_at).is_(None))
                .with_for_update(skip_locked=True)
            ).all()
        except BaseException:
            conn.close()
            raise
        if len(held) != len(row_ids):
            conn.close()
            return None
        return conn

    def _write(self, claim: Connection | None, statement: Executable) -> None:
        if claim is not None:
            claim.execute(statement)  # committed with the claim, right after
            return
        with self.engine.begin() as conn:
            scope_connection(conn, self.tenant).execute(statement)

    def _count(self, counted: Mapping[str, int]) -> None:
        """The messages a send took, against their channels' monthly plans (after the rows are marked:
        a crash in between leaves the month's count short by one send, never a message sent twice)."""
        if not any(counted.values()):
            return
        now = self.clock()
        with UnitOfWork(self.engine, self.tenant) as uow:
            for channel, messages in counted.items():
                usage.record_sent(uow, channel, messages, now, self.tz, self.quotas)

    def _mark_sent(self, row_ids: tuple[int, ...], claim: Connection | None = None) -> None:
        self._write(claim, update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.sent_at).is_(None))
                    .values(sent_at=self.clock(), attempts=OutboxMessage.attempts + 1))

    def _mark_failed(self, row_ids: tuple[int, ...], reason: str, claim: Connection | None = None) -> None:
        self._write(claim, update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids))
                    .values(failed_at=self.clock(), last_error=reason))

    def _mark_retry(self, row_ids: tuple[int, ...], attempts: int, reason: str,
                    claim: Connection | None = None) -> None:
        values: dict[str, object] = {"attempts": attempts, "last_error": reason}
        if attempts >= self.max_attempts:
            values["failed_at"] = self.clock()
        else:
            values["not_before"] = self.clock() + timedelta(seconds=min(3600, 30 * 2 ** attempts))
        self._write(claim, update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids)).values(**values))

    def _mark_deferred(self, row_ids: tuple[int, ...], when: datetime, claim: Connection | None = None) -> None:
        """Not an attempt: the row waits for the hour its channel may send it."""
        self._write(claim, update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids))
                    .values(not_before=when, last_error="deferred to " + when.isoformat()))

    def _mark_blocked(self, identity_id: int) -> None:
        with UnitOfWork(self.engine, self.tenant) as uow:
            uow.reminders.block(identity_id, "blocked by the user")
