"""Telegram updates in: a message or a button press as the channel-neutral `Incoming`."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot

from hsdt.channels.files import stream_to_file
from hsdt.channels.telegram.updates import TgCallback, TgMessage, TgUpdate
from hsdt.events import Capabilities, FileRef, FileTooLarge, Incoming, Kind, Origin

CHANNEL = "telegram"
TEXT_LIMIT = 4096
# Inline keyboards, edits in place, documents in the chat.
CAPABILITIES = Capabilities(has_buttons=True, can_edit=True, can_send_files=True, max_text=TEXT_LIMIT)


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


def message_event(message: TgMessage, update_id: int, bot: Bot) -> Incoming:
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


def callback_event(callback: TgCallback, update_id: int, bot_id: int) -> Incoming:
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


def parse_update(body: object) -> TgUpdate:
    """A webhook body as an update (raises pydantic's ValidationError)."""
    return TgUpdate.model_validate(body)


def user_key(update: TgUpdate) -> str:
    if update.message is not None and update.message.from_user is not None:
        return str(update.message.from_user.id)
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None:
        return str(update.callback_query.from_user.id)
    return f"update:{update.update_id}"
