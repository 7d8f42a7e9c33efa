"""Vietnamese commands with the English ones kept as aliases, and Telegram's command menu set per
role for each chat once it enrols (setMyCommands with a chat scope, against the fake Bot API)."""

from __future__ import annotations

import asyncio
import json
from itertools import count

from sqlalchemy.engine import Engine

from hsdt.channels.telegram.client import make_bot
from hsdt.channels.telegram.receive import TelegramChannel
from hsdt.events import Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from tests.fakes.telegram_server import FakeTelegramServer

TOKEN = "123456:commands-test-token"
_ids = count(1)


def _say(dispatcher: Dispatcher, user: str, text: str) -> list[Reply]:
    kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
    return dispatcher.handle_sync(Incoming(channel="test", user_ref=user, event_id=f"cmd-{next(_ids)}",
                                           kind=kind, text=text))


def test_vietnamese_commands_and_their_english_aliases(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    _say(dispatcher, "so", codes["SO-01"])
    help_vi, help_en = _say(dispatcher, "so", "/huongdan"), _say(dispatcher, "so", "/help")
    assert [r.text for r in help_vi] == [r.text for r in help_en]
    assert "/danhmuc" in help_vi[0].text and "/huongdan" in help_vi[0].text and "/baocao" in help_vi[0].text
    assert "/help" not in help_vi[0].text and "/menu" not in help_vi[0].text and "/report " not in help_vi[0].text
    assert [r.text for r in _say(dispatcher, "so", "/danhmuc")] == [r.text for r in _say(dispatcher, "so", "/menu")]
    report_vi, report_en = _say(dispatcher, "so", "/baocao"), _say(dispatcher, "so", "/report")
    assert report_vi[0].text == report_en[0].text and "Lệnh" not in report_vi[0].text
    assert _say(dispatcher, "anonymous", "/huongdan")[0].text == _say(dispatcher, "anonymous", "/help")[0].text


def _chat_menu(server: FakeTelegramServer, chat: int) -> list[str] | None:
    key = (json.dumps({"type": "chat", "chat_id": chat}, sort_keys=True), "")
    found = server.commands.get(key)
    return None if found is None else [c["command"] for c in found]


async def test_each_chat_gets_the_command_menu_of_its_role(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    async with FakeTelegramServer(TOKEN) as server:
        bot = make_bot(TOKEN, server.base_url)
        channel = TelegramChannel(bot, dispatcher, None, poll_timeout=1)
        await channel.setup()
        stop = asyncio.Event()
        polling = asyncio.create_task(channel.run(stop))
        try:
            server.push_text(601, "/huongdan")  # not enrolled yet: no menu of its own
            await server.wait_for_message(601, None, 30)
            assert _chat_menu(server, 601) is None
            server.push_text(601, f"/start {codes['HT-HOASEN']}")
            server.push_text(602, codes["CB-HB-01"])  # a code typed, not a deep link
            for chat in (601, 602):
                await server.wait_for_message(chat, lambda m: "chọn một chức năng" in (m.text or ""), 30)
            for _ in range(100):
                if _chat_menu(server, 601) is not None and _chat_menu(server, 602) is not None:
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await polling
            await channel.close()
            await bot.session.close()
    principal, inspector = _chat_menu(server, 601), _chat_menu(server, 602)
    assert principal is not None and inspector is not None
    assert {"tudanhgia", "danhmuc", "huongdan", "huy"} <= set(principal) and "chamdiem" not in principal
    assert "chamdiem" in inspector and "tudanhgia" not in inspector
    default = server.commands[(json.dumps({"type": "default"}), "")]
    names = {c["command"] for c in default}
    assert {"huongdan", "danhmuc", "baocao"} <= names and not names & {"help", "menu", "report"}
