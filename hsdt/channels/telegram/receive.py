"""Telegram adapter (aiogram 3 as the Bot API client): updates in, channel-neutral events to the
handlers, the committed replies out.

It holds no business rules. Each update runs in its user's queue (`kit.SerialQueues`), so a slow
update (a download, a flood wait) delays only its own user. The polling offset, which confirms
updates to Telegram, only moves past updates whose event has committed, in order: a crash means
redelivery (harmless: the dispatcher applies an event once and hands back its unsent replies), never
loss. Replies are sent after the commit through `kit.ReplyDelivery`, retried until Telegram takes
them or refuses them for good.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetFile,
    GetMe,
    GetUpdates,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
)
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from hsdt.channels.contract import RecipientBlocked, RetryLater, SendRefused
from hsdt.channels.delivery import Progress, ReplyDelivery, poll_forever, stream_to_file
from hsdt.channels.numbered import split_text
from hsdt.channels.ratelimit import SendBudget
from hsdt.events import Attachment, FileRef, FileTooLarge, Handled, Incoming, Kind, Origin, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import TELEGRAM_DOCUMENT_LIMIT, TELEGRAM_PHOTO_LIMIT, Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.texts import channels as channel_texts
from hsdt.texts import report as report_texts

log = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ["message", "callback_query"]


# aiogram builds `Response[<type>]` for every answer; pydantic keeps parametrised models only weakly,
# so without a reference they are collected and rebuilt (~80 ms each, measured) again and again.
_RESPONSE_TYPES = [Response[method.__returning__]  # type: ignore[name-defined]  # a type chosen at run time
                   for method in (SendMessage, EditMessageText, GetUpdates, AnswerCallbackQuery, GetFile, GetMe,
                                  SetMyCommands, DeleteWebhook, SendDocument, SendPhoto, SendChatAction)]


class PollingSession(AiohttpSession):
    """aiogram's session, except that a getUpdates answer drops the updates `skip` names before they
    are parsed. While a chat's update is in flight Telegram sends it again with every poll (it is not
    confirmed until it commits); parsing each copy into aiogram's models cost more CPU than handling
    the answers did."""

    skip: Callable[[int], bool] | None = None

    def check_response(self, bot: Bot, method: TelegramMethod[T], status_code: int,
                       content: str) -> Response[T]:
        if self.skip is not None and isinstance(method, GetUpdates):
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                data = self.json_loads(content)
                result = data.get("result") if data.get("ok") else None
                if isinstance(result, list):
                    fresh = [u for u in result if not (isinstance(u, dict) and isinstance(u.get("update_id"), int)
                                                       and self.skip(u["update_id"]))]
                    if len(fresh) < len(result):
                        content = self.json_dumps({**data, "result": fresh})
        return super().check_response(bot, method, status_code, content)


# The methods that put a message on the platform, counted against the bot's rate limit.
SENDS = (SendMessage, EditMessageText, SendDocument, SendPhoto)


class SendBudgetMiddleware(BaseRequestMiddleware):
    """Every message the bot sends, a reply or a reminder, first waits for a slot of the bot's budget."""

    def __init__(self, budget: SendBudget) -> None:
        self.budget = budget

    async def __call__(self, make_request: NextRequestMiddlewareType[T], bot: Bot,
                       method: TelegramMethod[T]) -> Response[T]:
        if isinstance(method, SENDS):
            await self.budget.acquire()
        return await make_request(bot, method)


def make_bot(token: str, api_base: str | None) -> Bot:
    session = PollingSession(api=TelegramAPIServer.from_base(api_base)) if api_base else PollingSession()
    return Bot(token=token, session=session)


def classify(error: BaseException) -> BaseException:
    """A Bot API failure as the channel-neutral outcome: retry (flood control, 5xx, network) or refused."""
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(float(error.retry_after), "flood control")
    if isinstance(error, TelegramForbiddenError):
        return RecipientBlocked(error.message)
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        return SendRefused(error.message)
    if isinstance(error, TelegramAPIError | aiohttp.ClientError | TimeoutError | OSError):
        return RetryLater(None, type(error).__name__)
    return error


async def call(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return await make()
    except Exception as error:
        mapped = classify(error)
        if mapped is error:
            raise
        raise mapped from error


# --- translation in ------------------------------------------------------------------------------


def _file_ref(bot: Bot, file_id: str, name: str | None, size: int | None, mime: str | None) -> FileRef:
    async def fetch(dest: Path, max_bytes: int) -> None:
        info = await bot.get_file(file_id)
        if info.file_size is not None and info.file_size > max_bytes:
            raise FileTooLarge(name or file_id)
        assert info.file_path is not None
        url = bot.session.api.file_url(bot.token, info.file_path)
        await stream_to_file(bot.session.stream_content(url=url, chunk_size=65536, raise_for_status=True),
                             dest, max_bytes, name or file_id)

    return FileRef(name=name, size=size, mime_type=mime, fetch=fetch)


def event_id_for(bot_id: int, update_id: int) -> str:
    """Update ids count per bot: the bot's id keeps two bots sharing one database apart."""
    return f"{bot_id}:{update_id}"


def stream_of(bot_id: int) -> str:
    return f"{CHANNEL}:{bot_id}"


def message_event(message: Message, update_id: int, bot: Bot) -> Incoming:
    user = message.from_user
    base: Origin = {
        "channel": CHANNEL,
        "user_ref": str(user.id if user else message.chat.id),
        "event_id": event_id_for(bot.id, update_id),
        "display_name": user.full_name if user else None,
        "stream": stream_of(bot.id),
        "sequence": update_id,
    }
    if message.document is not None:
        doc = message.document
        ref = _file_ref(bot, doc.file_id, doc.file_name, doc.file_size, doc.mime_type)
        return Incoming(kind=Kind.DOCUMENT, file=ref, text=message.caption or "", **base)
    if message.photo:
        return Incoming(kind=Kind.PHOTO, **base)
    if message.text is not None:
        kind = Kind.COMMAND if message.text.startswith("/") else Kind.TEXT
        return Incoming(kind=kind, text=message.text, **base)
    return Incoming(kind=Kind.OTHER, **base)


def callback_event(callback: CallbackQuery, update_id: int, bot_id: int) -> Incoming:
    return Incoming(
        channel=CHANNEL,
        user_ref=str(callback.from_user.id),
        event_id=event_id_for(bot_id, update_id),
        kind=Kind.BUTTON,
        payload=callback.data or "",
        display_name=callback.from_user.full_name,
        stream=stream_of(bot_id),
        sequence=update_id,
    )


def parse_update(channel: TelegramChannel, body: object) -> Update:
    """A webhook body as aiogram's Update (raises pydantic's ValidationError)."""
    return Update.model_validate(body, context={"bot": channel.bot})


def user_key(update: Update) -> str:
    if update.message is not None and update.message.from_user is not None:
        return str(update.message.from_user.id)
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None:
        return str(update.callback_query.from_user.id)
    return f"update:{update.update_id}"


# --- translation out -----------------------------------------------------------------------------


def keyboard(reply: Reply, upload_url: str | None = None) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(text=b.label, callback_data=b.action) for b in row] for row in reply.buttons]
    if upload_url is not None:
        rows.append([InlineKeyboardButton(text=channel_texts.BTN_UPLOAD_PAGE, url=upload_url)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


# About this many characters of a button label show on a phone; a longer one is cut mid-word.
LABEL_VISIBLE = 30
_NUMBERS_PER_ROW = 4


def _numbered_label(label: str, number: int) -> str:
    """The number, after the label's leading mark ("☑️ …" stays "☑️ 2") so a ticked box still shows."""
    head, _, rest = label.partition(" ")
    return f"{head} {number}" if rest and head and not any(ch.isalnum() for ch in head) else str(number)


def numbered(text: str, markup: InlineKeyboardMarkup | None) -> tuple[str, InlineKeyboardMarkup | None]:
    """In a list of buttons (consecutive one-button rows: a question's options), labels a phone would
    cut become numbers, the button's place in the list (the number one may type), and the full
    labels go in the text. A button alone in its row keeps its label."""

    def cut(button: InlineKeyboardButton) -> bool:
        return len(button.text) > LABEL_VISIBLE and button.callback_data is not None

    groups: list[list[list[InlineKeyboardButton]]] = []  # runs of one-button rows; other rows alone
    for row in markup.inline_keyboard if markup is not None else []:
        if len(row) == 1 and groups and len(groups[-1][-1]) == 1:
            groups[-1].append(row)
        else:
            groups.append([row])
    lists = [g for g in groups if len(g) > 1 and len(g[0]) == 1 and any(cut(r[0]) for r in g)]
    if markup is None or not lists:
        return text, markup
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    for group in groups:
        if group not in lists:
            rows += group
            continue
        numbers: list[InlineKeyboardButton] = []  # the numbered buttons of the list share rows
        for place, (button,) in enumerate(group, start=1):
            if cut(button):
                lines.append(f"{place}. {button.text}")
                numbers.append(button.model_copy(update={"text": _numbered_label(button.text, place)}))
                continue
            rows += [numbers[i:i + _NUMBERS_PER_ROW] for i in range(0, len(numbers), _NUMBERS_PER_ROW)]
            numbers = []
            rows.append([button])
        rows += [numbers[i:i + _NUMBERS_PER_ROW] for i in range(0, len(numbers), _NUMBERS_PER_ROW)]
    return text + "\n\n" + "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


class TelegramTurns:
    """Renders one turn into Bot API calls. The hint is the pressed message, which the first reply
    that replaces the previous screen edits in place."""

    def __init__(self, bot: Bot, links: UploadLinks | None, dispatcher: Dispatcher | None,
                 downloads: Downloads | None = None) -> None:
        self.bot = bot
        self.links = links
        self.dispatcher = dispatcher
        self.downloads = downloads

    async def _upload_url(self, user_ref: str, reply: Reply) -> str | None:
        if self.links is None or self.dispatcher is None or not reply.upload:
            return None
        user_id = await asyncio.to_thread(self.dispatcher.user_id_of, CHANNEL, user_ref)
        return None if user_id is None else self.links.issue(CHANNEL, user_ref, user_id, reply.upload)[0]

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress,
                        hint: int | None) -> None:
        chat_id = int(user_ref)
        for index, reply in enumerate(replies):
            markup = keyboard(reply, await self._upload_url(user_ref, reply))
            text_only = not (reply.document or reply.image)
            target: int | None = None
            if reply.replace_previous and hint is not None and text_only:
                target, hint = hint, None  # only the first such reply takes the pressed message's place
            elif reply.edit_ref is not None and text_only and reply.edit_ref.isdigit():
                target = int(reply.edit_ref)  # the screen this reply answers, shown earlier
            if target is not None and await self._edit(chat_id, target, reply, markup):
                progress(index + 1, target)
                continue
            progress(index + 1, await self._send(chat_id, reply, markup, user_ref))

    async def _edit(self, chat_id: int, message_id: int, reply: Reply, markup: InlineKeyboardMarkup | None) -> bool:
        text, markup = numbered(reply.text, markup)
        if len(text) > TEXT_LIMIT:
            return False
        try:
            await call(lambda: self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                                          reply_markup=markup))
            return True
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            if "not modified" in str(refusal):
                return True  # the message already shows this text: a redelivered press
            log.info("edit refused (%s); sending a new message", refusal)
            return False

    async def _send_text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int | None:
        text, markup = numbered(text, markup)
        chunks = split_text(text, TEXT_LIMIT)
        sent: object = None
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            sent = await call(functools.partial(self.bot.send_message, chat_id, chunk,
                                                reply_markup=markup if last else None))
        return sent.message_id if isinstance(sent, Message) else None

    async def _send(self, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None,
                    user_ref: str) -> int | None:
        """Sends the reply; the id of the message it ends in (what a later edit addresses)."""
        attachment = reply.document or reply.image
        if attachment is None:
            return await self._send_text(chat_id, reply.text, markup)
        limit = TELEGRAM_DOCUMENT_LIMIT if reply.document is not None else TELEGRAM_PHOTO_LIMIT
        try:
            if len(attachment.content) > limit:
                raise SendRefused(f"{len(attachment.content)} bytes is over Telegram's limit of {limit}")
            await self._send_file(chat_id, reply, markup)
            return None  # a file's caption is not edited into an answer
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            # One refused file never costs the rest of the turn: its text goes out with a download link.
            log.warning("sending %s was refused (%s); offering a download link", attachment.file_name, refusal)
            note = await self._download_note(user_ref, attachment)
            return await self._send_text(chat_id, f"{reply.text}\n\n{note}".strip(), markup)

    async def _download_note(self, user_ref: str, attachment: Attachment) -> str:
        if self.downloads is None:
            return report_texts.DOWNLOAD_UNAVAILABLE.format(name=attachment.file_name)
        try:
            offer = await asyncio.to_thread(self.downloads.offer, CHANNEL, user_ref, attachment)
        except Exception:
            log.exception("no download link for %s", attachment.file_name)
            offer = None
        return self.downloads.text(offer, attachment.file_name)

    async def _send_file(self, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None) -> None:
        attachment = reply.document or reply.image
        assert attachment is not None
        caption: str | None = reply.text or None
        if caption is not None and len(caption) > CAPTION_LIMIT:
            for chunk in split_text(caption, TEXT_LIMIT):  # too long for a caption: the text goes first
                await call(functools.partial(self.bot.send_message, chat_id, chunk))
            caption = None
        file = BufferedInputFile(attachment.content, filename=attachment.file_name)
        if reply.document is not None:
            await call(lambda: self.bot.send_document(chat_id, file, caption=caption, reply_markup=markup))
        else:
            await call(lambda: self.bot.send_photo(chat_id, file, caption=caption, reply_markup=markup))


class TelegramSender:
    """Outbound messages outside a turn (reminders, upload results), same rendering as replies."""

    channel = CHANNEL

    def __init__(self, bot: Bot, links: UploadLinks | None = None, dispatcher: Dispatcher | None = None,
                 downloads: Downloads | None = None) -> None:
        self.bot = bot
        self.turns = TelegramTurns(bot, links, dispatcher, downloads)

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        await self.turns.send_turn(external_id, replies, lambda *_: None, None)


# --- polling -------------------------------------------------------------------------------------------


class Offsets:
    """Which update ids are in flight, so the offset confirmed to Telegram never passes one that has
    not committed. Redeliveries of updates already taken are recognised and skipped."""

    def __init__(self) -> None:
        self._open: list[int] = []
        self._taken: set[int] = set()
        self._highest: int | None = None
        self._floor = 0
        self.changed = asyncio.Event()

    def take(self, update_id: int) -> bool:
        if update_id in self._taken:
            return False
        self._taken.add(update_id)
        bisect.insort(self._open, update_id)
        self._highest = update_id if self._highest is None else max(self._highest, update_id)
        return True

    def known(self, update_id: int) -> bool:
        return update_id in self._taken

    def done(self, update_id: int) -> None:
        index = bisect.bisect_left(self._open, update_id)
        if index < len(self._open) and self._open[index] == update_id:
            del self._open[index]
        self.changed.set()

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

    def submit(self, update: Update) -> None:
        if self.offsets.take(update.update_id):
            self.delivery.queues.submit(user_key(update), lambda: self.handle(update))

    def event_of(self, update: Update) -> tuple[Incoming | None, int | None]:
        """The update as an event, and the pressed message (edited in place by the first reply)."""
        callback = update.callback_query
        if update.message is not None:
            return message_event(update.message, update.update_id, self.bot), None
        if callback is not None and callback.data:
            hint = callback.message.message_id if isinstance(callback.message, Message) else None
            return callback_event(callback, update.update_id, self.bot.id), hint
        return None, None

    async def handle(self, update: Update, settle: Settle | None = None) -> None:
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
                                         None if handled.duplicate else hint)
            if handled.role is not None:
                await self.set_role_menu(event.user_ref, handled.role)
        finally:
            if answered is not None:
                await answered

    def _confirm(self, update: Update) -> bool:
        self.offsets.done(update.update_id)  # committed (or rolled back for good): confirm it
        return True

    # --- webhook -----------------------------------------------------------------------------

    async def receive(self, update: Update) -> bool:
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

    async def _answer(self, callback: CallbackQuery) -> None:
        try:
            await self.bot.answer_callback_query(callback.id)
        except Exception as error:
            log.info("callback %s could not be answered (%r)", callback.id, error)

    # --- the loop ----------------------------------------------------------------------------

    async def _fetch(self) -> list[Update]:
        # While updates are in flight Telegram answers at once with them (they are not confirmed),
        # so ask without waiting, a little later, until they commit.
        busy = self.offsets.in_flight > 0
        try:
            return await self.bot(
                GetUpdates(offset=self.offsets.offset(), timeout=0 if busy else self.poll_timeout,
                           allowed_updates=ALLOWED_UPDATES),
                request_timeout=self.poll_timeout + 10,
            )
        except Exception as error:
            mapped = classify(error)
            raise mapped from error

    async def _take(self, updates: list[Update]) -> None:
        fresh = 0
        for update in updates:
            if not self.offsets.known(update.update_id):
                fresh += 1
            self.submit(update)
        if self.offsets.in_flight and not fresh:
            self.offsets.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.offsets.changed.wait(), self.busy_poll_s)

    async def run(self, stop: asyncio.Event) -> None:
        await self.delivery.recover()
        await poll_forever("telegram getUpdates", self._fetch, self._take, stop)

    async def close(self, grace_s: float = 10.0) -> None:
        """In-flight turns get `grace_s` to finish; what is cut off is sent again at the next start."""
        try:
            await asyncio.wait_for(self.delivery.close(), grace_s)
        except TimeoutError:
            await self.delivery.queues.cancel()


async def run_webhook(channel: TelegramChannel, stop: asyncio.Event) -> None:
    """Updates arrive at the web server (`hsdt.web.server`); this only recovers and waits."""
    await channel.setup(webhook=True)
    info = await channel.bot.get_webhook_info()
    if not info.url:
        log.warning("webhook mode, but no webhook is registered: run `hsdt webhook set`")
    log.info("webhook mode (%s)", info.url or "no webhook registered")
    try:
        await channel.delivery.recover()
        await stop.wait()
    finally:
        await channel.close()


async def run_polling(channel: TelegramChannel, stop: asyncio.Event) -> None:
    await channel.setup()
    me = await channel.bot.get_me()
    log.info("polling as @%s", me.username)
    try:
        await channel.run(stop)
    finally:
        await channel.close()
