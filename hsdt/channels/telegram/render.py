"""Replies out: one turn as Bot API calls (inline keyboards, long button lists numbered, edits in place
of the pressed message, files with a download link when Telegram refuses them)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from hsdt.channels.contract import RecipientBlocked, SendRefused
from hsdt.channels.delivery import Progress, no_progress
from hsdt.channels.telegram.client import EditText, SendText, SentRef, call
from hsdt.channels.telegram.translate import CHANNEL, TEXT_LIMIT
from hsdt.channels.text_split import split_text
from hsdt.events import Attachment, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import TELEGRAM_DOCUMENT_LIMIT, TELEGRAM_PHOTO_LIMIT, Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.texts import channels as channel_texts
from hsdt.texts import report as report_texts

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


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


def rendered(reply: Reply, upload_url: str | None, text: str) -> tuple[str, dict[str, Any] | None]:
    """`text` and the reply's keyboard as the Bot API's JSON, labels a phone would cut numbered
    (`numbered`). Built as plain data when no label is that long (nearly always): aiogram's button
    models, built and written out for every question, were about a tenth of the event loop's CPU per
    answer in a profile of the e2e bench."""
    if any(len(button.label) > LABEL_VISIBLE for row in reply.buttons for button in row):
        shown, markup = numbered(text, keyboard(reply, upload_url))
        return shown, markup.model_dump(exclude_none=True) if markup is not None else None
    rows: list[list[dict[str, str]]] = [[{"text": b.label, "callback_data": b.action} for b in row]
                                        for row in reply.buttons]
    if upload_url is not None:
        rows.append([{"text": channel_texts.BTN_UPLOAD_PAGE, "url": upload_url}])
    return text, {"inline_keyboard": rows} if rows else None


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
                        hint: int | None, resume: int = 0) -> None:
        """Each reply reported once sent, and each message of a text longer than one: `resume` messages
        of the first reply's text are on the platform already."""
        chat_id = int(user_ref)
        for index, reply in enumerate(replies):
            url = await self._upload_url(user_ref, reply)
            text_only = not (reply.document or reply.image)
            target: int | None = None
            if index == 0 and resume > 0 and text_only:
                progress(1, await self._send_text(chat_id, *rendered(reply, url, reply.text), resume,
                                                  functools.partial(progress, 0, None)))
                continue
            if reply.replace_previous and hint is not None and text_only:
                target, hint = hint, None  # only the first such reply takes the pressed message's place
            elif reply.edit_ref is not None and text_only and reply.edit_ref.isdigit():
                target = int(reply.edit_ref)  # the screen this reply answers, shown earlier
            if target is not None and await self._edit(chat_id, target, *rendered(reply, url, reply.text)):
                progress(index + 1, target)
                continue
            progress(index + 1, await self._send(chat_id, reply, url, user_ref,
                                                 functools.partial(progress, index, None)))

    async def _edit(self, chat_id: int, message_id: int, text: str, markup: dict[str, Any] | None) -> bool:
        if len(text) > TEXT_LIMIT:
            return False
        try:
            await call(lambda: self.bot(EditText(chat_id=chat_id, message_id=message_id, text=text,
                                                 reply_markup=markup)))
            return True
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            if "not modified" in str(refusal):
                return True  # the message already shows this text: a redelivered press
            log.info("edit refused (%s); sending a new message", refusal)
            return False

    async def _send_text(self, chat_id: int, text: str, markup: dict[str, Any] | None, skip: int = 0,
                         sent_part: Callable[[int], None] | None = None) -> int | None:
        """The text (`rendered`) in as many messages as the limit needs, the buttons under the last; `skip`:
        messages sent already; `sent_part(n)` told when the first `n` (not the last) are out."""
        chunks = split_text(text, TEXT_LIMIT)
        sent: SentRef | None = None
        for number, chunk in enumerate(chunks[skip:], start=skip):
            last = number == len(chunks) - 1
            sent = await call(functools.partial(self.bot, SendText(chat_id=chat_id, text=chunk,
                                                                   reply_markup=markup if last else None)))
            if not last and sent_part is not None:
                sent_part(number + 1)
        return sent.message_id if sent is not None else None

    async def _send(self, chat_id: int, reply: Reply, url: str | None,
                    user_ref: str, sent_part: Callable[[int], None] | None = None) -> int | None:
        """Sends the reply (`url`: its upload page's); the id of the message it ends in (what a later edit
        addresses)."""
        attachment = reply.document or reply.image
        if attachment is None:
            return await self._send_text(chat_id, *rendered(reply, url, reply.text), 0, sent_part)
        limit = TELEGRAM_DOCUMENT_LIMIT if reply.document is not None else TELEGRAM_PHOTO_LIMIT
        try:
            if len(attachment.content) > limit:
                raise SendRefused(f"{len(attachment.content)} bytes is over Telegram's limit of {limit}")
            await self._send_file(chat_id, reply, keyboard(reply, url))
            return None  # a file's caption is not edited into an answer
        except RecipientBlocked:
            raise
        except SendRefused as refusal:
            # One refused file never costs the rest of the turn: its text goes out with a download link.
            log.warning("sending %s was refused (%s); offering a download link", attachment.file_name, refusal)
            note = await self._download_note(user_ref, attachment)
            return await self._send_text(chat_id, *rendered(reply, url, f"{reply.text}\n\n{note}".strip()))

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
        await self.turns.send_turn(external_id, replies, no_progress, None)
