"""Tests of FakeTelegramServer driven by a real aiogram Bot over HTTP (no mocks)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from tests.present import present

from .telegram_server import FakeServerTimeout, FakeTelegramServer, button_data, button_url

TOKEN = "123:ABC"
USER = 555001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_bot(server: FakeTelegramServer, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))


def kb(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    srv = FakeTelegramServer(token=TOKEN)
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    b = make_bot(server)
    yield b
    await b.session.close()


async def test_get_me_and_call_recording(server: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123, True, "hsdt_test_bot")
    assert server.base_url.startswith("http://127.0.0.1:")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.set_my_commands([BotCommand(command="start", description="Bắt đầu")])
    assert server.commands[('{"type": "default"}', "")] == [{"command": "start", "description": "Bắt đầu"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    assert [c.method for c in server.calls] == ["getMe", "deleteWebhook", "setMyCommands", "setMyCommands"]
    assert server.calls[1].params == {"drop_pending_updates": True}
    assert [c.status for c in server.calls] == [200, 200, 200, 400]


async def test_send_edit_and_inline_keyboards(server: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Chọn trường:", reply_markup=kb([("Trường A", "s:1"), ("Trường B", "s:2")]))
    assert sent.message_id == 1 and sent.chat.id == USER
    msg = await server.wait_for_message(USER, timeout=1)
    assert msg.text == "Chọn trường:" and not msg.edited
    assert msg.buttons == [[("Trường A", "s:1"), ("Trường B", "s:2")]]
    assert button_data(msg, "trường b") == "s:2"
    with pytest.raises(AssertionError, match=r"2 inline buttons matching 'Trường'"):
        button_data(msg, "Trường")
    with pytest.raises(AssertionError, match=r"(?s)no inline button matching 'Trường C'.*'s:1'"):
        button_data(msg, "Trường C")

    # The user presses a button; the bot reads the callback, answers it and edits the message.
    upd_id = server.press_button(USER, msg, "Trường A")
    [update] = await bot.get_updates(offset=None, timeout=0)
    assert update.update_id == upd_id and update.callback_query is not None
    callback = update.callback_query
    assert callback.data == "s:1" and callback.message is not None and callback.message.message_id == 1
    assert server.unanswered_callbacks() == [callback.id]
    assert await bot.answer_callback_query(callback.id, text="OK")
    assert server.callback_answers == [callback.id] and server.unanswered_callbacks() == []
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("nope")

    url_kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Hướng dẫn", url="https://x.vn/h")]])
    await bot.edit_message_text(
        "<b>Trường A</b> đã chọn", chat_id=USER, message_id=1, reply_markup=url_kb, parse_mode="HTML"
    )
    edited = await server.wait_for_message(USER, timeout=1)
    assert edited.edited and edited.text == "Trường A đã chọn"
    assert edited.entities == [{"type": "bold", "offset": 0, "length": 8}]
    assert button_url(edited, "Hướng") == "https://x.vn/h"
    assert [v.text for v in edited.versions] == ["Chọn trường:", "Trường A đã chọn"]
    assert msg.text == "Chọn trường:"  # snapshots handed out earlier do not change

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Trường A</b> đã chọn", chat_id=USER, message_id=1, reply_markup=url_kb, parse_mode="HTML"
        )
    # Like Telegram, editing the text without reply_markup drops the keyboard.
    await bot.edit_message_text("Xong", chat_id=USER, message_id=1)
    assert (await server.wait_for_message(USER, timeout=1)).buttons == []
    await bot.edit_message_reply_markup(chat_id=USER, message_id=1, reply_markup=kb([("Lại", "again")]))
    assert present(server.last_message(USER)).buttons == [[("Lại", "again")]]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)

    second = await bot.send_message(USER, "Tin 2")
    assert second.message_id == 2  # message ids are per chat (shared with the user's own messages)
    assert await bot.delete_message(USER, second.message_id)
    assert [m.message_id for m in server.messages(USER)] == [1]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, second.message_id)


async def test_markup_validation_like_telegram(server: FakeTelegramServer, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match=r"can't parse entities: Unsupported start tag \"br\""):
        await bot.send_message(USER, "a<br>b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match='Can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(USER, "<b>bold", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(USER, "Điểm: 9.5", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=kb([("too long", "x" * 65)]))
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "  ")
    assert server.messages(USER) == []

    await bot.send_message(USER, "*Điểm*: 9\\.5 \\(A&amp;B\\)", parse_mode="MarkdownV2")
    await bot.send_message(USER, "A &lt; B &amp; <i>C</i>", parse_mode="HTML")
    await bot.send_message(USER, "123")  # a numeric text stays a string
    first, second, third = server.messages(USER)
    assert first.text == "Điểm: 9.5 (A&amp;B)" and first.entities == [{"type": "bold", "offset": 0, "length": 4}]
    assert second.text == "A < B & C" and second.raw_text == "A &lt; B &amp; <i>C</i>"
    assert third.text == "123"


async def test_get_updates_offset_redelivery_and_long_poll(server: FakeTelegramServer, bot: Bot) -> None:
    u1 = server.push_text(USER, "/start ref42", first_name="Lan", username="lan_mn")
    u2 = server.push_text(USER, "xin chào")
    first = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [u1, u2]
    msg = first[0].message
    assert msg is not None and msg.text == "/start ref42" and msg.from_user is not None
    assert msg.from_user.username == "lan_mn" and msg.chat.id == USER and msg.chat.type == "private"
    assert msg.entities is not None and (msg.entities[0].type, msg.entities[0].length) == ("bot_command", 6)

    # Not confirmed -> redelivered; offset confirms everything below it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [u1, u2]
    assert [u.update_id for u in await bot.get_updates(offset=u2, timeout=0)] == [u2]
    assert server.pending_update_ids == [u2]
    assert [u.update_id for u in await bot.get_updates(offset=u2 + 1, limit=5, timeout=0)] == []

    # Duplicate delivery of an already confirmed update.
    assert server.push_raw(server.pushed_updates[0]) == u1
    again = await bot.get_updates(offset=u2 + 1, timeout=0)
    assert [u.update_id for u in again] == [u1]
    assert await bot.get_updates(offset=u2 + 1, timeout=0) == []

    # Long polling returns as soon as an update arrives; the wait is capped at long_poll_cap.
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, server.push_text, USER, "muộn")
    started = time.monotonic()
    late = await bot.get_updates(offset=u2 + 1, timeout=30)
    assert [u.message.text for u in late if u.message] == ["muộn"] and time.monotonic() - started < 0.8
    started = time.monotonic()
    assert await bot.get_updates(offset=late[-1].update_id + 1, timeout=30) == []
    assert 0.9 <= time.monotonic() - started < 2.5

    # allowed_updates filters (and drops) other update types.
    server.push_text(USER, "bị lọc")
    assert await bot.get_updates(timeout=0, allowed_updates=["callback_query"]) == []
    assert server.filtered_updates[-1]["message"]["text"] == "bị lọc"


async def test_second_get_updates_terminates_first_with_conflict(server: FakeTelegramServer, bot: Bot) -> None:
    other = make_bot(server)
    try:
        pending = asyncio.create_task(bot.get_updates(timeout=1))
        await server.wait_until(lambda: len(server.calls_of("getUpdates")) == 1, timeout=2)
        assert await other.get_updates(timeout=0) == []
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await pending
    finally:
        await other.session.close()


async def test_document_upload_and_download(server: FakeTelegramServer, bot: Bot) -> None:
    payload = b"PK\x03\x04 fake xlsx " * 1000
    await bot.send_document(
        USER,
        BufferedInputFile(payload, "bao-cao.xlsx"),
        caption="<b>Báo cáo</b>",
        parse_mode="HTML",
        reply_markup=kb([("Tải lại", "reload")]),
    )
    msg = await server.wait_for_message(USER, timeout=1)
    assert msg.kind == "document" and msg.document == ("bao-cao.xlsx", payload)
    assert msg.text == msg.caption == "Báo cáo" and msg.buttons == [[("Tải lại", "reload")]]
    await bot.send_photo(USER, BufferedInputFile(PNG, "chart.png"))
    assert present(server.last_message(USER)).photo == PNG
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not an image", "x.png"))

    pdf = b"%PDF-1.7 signed content"
    upd = server.push_document(USER, pdf, "bien-ban.pdf")
    [update] = await bot.get_updates(timeout=0)
    assert update.update_id == upd and update.message is not None and update.message.document is not None
    doc = update.message.document
    assert (doc.file_name, doc.mime_type, doc.file_size) == ("bien-ban.pdf", "application/pdf", len(pdf))
    buf = await bot.download(doc)
    assert isinstance(buf, io.BytesIO) and buf.read() == pdf
    assert server.downloads == [(await bot.get_file(doc.file_id)).file_path]

    server.push_document(USER, b"small", "huge.pdf", declared_size=25 * 1024 * 1024)
    server.push_photo(USER, PNG)
    big, photo = await bot.get_updates(offset=upd + 1, timeout=0)
    assert big.message is not None and big.message.document is not None
    assert big.message.document.file_size == 25 * 1024 * 1024
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.message.document.file_id)
    assert photo.message is not None and photo.message.photo is not None
    assert present(await bot.download(photo.message.photo[-1])).read() == PNG
    # The bot can resend a known file_id.
    again = await bot.send_document(USER, doc.file_id)
    assert again.document is not None and again.document.file_name == "bien-ban.pdf"


async def test_rate_limit_429_surfaces_as_retry_after(server: FakeTelegramServer, bot: Bot) -> None:
    server.set_rate_limit(global_per_s=None, per_chat_per_s=1, retry_after=1)
    await bot.send_message(USER, "1")
    with pytest.raises(TelegramRetryAfter) as exc_info:
        await bot.send_message(USER, "2")
    assert exc_info.value.retry_after == 1 and "Too Many Requests: retry after 1" in str(exc_info.value)
    await bot.send_message(USER + 1, "other chat is fine")
    assert server.rejected_429 == 1
    assert [m.text for m in server.messages(USER)] == ["1"]
    await asyncio.sleep(1.05)
    await bot.send_message(USER, "2")
    assert [m.text for m in server.messages(USER)] == ["1", "2"]

    server.set_rate_limit(global_per_s=3, per_chat_per_s=None, retry_after=2)
    results = await asyncio.gather(*(bot.send_message(700 + i, "x") for i in range(5)), return_exceptions=True)
    rejected = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(rejected) == 2 and all(r.retry_after == 2 for r in rejected)
    assert server.rejected_429 == 3
    [raw] = [c for c in server.calls_of("sendMessage") if c.status == 429][:1]
    assert raw.description == "Too Many Requests: retry after 1"
    server.set_rate_limit(None, None)
    await bot.send_message(USER, "unlimited")


async def test_blocked_user_wrong_token_unknown_method(server: FakeTelegramServer, bot: Bot) -> None:
    server.block_user(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    server.unblock_user(USER)
    assert await bot.send_chat_action(USER, "typing")
    assert server.chat_actions(USER) == ["typing"]

    intruder = make_bot(server, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()
    assert server.calls[-1].status == 401

    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.send_location(USER, latitude=21.0, longitude=105.8)
    assert server.unknown_methods == ["sendLocation"]
    assert server.calls[-1].params["latitude"] == 21.0


async def test_raw_http_json_form_and_injected_errors(server: FakeTelegramServer) -> None:
    url = f"{server.base_url}/bot{TOKEN}"
    markup = '{"keyboard": [[{"text": "Gửi số điện thoại", "request_contact": true}]]}'
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/sendMessage", json={"chat_id": USER, "text": "JSON", "reply_markup": markup}) as r:
            assert r.status == 200 and (await r.json())["result"]["text"] == "JSON"
        async with http.post(f"{url}/SENDMESSAGE", data={"chat_id": str(USER), "text": "form"}) as r:
            assert r.status == 200
        async with http.get(f"{url}/getMe") as r:
            assert (await r.json())["result"]["id"] == 123
        async with http.get(f"{server.base_url}/file/bot{TOKEN}/documents/missing.pdf") as r:
            assert r.status == 404
        server.inject_error("sendMessage", 502, "Bad Gateway")
        async with http.post(f"{url}/sendMessage", json={"chat_id": USER, "text": "lost"}) as r:
            assert r.status == 502 and (await r.json())["description"] == "Bad Gateway"
    assert server.reply_keyboard(USER) == ["Gửi số điện thoại"]
    assert [m.text for m in server.messages(USER)] == ["JSON", "form"]


async def test_wait_for_message_consumes_in_order_and_times_out_readably(server: FakeTelegramServer, bot: Bot) -> None:
    for text in ("một", "hai", "ba"):
        await bot.send_message(USER, text, reply_markup=kb([(f"nút {text}", text)]))
    assert (await server.wait_for_message(USER, timeout=0.5)).text == "một"
    assert (await server.wait_for_message(USER, lambda m: m.text == "ba", timeout=0.5)).text == "ba"
    with pytest.raises(FakeServerTimeout, match=r"(?s)chat now shows:.*'hai'.*nút ba"):
        await server.wait_for_message(USER, timeout=0.2)

    await bot.send_message(
        USER,
        "bàn phím",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Có"), KeyboardButton(text="Không")]], resize_keyboard=True
        ),
    )
    assert (await server.wait_for_message(USER, timeout=0.5)).reply_keyboard == ["Có", "Không"]
    assert server.reply_keyboard(USER) == ["Có", "Không"]
    await bot.send_message(USER, "gỡ", reply_markup=ReplyKeyboardRemove())
    assert server.reply_keyboard(USER) is None


async def test_real_dispatcher_end_to_end(server: FakeTelegramServer, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Chào {present(message.from_user).first_name}!", reply_markup=kb([("Bắt đầu", "go")]))

    @router.callback_query(F.data == "go")
    async def go(callback: CallbackQuery) -> None:
        await callback.answer()
        assert isinstance(callback.message, Message)  # not an inaccessible (too old) one
        await callback.message.edit_text("Đã bắt đầu")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        server.push_text(USER, "/start", first_name="Hoa")
        greeting = await server.wait_for_message(USER, timeout=5)
        assert greeting.text == "Chào Hoa!"
        server.press_button(USER, greeting, "Bắt đầu")
        edited = await server.wait_for_message(USER, timeout=5)
        assert edited.edited and edited.text == "Đã bắt đầu" and edited.buttons == []
        await server.wait_until(lambda: not server.unanswered_callbacks(), timeout=2, what="callback answered")
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, timeout=5)
