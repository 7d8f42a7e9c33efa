"""The Zalo adapter in process: what a typed number means survives a restart (it lives in the database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt import texts as messages
from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.channels.zalo_bot.translate import UNSUPPORTED_FILE, to_event, unwrap
from hsdt.events import Handled, Incoming, Kind
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.tokens import UploadLinks
from hsdt.storage.models import Answer
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock

TOKEN = "777:adapter-test-token"


def _adapter(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, server: FakeZaloServer,
             clock: Clock, orphan_grace_s: float = 15.0) -> ZaloChannel:
    links = UploadLinks(b"adapter-test-secret-0123456789ab", "http://bot.example", timedelta(minutes=30), clock)
    dispatcher.hooks["zalo"] = ZaloMenus()
    return ZaloChannel(ZaloBotClient(TOKEN, server.base_url), dispatcher, links, ZoneInfo("Asia/Ho_Chi_Minh"),
                       orphan_grace_s=orphan_grace_s)


def test_unwrap_accepts_wrapped_and_bare_bodies() -> None:
    update = {"event_name": "message.text.received", "message": {"text": "x"}}
    assert unwrap({"ok": True, "result": update}) == update == unwrap(update)
    assert unwrap({"ok": True, "result": [update]}) == update
    assert unwrap({"ok": True, "result": None}) is None and unwrap("nonsense") is None


def _session() -> aiohttp.ClientSession:
    raise AssertionError("nothing is downloaded here")


def test_updates_of_every_shape_seen_read_as_typed_events() -> None:
    def text(body: object) -> Incoming | None:
        update = unwrap(body)
        return to_event(update, "777", _session) if update is not None else None

    message = {"message_id": 9001, "date": "1733800000000", "text": 42,
               "from": {"id": 123, "display_name": "Cô Hoa", "is_bot": False}, "chat": {"id": "c-1"}}
    bare = {"event_name": "message.text.received", "message": message}
    for body in (bare, {"ok": True, "result": bare}, {"ok": True, "result": [bare]}, {"result": bare}):
        event = text(body)
        assert event is not None and event.kind is Kind.TEXT and event.text == "42"
        assert (event.user_ref, event.event_id, event.display_name) == ("123", "777:9001", "Cô Hoa")
        assert event.sequence == 1733800000000
    unnamed_photo = {"message": {"from": {"id": "u2"}, "photo": "https://x/p.jpg", "caption": "ảnh", "date": True}}
    photo = text(unnamed_photo)
    assert photo is not None and photo.kind is Kind.PHOTO and photo.text == "ảnh" and photo.sequence is None
    flat_file = {"event_name": "message.pdf.received",
                 "message": {"from": {"id": "u3"}, "file_url": "https://x/a.pdf", "file_name": "a.pdf", "size": "12"}}
    nested_file = {"event_name": "message.file.received",
                   "message": {"from": {"id": "u3"}, "file": {"name": "no url"},
                               "document": {"url": "https://x/b.pdf", "file_name": "b.pdf", "file_size": 7}}}
    for body, name, size in ((flat_file, "a.pdf", 12), (nested_file, "b.pdf", 7)):
        event = text(body)
        assert event is not None and event.kind is Kind.DOCUMENT and event.file is not None
        assert (event.file.name, event.file.size) == (name, size)
    no_url = text({"event_name": "message.file.received", "message": {"from": {"id": "u3"}, "file": {"x": 1}}})
    assert no_url is not None and no_url.kind is Kind.OTHER and no_url.payload == UNSUPPORTED_FILE
    sticker = text({"event_name": "message.sticker.received", "message": {"from": {"id": "u4"}}})
    assert sticker is not None and sticker.kind is Kind.OTHER and sticker.event_id.startswith("777:h:")
    # No sender, a bot, or nothing an update could be: ignored, never an error.
    junk: object
    for junk in ({"message": {"text": "x"}}, {"message": {"from": {"id": "b", "is_bot": True}, "text": "x"}},
                 {"message": "text"}, {"message": {"from": "someone", "text": "x"}}, {"event_name": 5}, [], "x"):
        assert text(junk) is None, junk


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
    the other only now. Read against today's question it would answer the wrong one: it is kept out,
    and the user is told it came late and shown the question now on screen (never silence)."""
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
            await adapter.handle_update(earlier)
            late = "\n".join(m.text for m in server.messages("u1")[-2:])
            assert messages.LATE_MESSAGE.format(text="1,2,3") in late
            assert "Tiêu chí 2/12" in server.messages("u1")[-1].text
        finally:
            await adapter.client.close()
    with UnitOfWork(engine) as uow:
        assert list(uow.session.exec(select(Answer))) == []
        assert uow.events.stored("zalo", f"{adapter.scope}:{earlier['message']['message_id']}") is not None


async def _applied_then_copied(copy_to: ZaloChannel, server: FakeZaloServer, dispatcher: Dispatcher,
                               codes: dict[str, str]) -> tuple[Incoming, Handled]:
    """A principal enrols and types "/tudanhgia"; another worker applies it (nothing sent yet), and
    Zalo's copy of the message reaches `copy_to`."""
    await copy_to.handle_update(server.push_text("u1", codes["HT-HOASEN"]))
    update = server.push_text("u1", "/tudanhgia")
    event = copy_to.event_of(update)
    assert event is not None
    handled = await dispatcher.process(event)
    await copy_to.handle_update(update)
    return event, handled


async def test_a_copy_of_a_turn_whose_worker_died_gets_its_replies_after_the_grace(
    engine: Engine, dispatcher: Dispatcher, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    """The worker that applied "/tudanhgia" died between commit and send; Zalo's copy of the message
    reaches this worker, which leaves the turn to the first for a grace period, then sends it itself,
    once. Nothing is lost and nothing is shown twice."""
    async with FakeZaloServer(TOKEN) as server:
        survivor = _adapter(engine, dispatcher, tmp_path, server, clock, orphan_grace_s=0.3)
        try:
            # The first worker committed, then was killed before sending; the copy reaches this one.
            event, _ = await _applied_then_copied(survivor, server, dispatcher, codes)
            assert not any("Tiêu chí 1/12" in m.text for m in server.messages("u1")), "not before the grace"
            await server.wait_for_message("u1", lambda m: "Tiêu chí 1/12" in m.text, timeout=10)
            await asyncio.sleep(0.5)
            assert sum("Tiêu chí 1/12" in m.text for m in server.messages("u1")) == 1
            assert (stored := dispatcher.stored("zalo", event.event_id)) is not None and stored.settled
        finally:
            await survivor.close()
            await survivor.client.close()


async def test_a_copy_of_a_turn_its_worker_is_sending_adds_no_message(
    engine: Engine, dispatcher: Dispatcher, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    async with FakeZaloServer(TOKEN) as server:
        first = _adapter(engine, dispatcher, tmp_path, server, clock)
        second = _adapter(engine, dispatcher, tmp_path, server, clock, orphan_grace_s=0.3)
        try:
            event, handled = await _applied_then_copied(second, server, dispatcher, codes)
            assert first.delivery.claim(event.event_id)
            await first.delivery.send(event.event_id, "u1", handled.replies, handled.first, None)  # ... in time
            await asyncio.sleep(0.8)
            assert sum("Tiêu chí 1/12" in m.text for m in server.messages("u1")) == 1
        finally:
            for adapter in (first, second):
                await adapter.close()
                await adapter.client.close()
