"""The Zalo adapter in process: what a typed number means survives a restart (it lives in the database)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.bot.upload_links import UploadLinks
from hsdt.bot.zalo import ZaloChannel, ZaloMenus, unwrap
from hsdt.bot.zalo_client import ZaloBotClient
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import Answer
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock

TOKEN = "777:adapter-test-token"


def _adapter(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, server: FakeZaloServer,
             clock: Clock) -> ZaloChannel:
    links = UploadLinks(b"adapter-test-secret-0123456789ab", "http://bot.example", timedelta(minutes=30), clock)
    dispatcher.hooks["zalo"] = ZaloMenus()
    return ZaloChannel(ZaloBotClient(TOKEN, server.base_url), dispatcher, links, ZoneInfo("Asia/Ho_Chi_Minh"))


def test_unwrap_accepts_wrapped_and_bare_bodies() -> None:
    update = {"event_name": "message.text.received", "message": {"text": "x"}}
    assert unwrap({"ok": True, "result": update}) == update == unwrap(update)
    assert unwrap({"ok": True, "result": [update]}) == update
    assert unwrap({"ok": True, "result": None}) is None and unwrap("nonsense") is None


async def test_numbered_options_survive_a_restart(
    engine: Engine, dispatcher: Dispatcher, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    async with FakeZaloServer(TOKEN) as server:
        first = _adapter(engine, dispatcher, tmp_path, server, clock)
        try:
            for text in (codes["HT-HOASEN"], "/tudanhgia"):
                await first.handle_update(server.push_text("u1", text))
            assert "Tiêu chí 1/12" in server.messages("u1")[-1].text
        finally:
            await first.client.close()
        second = _adapter(engine, dispatcher, tmp_path, server, clock)  # a new process: no memory but the DB
        try:
            await second.handle_update(server.push_text("u1", "9"))  # [9] ⏭ Bỏ qua
            assert "Tiêu chí 2/12" in server.messages("u1")[-1].text
            for typed in ("1/1", "1/1", "1/1", "1,2", "1", "1", "50", "Có"):
                await second.handle_update(server.push_text("u1", typed))
            evidence = server.messages("u1")[-1].text
            assert "Tiêu chí 10/12" in evidence and "http://bot.example/u/" in evidence
        finally:
            await second.client.close()
    assert len(server.calls_of("sendMessage")) == 11  # one message per turn


async def test_a_message_older_than_one_applied_is_not_read_out_of_turn(
    engine: Engine, dispatcher: Dispatcher, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    """Two workers: the user's "9" (skip) reached one and was applied; their earlier "1,2,3" reaches
    the other only now. Read against today's question it would answer the wrong one: it is kept out."""
    async with FakeZaloServer(TOKEN) as server:
        adapter = _adapter(engine, dispatcher, tmp_path, server, clock)
        try:
            for text in (codes["HT-HOASEN"], "/tudanhgia"):
                await adapter.handle_update(server.push_text("u1", text))
            earlier = server.push_text("u1", "1,2,3")
            later = server.push_text("u1", "9")  # [9] ⏭ Bỏ qua
            earlier["message"]["date"] = later["message"]["date"] - 1500
            await adapter.handle_update(later)
            assert "Tiêu chí 2/12" in server.messages("u1")[-1].text
            sent = len(server.calls_of("sendMessage"))
            await adapter.handle_update(earlier)
            assert len(server.calls_of("sendMessage")) == sent
        finally:
            await adapter.client.close()
    with UnitOfWork(engine) as uow:
        assert list(uow.session.exec(select(Answer))) == []
        assert uow.events.stored("zalo", f"{adapter.scope}:{earlier['message']['message_id']}") is not None
