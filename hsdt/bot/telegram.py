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
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
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

from hsdt.bot.channels import RecipientBlocked, RetryLater, SendRefused
from hsdt.bot.downloads import TELEGRAM_DOCUMENT_LIMIT, TELEGRAM_PHOTO_LIMIT, Downloads
from hsdt.bot.kit import ReplyDelivery, poll_forever, stream_to_file
from hsdt.bot.numbered import split_text
from hsdt.bot.upload_links import UploadLinks
from hsdt.events import Attachment, FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.texts import channels as channel_texts
from hsdt.texts import report as report_texts

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ["message", "callback_query"]


# aiogram builds `Response[<type>]` for every answer; pydantic keeps parametrised models only weakly,
# so without a reference they are collected and rebuilt (~80 ms each, measured) again and again.
_RESPONSE_TYPES = [Response[method.__returning__]  # type: ignore[name-defined]
                   for method in (SendMessage, EditMessageText, GetUpdates, AnswerCallbackQuery, GetFile, GetMe,
                                  SetMyCommands, DeleteWebhook, SendDocument, SendPhoto, SendChatAction)]


def make_bot(token: str, api_base: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
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


async def call(make: Callable[[], object]) -> object:
    try:
        return await make()  # type: ignore[misc]
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


def message_event(message: Message, update_id: int, bot: Bot) -> Incoming:
    user = message.from_user
    base = {
        "channel": CHANNEL,
        "user_ref": str(user.id if user else message.chat.id),
        "event_id": str(update_id),
        "display_name": user.full_name if user else None,
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


def callback_event(callback: CallbackQuery, update_id: int) -> Incoming:
    return Incoming(
        channel=CHANNEL,
        user_ref=str(callback.from_user.id),
        event_id=str(update_id),
        kind=Kind.BUTTON,
        payload=callback.data or "",
        display_name=callback.from_user.full_name,
    )


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


class TelegramTurns:
    """Renders one turn into Bot API calls. The hint is the pressed message, which the first reply
    that replaces the previous screen edits in place."""

    def __init__(self, bot: Bot, links: UploadLinks | None, dispatcher: Dispatcher,
                 downloads: Downloads | None = None) -> None:
        self.bot = bot
        self.links = links
        self.dispatcher = dispatcher
        self.downloads = downloads

    async def _upload_url(self, user_ref: str, reply: Reply) -> str | None:
        if self.links is None or not reply.upload:
            return None
        user_id = await asyncio.to_thread(self.dispatcher.user_id_of, CHANNEL, user_ref)
        return None if user_id is None else self.links.issue(CHANNEL, user_ref, user_id, reply.upload)[0]

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Callable[[int], None],
                        hint: int | None) -> None:
        chat_id = int(user_ref)
        for index, reply in enumerate(replies):
            markup = keyboard(reply, await self._upload_url(user_ref, reply))
            if reply.replace_previous and hint is not None and not (reply.document or reply.image):
                edit_id, hint = hint, None  # only the first such reply takes the pressed message's place
                if await self._edit(chat_id, edit_id, reply, markup):
                    progress(index + 1)
                    continue
            await self._send(chat_id, reply, markup, user_ref)
            progress(index + 1)

    async def _edit(self, chat_id: int, message_id: int, reply: Reply, markup: InlineKeyboardMarkup | None) -> bool:
        if len(reply.text) > TEXT_LIMIT:
            return False
        try:
            await call(lambda: self.bot.edit_message_text(text=reply.text, chat_id=chat_id, message_id=message_id,
                                                          reply_markup=markup))
            return True
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            if "not modified" in str(refusal):
                return True  # the message already shows this text: a redelivered press
            log.info("edit refused (%s); sending a new message", refusal)
            return False

    async def _send_text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        chunks = split_text(text, TEXT_LIMIT)
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            await call(lambda chunk=chunk, last=last: self.bot.send_message(  # type: ignore[misc]
                chat_id, chunk, reply_markup=markup if last else None))

    async def _send(self, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None, user_ref: str) -> None:
        attachment = reply.document or reply.image
        if attachment is None:
            await self._send_text(chat_id, reply.text, markup)
            return
        limit = TELEGRAM_DOCUMENT_LIMIT if reply.document is not None else TELEGRAM_PHOTO_LIMIT
        try:
            if len(attachment.content) > limit:
                raise SendRefused(f"{len(attachment.content)} bytes is over Telegram's limit of {limit}")
            await self._send_file(chat_id, reply, markup)
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            # One refused file never costs the rest of the turn: its text goes out with a download link.
            log.warning("sending %s was refused (%s); offering a download link", attachment.file_name, refusal)
            note = await self._download_note(user_ref, attachment)
            await self._send_text(chat_id, f"{reply.text}\n\n{note}".strip(), markup)

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
                await call(lambda chunk=chunk: self.bot.send_message(chat_id, chunk))  # type: ignore[misc]
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
        self.turns = TelegramTurns(bot, links if dispatcher is not None else None,
                                   dispatcher, downloads)  # type: ignore[arg-type]

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        await self.turns.send_turn(external_id, replies, lambda _n: None, None)


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


@dataclass
class TelegramChannel:
    bot: Bot
    dispatcher: Dispatcher
    links: UploadLinks | None = None
    poll_timeout: int = 25
    busy_poll_s: float = 0.03
    downloads: Downloads | None = None

    def __post_init__(self) -> None:
        self.turns = TelegramTurns(self.bot, self.links, self.dispatcher, self.downloads)
        self.delivery: ReplyDelivery[int] = ReplyDelivery(CHANNEL, self.dispatcher, self.turns)
        self.offsets = Offsets()

    async def setup(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        menu = self.dispatcher.router.command_menu()
        await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in menu])

    # --- one update ----------------------------------------------------------------------------

    def submit(self, update: Update) -> None:
        if self.offsets.take(update.update_id):
            self.delivery.queues.submit(user_key(update), lambda: self.handle(update))

    async def handle(self, update: Update) -> None:
        callback = update.callback_query
        answered: asyncio.Task[None] | None = None
        try:
            try:
                if update.message is not None:
                    event = message_event(update.message, update.update_id, self.bot)
                    hint = None
                elif callback is not None and callback.data:
                    event = callback_event(callback, update.update_id)
                    hint = callback.message.message_id if isinstance(callback.message, Message) else None
                else:
                    return
                handled = await self.dispatcher.process(event)
            finally:
                self.offsets.done(update.update_id)  # committed (or rolled back for good): confirm it
                if callback is not None:
                    # Answered alongside the replies: an unanswered press leaves a spinner on the phone.
                    answered = asyncio.create_task(self._answer(callback))
            # A redelivered copy whose replies this process already sends gets nothing more.
            if handled.replies and self.delivery.claim(event.event_id):
                await self.delivery.send(event.event_id, event.user_ref, handled.replies, handled.first,
                                         None if handled.duplicate else hint)
            if handled.role is not None:
                await self.set_role_menu(event.user_ref, handled.role)
        finally:
            if answered is not None:
                await answered

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


async def run_polling(channel: TelegramChannel, stop: asyncio.Event) -> None:
    await channel.setup()
    me = await channel.bot.get_me()
    log.info("polling as @%s", me.username)
    try:
        await channel.run(stop)
    finally:
        await channel.close()
