"""Turns one incoming event into replies: resolve the user, route to the flow, commit once.

What applies events lives here; the replies are kept by the ledger (`handlers/ledger.py`: stored with
the event's marker, settled by the channel's receipts) and files are taken in by the intake
(`handlers/intake.py`). A redelivered event is never applied again: it gets back the stored replies
not yet confirmed.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt import texts as messages
from hsdt.events import Capabilities, Handled, Incoming, Kind, Reply
from hsdt.handlers import campaign_choice, conversation, enrolment
from hsdt.handlers.attachments import render_attachments
from hsdt.handlers.context import CheckedFile, Ctx, SignInLinkIssuer
from hsdt.handlers.conversation import IdleState
from hsdt.handlers.intake import FileIntake
from hsdt.handlers.ledger import PendingReplies, Receipt, ReplyLedger, duplicate, records
from hsdt.handlers.router import Router
from hsdt.handlers.user_locks import UserLocks
from hsdt.logcontext import event_scope
from hsdt.signatures.checker import Checker
from hsdt.storage.locks import lock_chat
from hsdt.storage.repositories import Sender, StateWrite, StoredEvent
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class HandlerConfig:
    files_dir: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    max_upload_bytes: int = 20 * 1024 * 1024
    db_workers: int = 8
    # Hands out one-time dashboard sign-in links (hsdt.web.dashboard.auth.SignInLinks); None: no web server.
    dashboard_links: SignInLinkIssuer | None = None
    # Messages a month each channel's plan allows (0 or absent: no limit); the operators are warned at 80%.
    message_quotas: Mapping[str, int] = dataclasses.field(default_factory=dict)


class ChannelHooks(Protocol):
    """What a channel keeps about its own chats (Zalo's numbered menu), read and written inside the
    event's transaction so it can never disagree with the conversation state."""

    def before(self, uow: UnitOfWork, event: Incoming) -> Incoming | list[Reply]:
        """The event as the handlers should see it (a typed "2" is the button shown as [2]), or the
        channel's own answer to it (then nothing is routed)."""
        ...

    def after(self, uow: UnitOfWork, event: Incoming, replies: list[Reply]) -> list[Reply]:
        """Remember what the chat is shown; may add a reply of the channel's own."""
        ...


# Told what each event came to and how long it took (seconds), for the process's metrics.
HandledFn = Callable[[Incoming, Handled, float], None]


class Dispatcher:
    """The single entry point for every adapter (Telegram, Zalo, terminal, upload page)."""

    def __init__(
        self,
        engine: Engine,
        config: HandlerConfig,
        checker: Checker | None = None,
        clock: Callable[[], datetime] = utcnow,
        *,
        router: Router,
        rubrics: RubricCache | None = None,
    ) -> None:
        self.router = router
        self.engine = engine
        self.config = config
        self.checker = checker
        self.clock = clock
        self.rubrics = rubrics or RubricCache()
        self.tz = ZoneInfo(config.timezone)
        self.hooks: dict[str, ChannelHooks] = {}
        # What each channel declared it can show (`declare`); an undeclared one is taken to have buttons.
        self.capabilities: dict[str, Capabilities] = {}
        self.on_handled: HandledFn | None = None
        self._locks = UserLocks()
        # SQLite has one writer: threads queueing on its file lock sleep in its busy handler, so one
        # thread does all transactions. PostgreSQL takes concurrent transactions.
        workers = 1 if engine.dialect.name == "sqlite" else config.db_workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hsdt-db")
        # Workbooks, charts and PDFs are rendered after the commit, here, never on the database thread.
        self._render_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hsdt-render")
        self.ledger = ReplyLedger(engine, self.tz, config.message_quotas, lambda: self.clock())
        self.intake = FileIntake(engine, config.files_dir, config.max_upload_bytes, checker, self._db, self.rubrics,
                                 tz=config.timezone)

    def declare(self, channel: str, capabilities: Capabilities, hooks: ChannelHooks | None = None) -> None:
        """A channel's own account of what it can show, and the hooks that keep its chats' memory."""
        self.capabilities[channel] = capabilities
        if hooks is not None:
            self.hooks[channel] = hooks

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._render_pool.shutdown(wait=True)

    @property
    def users_in_flight(self) -> int:
        return len(self._locks)

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        # The executor does not carry the caller's context: hand it over, so the event id reaches
        # every line logged inside the transaction.
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # --- events ------------------------------------------------------------------------------------

    async def process(self, event: Incoming, checked: CheckedFile | None = None) -> Handled:
        """Apply one event (once) and return its replies. One user's events apply in order. A document
        is checked here, unless the caller checked it already (`check_file`: the upload page shows
        the verdict it gets); its temporary file is removed either way."""

        async def work() -> Handled:
            nonlocal checked
            if checked is None and event.kind is Kind.DOCUMENT:
                checked = await self.check_file(event)
            try:
                handled = await self._db(self.process_sync, event, checked)
                # Files made from a data set are rendered now, after the commit, off the database thread.
                rendered = await render_attachments(handled.replies, self._render_pool)
                return dataclasses.replace(handled, replies=rendered)
            finally:
                if checked is not None and checked.path is not None:
                    checked.path.unlink(missing_ok=True)

        with event_scope(event.channel, event.event_id):
            started = time.perf_counter()
            handled = await self._locks.run((event.channel, event.user_ref), work)
            if self.on_handled is not None:
                try:
                    self.on_handled(event, handled, time.perf_counter() - started)
                except Exception:
                    log.exception("the handled-event observer failed")
            return handled

    async def handle(self, event: Incoming) -> list[Reply]:
        return (await self.process(event)).replies

    def handle_sync(self, event: Incoming, checked: CheckedFile | None = None) -> list[Reply]:
        return self.process_sync(event, checked).replies

    def process_sync(self, event: Incoming, checked: CheckedFile | None = None) -> Handled:
        try:
            return self._apply(event, checked)
        except IntegrityError:
            # A racing copy of this event (another bot process) may have committed first.
            if self.stored(event.channel, event.event_id) is not None:
                log.info("duplicate event %s/%s ignored", event.channel, event.event_id)
                return Handled([], duplicate=True)
            log.exception("event %s/%s violated a constraint; rolled back", event.channel, event.event_id)
            return Handled([Reply(messages.INTERNAL_ERROR)], committed=False)
        except Exception:
            log.exception("event %s/%s failed; transaction rolled back", event.channel, event.event_id)
            return Handled([Reply(messages.INTERNAL_ERROR)], committed=False)

    def _apply(self, event: Incoming, checked: CheckedFile | None) -> Handled:
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            # Other workers' events of this chat wait here until this transaction ends (PostgreSQL).
            lock_chat(uow.session, event.channel, event.user_ref)
            hooks = self.hooks.get(event.channel)
            # Without channel hooks the event routed is the one received: whether it was applied already is
            # read with its sender (one statement fewer on every event). The stored replies are read only
            # for a duplicate, or first of all when the chat is unknown or the channel has hooks.
            known: tuple[Sender | None] | None = None
            if hooks is None:
                known = (uow.identities.sender(event.channel, event.user_ref, event.event_id),)
            if known is None or known[0] is None or known[0].marked:
                seen = uow.events.stored(event.channel, event.event_id)
                if seen is not None:
                    return duplicate(seen)
            order = (event.stream, event.sequence)
            own = hooks.before(uow, event) if hooks is not None else event
            if isinstance(own, Incoming):
                event = own
                routed = self._route(uow, event, checked, now, order, known)
            else:
                routed = _Routed(own)
            replies = routed.replies
            if hooks is not None:
                replies = hooks.after(uow, event, replies)
            # The conversation's new state is written with the event's marker (one statement on PostgreSQL).
            uow.events.record(event.channel, event.event_id, event.user_ref, records(replies, routed.turn), now,
                              routed.turn, routed.state)
            # A chat's role changes only when it enrols or links an account (it had no identity before) or
            # on /start with a code; only then is it read again, so the menu is refreshed.
            refresh = routed.anonymous or event.command[0] == "/start"
            return Handled(replies, role=self._role(uow, event) if refresh else None, turn=routed.turn)

    @staticmethod
    def _role(uow: UnitOfWork, event: Incoming) -> str | None:
        """The chat's role, read only for typed events (an invite code or /start can change it)."""
        if event.kind not in (Kind.TEXT, Kind.COMMAND):
            return None
        found = uow.identities.user_of(event.channel, event.user_ref)
        return str(found[0].role) if found is not None and found[0].active else None

    def _route(self, uow: UnitOfWork, event: Incoming, checked: CheckedFile | None, now: datetime,
               order: tuple[str, int | None] = ("", None),
               known: tuple[Sender | None] | None = None) -> _Routed:
        """The event applied (`_Routed`). `known`: the sender as already read in this transaction (None: not
        read yet)."""
        found = known[0] if known is not None else uow.identities.sender(event.channel, event.user_ref)
        if found is None:
            return _Routed(enrolment.handle_anonymous(uow, event, now, self.tz, self.router.menu_for), anonymous=True)
        user, unit = found.user, found.unit
        if not user.active:
            return _Routed([Reply(messages.USER_INACTIVE)])
        assert user.id is not None
        state = uow.conversations.load_for_update(user.id)
        if state.is_stale(*order):
            # Older than an event of this chat already applied (it reached another worker late): read
            # against today's question it would mean something else, so it is recorded, not applied,
            # and the user is told so and shown what is on screen now.
            log.warning("event %s/%s is older than the last applied one (%s); not applied",
                        event.channel, event.event_id, state.last_seq)
            return _Routed(_late(uow, event), turn=state.version)
        state.applied(*order)
        pick = campaign_choice.resolve(found, conversation.chosen_campaign(state.data))
        campaign = pick.campaign
        conv = conversation.load(state.flow, state.data)
        belongs = conversation.campaign_of(state.data)
        if campaign is not None and belongs is not None and belongs != campaign.id:
            # The flow was left in another campaign (the choice fell back when it closed or the unit left
            # it): its criteria and schools mean nothing here.
            conv = IdleState()
        rubric = self.rubrics.for_campaign(uow, campaign) if campaign is not None else None
        ctx = Ctx(
            uow=uow,
            event=event,
            user=user,
            unit=unit,
            state=state,
            campaign=campaign,
            rubric=rubric,
            now=now,
            tz=self.tz,
            files_dir=self.config.files_dir,
            checked=checked,
            conv=conv,
            # The screen the last committed turn put up: one chat's events apply one after another on
            # any worker, so the next message answers it even before its sender confirmed the send.
            shown_screen=state.on_screen,
            dashboard_links=self.config.dashboard_links,
            typed=not self.capabilities.get(event.channel, Capabilities()).has_buttons,
            in_campaign=pick.in_campaign,
            campaigns=pick.choices,
            chosen=pick.chosen,
        )
        replies = [_target(reply, state.shown_screen, state.shown_ref, event.channel)
                   for reply in self.router.route(ctx)]
        ctx.save_assessments()
        state.put_up(next((reply.screen for reply in reversed(replies) if reply.screen), None))
        # A turn of no campaign (the choice still to be made) leaves the flow's campaign as it was.
        flow_campaign = ctx.campaign.id if ctx.campaign is not None else belongs
        staged = uow.conversations.stage(state, ctx.flow,
                                         conversation.dump(ctx.conv, chosen=ctx.chosen, campaign=flow_campaign), now)
        return _Routed(replies, turn=state.version, state=staged)

    # --- the ledger and the intake, for the channels ---------------------------------------------------

    def stored(self, channel: str, event_id: str) -> StoredEvent | None:
        return self.ledger.stored(channel, event_id)

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        self.ledger.confirm(receipts)

    async def confirm_async(self, receipts: Sequence[Receipt]) -> None:
        await self._db(self.ledger.confirm, receipts)

    def unsettled(self, channel: str, limit: int = 1000, scope: str | None = None) -> list[PendingReplies]:
        return self.ledger.unsettled(channel, limit, scope)

    def adopt_legacy_events(self, channel: str, scope: str) -> int:
        return self.ledger.adopt_legacy_events(channel, scope)

    def notify(self, user_id: int, replies: list[Reply], kind: str, dedupe_key: str) -> None:
        self.ledger.notify(user_id, replies, kind, dedupe_key)

    def mark_shown(self, user_id: int, screen: str) -> None:
        self.ledger.mark_shown(user_id, screen)

    def spend_link(self, nonce: str, user_id: int, purpose: str) -> bool:
        return self.intake.spend_link(nonce, user_id, purpose)

    async def check_file(self, event: Incoming) -> CheckedFile:
        return await self.intake.check_file(event)

    def user_id_of(self, channel: str, user_ref: str) -> int | None:
        with UnitOfWork(self.engine) as uow:
            identity = uow.identities.find(channel, user_ref)
            return identity.user_id if identity is not None else None


@dataclass(frozen=True)
class _Routed:
    """An event applied: its replies, whether the chat was unknown (an enrolment or account link, perhaps),
    the conversation's version after the turn (None: no conversation was touched) and that version's
    state, still to be written (with the event's marker)."""

    replies: list[Reply]
    anonymous: bool = False
    turn: int | None = None
    state: StateWrite | None = None


def _late(uow: UnitOfWork, event: Incoming) -> list[Reply]:
    """The answer to an event that arrived after a later one was applied: it came late, and the
    screen the chat shows now (sent again, as a new message)."""
    typed = event.text.strip()
    if event.file is not None and event.file.name:
        # A file is not kept: the user is asked to send it again, by its name.
        said = messages.LATE_FILE.format(name=event.file.name[:60])
    elif typed:
        said = messages.LATE_MESSAGE.format(text=typed[:60])
    else:
        said = messages.LATE_EVENT
    screen = uow.events.last_screen(event.channel, event.user_ref)
    if screen is None:
        return [Reply(said)]
    return [Reply(said), dataclasses.replace(Reply.from_record(screen), edit_ref=None, replaces=None)]


def _target(reply: Reply, shown_screen: str | None, shown_ref: str | None, channel: str) -> Reply:
    """The reply with the message it edits, when it replaces the screen this channel last showed."""
    if reply.replaces is None or reply.replaces != shown_screen or shown_ref is None:
        return reply
    where, _, ref = shown_ref.partition(":")
    return dataclasses.replace(reply, edit_ref=ref) if where == channel and ref else reply
