"""Telegram adapter (aiogram 3): updates in, channel-neutral events to the handlers, replies out.

It holds no business rules. Polling confirms an update to Telegram only after the handlers have
committed it, so a crash mid-update means redelivery (harmless: events are deduplicated), never loss.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram import Dispatcher as AiogramDispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from hsdt.bot.bootstrap import App
from hsdt.bot.channels import RecipientBlocked, RetryLater
from hsdt.bot.downloads import TELEGRAM_DOCUMENT_LIMIT, TELEGRAM_PHOTO_LIMIT, Downloads
from hsdt.bot.downloads import from_settings as downloads_from_settings
from hsdt.bot.numbered import split_text
from hsdt.bot.upload_links import UploadLinks
from hsdt.bot.upload_links import from_settings as upload_links_from_settings
from hsdt.events import Attachment, FileRef, FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as channel_texts
from hsdt.texts import report as report_texts

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ["message", "callback_query"]


def make_bot(token: str, api_base: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token=token, session=session)


# --- translation in ------------------------------------------------------------------------------


def _file_ref(bot: Bot, file_id: str, name: str | None, size: int | None, mime: str | None) -> FileRef:
    async def fetch(dest: Path, max_bytes: int) -> None:
        info = await bot.get_file(file_id)
        if info.file_size is not None and info.file_size > max_bytes:
            raise FileTooLarge(name or file_id)
        assert info.file_path is not None
        url = bot.session.api.file_url(bot.token, info.file_path)
        written = 0
        with dest.open("wb") as out:
            async for chunk in bot.session.stream_content(url=url, chunk_size=65536):
                written += len(chunk)
                if written > max_bytes:
                    raise FileTooLarge(name or file_id)
                out.write(chunk)

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


# --- translation out -----------------------------------------------------------------------------


def keyboard(reply: Reply, upload_url: str | None = None) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(text=b.label, callback_data=b.action) for b in row] for row in reply.buttons]
    if upload_url is not None:
        rows.append([InlineKeyboardButton(text=channel_texts.BTN_UPLOAD_PAGE, url=upload_url)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


class UploadButtons:
    """One-time upload-page links for replies that accept a PDF (`Reply.upload`), when the web server
    is configured. Telegram takes documents directly; the page is the way round a phone that cannot."""

    def __init__(self, links: UploadLinks | None, handlers: Dispatcher) -> None:
        self.links = links
        self.handlers = handlers

    async def urls(self, user_ref: str, replies: list[Reply]) -> dict[int, str]:
        wanted = [i for i, reply in enumerate(replies) if reply.upload]
        if self.links is None or not wanted:
            return {}
        user_id = await asyncio.to_thread(self._user_id, user_ref)
        if user_id is None:
            return {}
        return {i: self.links.issue(CHANNEL, user_ref, user_id, replies[i].upload or "")[0] for i in wanted}

    def _user_id(self, user_ref: str) -> int | None:
        with UnitOfWork(self.handlers.engine) as uow:
            found = uow.identities.user_of(CHANNEL, user_ref)
            return found[0].id if found is not None else None


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: list[Reply],
    edit_message_id: int | None = None,
    upload_urls: dict[int, str] | None = None,
    file_fallback: Callable[[Attachment], Awaitable[str]] | None = None,
) -> None:
    for index, reply in enumerate(replies):
        markup = keyboard(reply, (upload_urls or {}).get(index))
        if reply.document is not None or reply.image is not None:
            attachment = reply.document or reply.image
            assert attachment is not None
            try:
                content = attachment.content
                limit = TELEGRAM_DOCUMENT_LIMIT if reply.document is not None else TELEGRAM_PHOTO_LIMIT
                if len(content) > limit:
                    raise ValueError(f"{len(content)} bytes is over Telegram's limit of {limit}")
                file = BufferedInputFile(content, filename=attachment.file_name)
                caption = reply.text[:CAPTION_LIMIT] if reply.text else None
                if reply.document is not None:
                    await _retrying(partial(bot.send_document, chat_id, file, caption=caption, reply_markup=markup))
                else:
                    await _retrying(partial(bot.send_photo, chat_id, file, caption=caption, reply_markup=markup))
            except Exception as error:
                # One failed file never costs the rest of the turn: its caption goes out with a link instead.
                log.warning("sending %s to %s failed (%s); offering a download link", attachment.file_name,
                            chat_id, error)
                note = await file_fallback(attachment) if file_fallback is not None else \
                    report_texts.DOWNLOAD_UNAVAILABLE.format(name=attachment.file_name)
                try:
                    await _retrying(partial(bot.send_message, chat_id, f"{reply.text}\n\n{note}".strip()[:TEXT_LIMIT],
                                            reply_markup=markup))
                except Exception:
                    log.exception("the download link for %s could not be sent either", attachment.file_name)
            continue
        if reply.replace_previous and edit_message_id is not None and len(reply.text) <= TEXT_LIMIT:
            try:
                await bot.edit_message_text(
                    text=reply.text, chat_id=chat_id, message_id=edit_message_id, reply_markup=markup
                )
                edit_message_id = None  # only the first reply may take the pressed message's place
                continue
            except TelegramBadRequest as error:
                log.info("edit refused (%s); sending a new message", error.message)
        chunks = split_text(reply.text, TEXT_LIMIT)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await _retrying(partial(bot.send_message, chat_id, chunk, reply_markup=markup if last else None))


async def _retrying(make_call: Callable[[], Awaitable[object]], attempts: int = 3) -> object:
    """Honour Telegram's flood control (429 retry_after) for one call."""
    for attempt in range(attempts):
        try:
            return await make_call()
        except TelegramRetryAfter as error:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(error.retry_after)
    return None


class TelegramSender:
    """Outbound messages for reminders: one call per reply, flood control surfaced to the caller."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        from aiogram.exceptions import TelegramForbiddenError

        try:
            for reply in replies:
                await self.bot.send_message(int(external_id), reply.text[:TEXT_LIMIT], reply_markup=keyboard(reply))
        except TelegramRetryAfter as error:
            raise RetryLater(error.retry_after) from error
        except TelegramForbiddenError as error:
            raise RecipientBlocked(external_id) from error


# --- routers ---------------------------------------------------------------------------------------


def download_fallback(downloads: Downloads | None, user_ref: str) -> Callable[[Attachment], Awaitable[str]]:
    """The text that replaces a file Telegram refused or cannot take: a one-time download link."""

    async def fallback(attachment: Attachment) -> str:
        if downloads is None:
            return report_texts.DOWNLOAD_UNAVAILABLE.format(name=attachment.file_name)
        try:
            offer = await asyncio.to_thread(downloads.offer, CHANNEL, user_ref, attachment)
        except Exception:
            log.exception("no download link for %s", attachment.file_name)
            offer = None
        return downloads.text(offer, attachment.file_name)

    return fallback


def make_router(handlers: Dispatcher, uploads: UploadButtons | None = None,
                downloads: Downloads | None = None) -> Router:
    router = Router(name="hsdt")
    uploads = uploads or UploadButtons(None, handlers)

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        event = message_event(message, event_update.update_id, bot)
        replies = await handlers.handle(event)
        await send_replies(bot, message.chat.id, replies, upload_urls=await uploads.urls(event.user_ref, replies),
                           file_fallback=download_fallback(downloads, event.user_ref))

    @router.callback_query(F.data)
    async def on_callback(callback: CallbackQuery, bot: Bot, event_update: Update) -> None:
        try:
            event = callback_event(callback, event_update.update_id)
            replies = await handlers.handle(event)
            urls = await uploads.urls(event.user_ref, replies)
            message = callback.message
            if isinstance(message, Message):
                await send_replies(bot, message.chat.id, replies, edit_message_id=message.message_id,
                                   upload_urls=urls, file_fallback=download_fallback(downloads, event.user_ref))
            elif replies:
                await send_replies(bot, callback.from_user.id, replies, upload_urls=urls,
                                   file_fallback=download_fallback(downloads, event.user_ref))
        finally:
            # An unanswered press leaves a spinner on the user's phone.
            try:
                await callback.answer()
            except TelegramAPIError:
                log.info("callback %s could not be answered", callback.id)

    return router


def build_aiogram_dispatcher(handlers: Dispatcher, uploads: UploadButtons | None = None,
                             downloads: Downloads | None = None) -> AiogramDispatcher:
    dp = AiogramDispatcher()
    dp.include_routers(make_router(handlers, uploads, downloads))
    return dp


def _user_key(update: Update) -> str:
    if update.message is not None and update.message.from_user is not None:
        return str(update.message.from_user.id)
    if update.callback_query is not None:
        return str(update.callback_query.from_user.id)
    return f"update:{update.update_id}"


async def process_batch(dp: AiogramDispatcher, bot: Bot, updates: list[Update]) -> None:
    """Users in parallel, each user's updates in order."""
    per_user: dict[str, list[Update]] = defaultdict(list)
    for update in updates:
        per_user[_user_key(update)].append(update)

    async def run(user_updates: list[Update]) -> None:
        for update in user_updates:
            try:
                await dp.feed_update(bot, update)
            except Exception:
                # The handlers already committed or rolled back; a failed send must not stop polling.
                log.exception("update %s: sending the replies failed", update.update_id)

    await asyncio.gather(*(run(items) for items in per_user.values()))


async def poll(dp: AiogramDispatcher, bot: Bot, stop: asyncio.Event, timeout: int = 25) -> None:
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        try:
            updates = await bot(
                GetUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES),
                request_timeout=timeout + 10,
            )
            backoff = 1.0
        except TelegramRetryAfter as error:
            await asyncio.sleep(error.retry_after)
            continue
        except Exception as error:
            log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        if updates:
            await process_batch(dp, bot, updates)
            offset = updates[-1].update_id + 1


async def setup_bot(bot: Bot, handlers: Dispatcher) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    menu = handlers.router.command_menu()
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in menu])


async def run_polling(app: App, stop: asyncio.Event | None = None) -> None:
    token = app.settings.telegram_bot_token
    assert token is not None
    bot = make_bot(token.get_secret_value(), app.settings.telegram_api_base)
    uploads = UploadButtons(upload_links_from_settings(app.settings), app.dispatcher)
    dp = build_aiogram_dispatcher(app.dispatcher, uploads, downloads_from_settings(app.settings, app.engine))
    stop = stop or asyncio.Event()
    try:
        await setup_bot(bot, app.dispatcher)
        me = await bot.get_me()
        log.info("polling as @%s", me.username)
        await poll(dp, bot, stop)
    finally:
        await bot.session.close()
