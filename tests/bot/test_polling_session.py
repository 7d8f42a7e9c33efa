"""The bot's session: updates still in flight come back with every poll and are dropped before aiogram
parses them; calls without a file go as JSON, files as aiogram's multipart forms."""

from __future__ import annotations

import pytest
from aiogram.types import BufferedInputFile

from hsdt.channels.contract import RetryLater, SendRefused
from hsdt.channels.telegram.client import EditText, FetchUpdates, PollingSession, SendText, SentRef, call, make_bot
from tests.fakes.telegram_server import FakeTelegramServer

TOKEN = "123456:POLLING-SESSION"


async def test_known_updates_are_dropped_before_parsing() -> None:
    async with FakeTelegramServer(TOKEN) as server:
        bot = make_bot(TOKEN, server.base_url)
        session = bot.session
        assert isinstance(session, PollingSession)
        try:
            first, second = server.push_text(7001, "một"), server.push_text(7002, "hai")
            taken = await bot(FetchUpdates(timeout=0))
            assert [u.update_id for u in taken] == [first, second]
            # Not confirmed (no offset past them): Telegram sends both again; the first is in flight here.
            session.skip = {first}.__contains__
            again = await bot(FetchUpdates(timeout=0))
            assert [u.update_id for u in again] == [second]
            assert again[0].message is not None and again[0].message.text == "hai"
        finally:
            await bot.session.close()


async def test_replies_go_as_json_and_files_as_forms_with_the_same_outcomes() -> None:
    async with FakeTelegramServer(TOKEN) as server:
        bot = make_bot(TOKEN, server.base_url)
        markup = {"inline_keyboard": [[{"text": "Đầy đủ", "callback_data": "a:1"}],
                                      [{"text": "Trang", "url": "https://x.vn/u"}]]}
        try:
            sent = await bot(SendText(chat_id=7001, text="Tiêu chí 1/12", reply_markup=markup))
            assert isinstance(sent, SentRef)
            message = server.last_message(7001)
            assert message is not None and message.message_id == sent.message_id
            assert message.text == "Tiêu chí 1/12" and message.buttons == [[("Đầy đủ", "a:1")], [("Trang", "https://x.vn/u")]]

            edited = await bot(EditText(chat_id=7001, message_id=sent.message_id, text="✔️ Đầy đủ"))
            assert isinstance(edited, SentRef) and edited.message_id == sent.message_id
            message = server.last_message(7001)
            assert message is not None and message.edited
            assert message.text == "✔️ Đầy đủ" and message.buttons == []

            # The Bot API's refusals and failures come back as aiogram's errors, as from its own requests.
            with pytest.raises(SendRefused, match="not modified"):
                await call(lambda: bot(EditText(chat_id=7001, message_id=sent.message_id, text="✔️ Đầy đủ")))
            server.inject_error("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
            with pytest.raises(RetryLater) as later:
                await call(lambda: bot(SendText(chat_id=7001, text="lại")))
            assert later.value.retry_after == 3.0

            # A file still goes as a multipart form (aiogram's request).
            await bot.send_document(7001, BufferedInputFile(b"%PDF-1.7 x", filename="bao-cao.pdf"), caption="Báo cáo")
            document = server.last_message(7001)
            assert document is not None and document.document == ("bao-cao.pdf", b"%PDF-1.7 x")
            assert document.caption == "Báo cáo"
        finally:
            await bot.session.close()
