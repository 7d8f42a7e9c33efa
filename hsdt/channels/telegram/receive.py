"""Telegram updates received (polling or webhook), applied, and their committed replies sent.

The adapter holds no business rules. Each update runs in its user's queue (`SerialQueues`), so a slow
update (a download, a flood wait) delays only its own user. The polling offset, which confirms
updates to Telegram, only moves past updates whose event has committed, in order: a crash means
redelivery (harmless: the dispatcher applies an event once and hands back its unsent replies), never
loss. Replies are sent after the commit through `ReplyDelivery`, retried until Telegram takes
them or refuses them for good.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat

from hsdt.channels.delivery import ReplyDelivery
from hsdt.channels.polling import poll_forever
from hsdt.channels.telegram.client import AnswerPress, FetchUpdates, PollingSession, classify
from hsdt.channels.telegram.render import TelegramTurns
from hsdt.channels.telegram.translate import CAPABILITIES, CHANNEL, callback_event, message_event, user_key
from hsdt.channels.telegram.updates import TgCallback, TgUpdate
from hsdt.events import Handled, Incoming
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
# Where Telegram calls in webhook mode (registered by `hsdt webhook set`).
WEBHOOK_PATH = "/telegram/webhook"


class Offsets:
    """Which update ids are in flight, so the offset confirmed to Telegram never passes one that has
    not committed. Redeliveries of updates already taken are recognised and skipped."""

    def __init__(self) -> None:
        self._open: list[int] = []
        self._taken: set[int] = set()
        self._highest: int | None = None
        self._floor = 0
        self.idle = asyncio.Event()  # set while no update is in flight
        self.idle.set()

    def take(self, update_id: int) -> bool:
        if update_id in self._taken:
            return False
        self._taken.add(update_id)
        bisect.insort(self._open, update_id)
        self.idle.clear()
        self._highest = update_id if self._highest is None else max(self._highest, update_id)
        return True

    def known(self, update_id: int) -> bool:
        return update_id in self._taken

    def done(self, update_id: int) -> None:
        index = bisect.bisect_left(self._open, update_id)
        if index < len(self._open) and self._open[index] == update_id:
            del self._open[index]
        if not self._open:
            self.idle.set()

    @property
    def in_flight(self) -> int:
        return len(self._open)

    def offset(self) -> int | None:
        """The first id not committed yet; ids below it are confirmed and forgotten."""
        if self._highest is None:
            return None
        offset = self._open[0] if self._open else self._highest + 1
        # Never backwards: an old id seen again (a duplicate push) is handled, but Telegram has
        # already forgotten everything below the offset it was given.
        self._floor = max(self._floor, offset)
        self._taken = {i for i in self._taken if i >= self._floor or i in self._open}
        return self._floor


# Told how an update's transaction ended (the event, None when there was nothing to apply; the result,
# None when it raised); answers whether to go on and send the replies.
Settle = Callable[[Incoming | None, Handled | None], bool]


@dataclass
class TelegramChannel:
    bot: Bot
    dispatcher: Dispatcher
    links: UploadLinks | None = None
    poll_timeout: int = 25
    busy_poll_s: float = 0.03
    downloads: Downloads | None = None
    # Webhook mode: how long an answer waits for the replies to go out; how often a rolled-back
    # update is refused before its error reply is sent; how long a duplicate's unsent replies are
    # left to the worker that applied it.
    reply_wait_s: float = 10.0
    max_webhook_failures: int = 3
    orphan_grace_s: float = 15.0

    def __post_init__(self) -> None:
        self._failures: dict[int, int] = {}
        self.dispatcher.declare(CHANNEL, CAPABILITIES)
        self.turns = TelegramTurns(self.bot, self.links, self.dispatcher, self.downloads)
        self.delivery: ReplyDelivery[int] = ReplyDelivery(CHANNEL, self.dispatcher, self.turns,
                                                          scope=str(self.bot.id))
        self.offsets = Offsets()
        if isinstance(self.bot.session, PollingSession):
            self.bot.session.skip = self.offsets.known

    async def setup(self, *, webhook: bool = False) -> None:
        """Polling removes any webhook (getUpdates is refused while one is set); in webhook mode the
        webhook is registered once by the operator (`hsdt webhook set`), not by every worker."""
        if not webhook:
            await self.bot.delete_webhook(drop_pending_updates=False)
        await asyncio.to_thread(self.dispatcher.adopt_legacy_events, CHANNEL, str(self.bot.id))
        menu = self.dispatcher.router.command_menu()
        await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in menu])

    # --- one update ----------------------------------------------------------------------------

    def submit(self, update: TgUpdate) -> None:
        if self.offsets.take(update.update_id):
            self.delivery.queues.submit(user_key(update), lambda: self.handle(update))

    def event_of(self, update: TgUpdate) -> tuple[Incoming | None, int | None]:
        """The update as an event, and the pressed message (edited in place by the first reply)."""
        callback = update.callback_query
        if update.message is not None:
            return message_event(update.message, update.update_id, self.bot), None
        if callback is not None and callback.data:
            hint = callback.message.message_id if callback.message is not None and callback.message.editable else None
            return callback_event(callback, update.update_id, self.bot.id), hint
        return None, None

    async def handle(self, update: TgUpdate, settle: Settle | None = None) -> None:
        """Apply one update, then send its replies. `settle(event, handled)` is told once the event's
        transaction has ended (handled None: it raised) and says whether to go on; by default (polling)
        the update is confirmed to Telegram whatever happened (a rolled-back event has its error reply)."""
        callback = update.callback_query
        answered: asyncio.Task[None] | None = None
        event: Incoming | None = None
        handled: Handled | None = None
        go_on = False
        try:
            try:
                event, hint = self.event_of(update)
                if event is not None:
                    handled = await self.dispatcher.process(event)
            finally:
                go_on = settle(event, handled) if settle is not None else self._confirm(update)
                if callback is not None and go_on:
                    # Answered alongside the replies: an unanswered press leaves a spinner on the phone.
                    answered = asyncio.create_task(self._answer(callback))
            if event is None or handled is None or not go_on:
                return
            if handled.duplicate and settle is not None:
                # Another worker may have this turn on its way; the replies go out only if they stay
                # unsent. The wait runs beside the user's queue, never in it.
                if handled.replies:
                    self.delivery.send_if_orphaned(event.event_id, event.user_ref, self.orphan_grace_s)
                return
            # A redelivered copy whose replies this process already sends gets nothing more.
            if handled.replies and self.delivery.claim(event.event_id):
                await self.delivery.send(event.event_id, event.user_ref, handled.replies, handled.first,
                                         None if handled.duplicate else hint, handled.turn)
            if handled.role is not None:
                await self.set_role_menu(event.user_ref, handled.role)
        finally:
            if answered is not None:
                await answered

    def _confirm(self, update: TgUpdate) -> bool:
        self.offsets.done(update.update_id)  # committed (or rolled back for good): confirm it
        return True

    # --- webhook -----------------------------------------------------------------------------

    async def receive(self, update: TgUpdate) -> bool:
        """A webhook update: True once its event has committed (answer 200), False when it rolled
        back (answer an error: Telegram delivers it again). The replies then go out from the user's
        queue; the answer waits for them up to `reply_wait_s`, since Telegram sends a chat's next
        update only after this one's answer, which keeps the replies in order across workers."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[bool] = loop.create_future()

        def settle(event: Incoming | None, handled: Handled | None) -> bool:
            ok = event is None or (handled is not None and handled.committed)
            if not ok:
                failures = self._failures[update.update_id] = self._failures.get(update.update_id, 0) + 1
                # A failure that repeats is not the database being away: give up, send the error reply.
                ok = failures >= self.max_webhook_failures
            if ok:
                self._failures.pop(update.update_id, None)
            if not committed.done():
                committed.set_result(ok)
            return ok

        task = self.delivery.queues.submit(user_key(update), lambda: self.handle(update, settle))
        done = await asyncio.shield(committed)
        if done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), self.reply_wait_s)
        return done

    async def set_role_menu(self, chat_id: str, role: str) -> None:
        """The chat's command menu lists what its role can do (a chat-scoped menu beats the default one)."""
        menu = self.dispatcher.router.command_menu(role)
        try:
            await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in menu],
                                           scope=BotCommandScopeChat(chat_id=int(chat_id)))
        except Exception as error:  # the menu is a convenience: the commands work without it
            log.warning("telegram: the command menu of chat %s was not set (%r)", chat_id, error)

    async def _answer(self, callback: TgCallback) -> None:
        try:
            await self.bot(AnswerPress(callback_query_id=callback.id))
        except Exception as error:
            log.info("callback %s could not be answered (%r)", callback.id, error)

    # --- the loop ----------------------------------------------------------------------------

    async def _fetch(self) -> list[TgUpdate]:
        # While updates are in flight Telegram answers at once with them (they are not confirmed),
        # so ask without waiting, a little later, until they commit.
        busy = self.offsets.in_flight > 0
        try:
            return await self.bot(
                FetchUpdates(offset=self.offsets.offset(), timeout=0 if busy else self.poll_timeout,
                             allowed_updates=ALLOWED_UPDATES),
                request_timeout=self.poll_timeout + 10,
            )
        except Exception as error:
            mapped = classify(error)
            raise mapped from error

    async def _take(self, updates: list[TgUpdate]) -> None:
        for update in updates:
            self.submit(update)
        # While updates are in flight the next poll brings them all again: it waits until none is, or
        # `busy_poll_s`. Polling at each commit instead cost a getUpdates call (and the parsing of every
        # update in flight) per answer or so, for updates that mostly come only once the replies are out.
        if self.offsets.in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.offsets.idle.wait(), self.busy_poll_s)

    async def run(self, stop: asyncio.Event) -> None:
        await self.delivery.recover()
        await poll_forever("telegram getUpdates", self._fetch, self._take, stop, abandon_at_stop=True)

    async def close(self, grace_s: float = 10.0) -> None:
        """In-flight turns get `grace_s` to finish; what is cut off is sent again at the next start."""
        try:
            await asyncio.wait_for(self.delivery.close(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()


async def run_webhook(channel: TelegramChannel, stop: asyncio.Event, grace_s: float = 10.0) -> None:
    """Updates arrive at the web server (`hsdt.web.server`); this only recovers and waits."""
    await channel.setup(webhook=True)
    info = await channel.bot.get_webhook_info()
    if not info.url:
        log.warning("webhook mode, but no webhook is registered: run `hsdt webhook set`")
    log.info("webhook mode (%s)", info.url or "no webhook registered")
    try:
        await channel.delivery.recover()
        await channel.delivery.watch(stop)  # until stop: the turns of workers that die meanwhile
    finally:
        await channel.close(grace_s)


async def run_polling(channel: TelegramChannel, stop: asyncio.Event, grace_s: float = 10.0) -> None:
    await channel.setup()
    me = await channel.bot.get_me()
    log.info("polling as @%s", me.username)
    try:
        await channel.run(stop)
    finally:
        await channel.close(grace_s)
