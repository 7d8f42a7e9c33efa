"""What a Zalo user reads: worded for typing (Zalo has no buttons and takes no PDF in chat), the
numbered options explained, a sticker or a photo answered once, with the question or the link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.tokens import UploadLinks
from hsdt.texts import typed
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock

TOKEN = "779:wording-test-token"
LINK = "http://bot.example/u/"


class Chat:
    def __init__(self, server: FakeZaloServer, channel: ZaloChannel) -> None:
        self.server, self.channel = server, channel

    async def send(self, update: dict[str, object]) -> list[str]:
        before = len(self.server.messages("u1"))
        await self.channel.handle_update(update)
        return [m.text for m in self.server.messages("u1")[before:]]

    async def say(self, text: str) -> list[str]:
        return await self.send(self.server.push_text("u1", text))


@pytest.fixture
async def chat(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str], clock: Clock) -> AsyncIterator[Chat]:
    links = UploadLinks(b"wording-test-secret-0123456789ab", "http://bot.example", timedelta(minutes=30), clock)
    dispatcher.hooks["zalo"] = ZaloMenus()
    async with FakeZaloServer(TOKEN) as server:
        channel = ZaloChannel(ZaloBotClient(TOKEN, server.base_url), dispatcher, links, ZoneInfo("Asia/Ho_Chi_Minh"))
        try:
            await channel.handle_update(server.push_text("u1", codes["HT-HOASEN"]))
            yield Chat(server, channel)
        finally:
            await channel.client.close()


def _no_pressing(text: str) -> None:
    assert "bấm" not in text.lower() and "«" not in text, text


async def test_screens_are_worded_for_typing_and_explain_the_numbers(chat: Chat) -> None:
    [multi] = await chat.say("/tudanhgia")
    assert "Tiêu chí 1/12" in multi and "gõ “Xong”" in multi and typed.OPTIONS_HINT_NUMBERS in multi
    _no_pressing(multi)
    [count_pair] = await chat.say("Bỏ qua")
    assert "Tiêu chí 2/12" in count_pair and "[a]" in count_pair and typed.OPTIONS_HINT_LETTERS in count_pair
    for _ in range(8):
        [screen] = await chat.say("Bỏ qua")
        _no_pressing(screen)
    assert "Tiêu chí 10/12" in screen and typed.SA_HOW_EVIDENCE in screen and LINK in screen
    assert "Gửi một hoặc nhiều tệp PDF" not in screen
    [needs_file] = await chat.say("đã có")  # text at a question that takes files
    assert typed.SA_EVIDENCE_NEEDS_FILE in needs_file and LINK in needs_file and "Tiêu chí 10/12" in needs_file
    _no_pressing(needs_file)


async def test_a_sticker_gets_the_question_again_not_a_pdf_request(chat: Chat) -> None:
    await chat.say("/tudanhgia")
    [answer] = await chat.send(chat.server.push_sticker("u1"))
    assert typed.OTHER_CONTENT in answer and "Tiêu chí 1/12" in answer and typed.OPTIONS_HINT_NUMBERS in answer
    assert "PDF" not in answer
    for _ in range(9):
        await chat.say("Bỏ qua")
    [at_evidence] = await chat.send(chat.server.push_sticker("u1"))
    assert typed.OTHER_CONTENT in at_evidence and "Tiêu chí 10/12" in at_evidence and LINK in at_evidence


async def test_a_sticker_outside_a_flow_gets_the_menu(chat: Chat) -> None:
    [answer] = await chat.send(chat.server.push_sticker("u1"))
    assert typed.OTHER_CONTENT in answer and "[1] 📝 Tự đánh giá" in answer and "PDF" not in answer


async def test_a_photo_gets_one_answer_with_the_upload_link(chat: Chat) -> None:
    sent = await chat.send(chat.server.push_image("u1"))
    assert len(sent) == 1, sent
    [answer] = sent
    assert typed.PHOTO in answer and LINK in answer
    # Nothing tells the user to attach a file in Zalo, which cannot carry one.
    assert "Tệp/File" not in answer and "chưa nhận được tệp" not in answer
