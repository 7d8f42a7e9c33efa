"""Zalo's plan counts messages: every one sent is counted per channel and month in the database, the Sở
staff are warned once when 80% of the month's quota is used, a user's queued messages go out as one
digest, and `hsdt status` shows the month's count."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from hsdt.channels.outbox import OutboxDelivery
from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.cli.main import main
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.tokens import UploadLinks
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import OutboxMessage
from hsdt.storage.unit_of_work import UnitOfWork
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock

TOKEN = "778:quota-test-token"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _channel(engine: Engine, tmp_path: Path, server: FakeZaloServer, clock: Clock, quota: int) -> ZaloChannel:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files", message_quotas={"zalo": quota}),
                            clock=clock, router=build_router())
    dispatcher.hooks["zalo"] = ZaloMenus()
    links = UploadLinks(b"quota-test-secret-0123456789abcd", "http://bot.example", timedelta(minutes=30), clock)
    return ZaloChannel(ZaloBotClient(TOKEN, server.base_url), dispatcher, links, TZ)


def _count(engine: Engine, month: str = "2024-12") -> int:
    with UnitOfWork(engine) as uow:
        return uow.usage.count("zalo", month)


def _warnings(engine: Engine) -> list[OutboxMessage]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.exec(select(OutboxMessage).where(OutboxMessage.kind == "quota")).all())


async def test_sent_replies_are_counted_and_the_so_is_warned_once(
    engine: Engine, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    async with FakeZaloServer(TOKEN) as server:
        channel = _channel(engine, tmp_path, server, clock, quota=5)
        try:
            for text in (codes["HT-HOASEN"], "/tudanhgia", "9"):
                await channel.handle_update(server.push_text("u1", text))
                await channel.delivery.confirmations.flush()
            assert _count(engine) == len(server.calls_of("sendMessage")) == 3
            assert _warnings(engine) == []  # 3 of 5: below 80%
            for text in ("1/1", "1/1", "1/1"):
                await channel.handle_update(server.push_text("u1", text))
                await channel.delivery.confirmations.flush()
        finally:
            await channel.close()
            await channel.client.close()
            channel.dispatcher.close()
    assert _count(engine) == len(server.calls_of("sendMessage")) == 6
    warnings = _warnings(engine)
    assert len(warnings) == 1, "one warning a month, not one per message past 80%"
    text = Reply.from_json(warnings[0].replies[0]).text
    assert "4 trên 5 tin nhắn Zalo của tháng 12/2024 (80%" in text
    with UnitOfWork(engine) as uow:
        so_staff = uow.users.by_code("SO-01")
    assert so_staff is not None and warnings[0].user_id == so_staff.id


async def test_a_users_queued_messages_go_out_as_one_zalo_digest(
    engine: Engine, tmp_path: Path, codes: dict[str, str], clock: Clock
) -> None:
    with UnitOfWork(engine) as uow:
        principal = uow.users.by_code("HT-HOASEN")
        assert principal is not None and principal.id is not None
        uow.identities.bind("zalo", "u2", principal.id, None)
        uow.outbox.enqueue(principal.id, [Reply("Nhắc việc: còn 3 ngày.").to_json()], kind="reminder",
                           dedupe_key="rem:test:1", not_before=clock())
        uow.outbox.enqueue(principal.id, [Reply("Câu A1 đã được mở lại.").to_json()], kind="reopen",
                           not_before=clock())
    async with FakeZaloServer(TOKEN) as server:
        channel = _channel(engine, tmp_path, server, clock, quota=3000)
        try:
            delivery = OutboxDelivery(engine, {"zalo": channel.sender}, clock=clock, meters={"zalo": channel.meter},
                                      quotas={"zalo": 3000}, tz=TZ)
            stats = await delivery.drain()
        finally:
            await channel.client.close()
            channel.dispatcher.close()
    sent = server.messages("u2")
    assert len(sent) == 1 and "còn 3 ngày" in sent[0].text and "mở lại" in sent[0].text
    assert stats.sent == 2 and _count(engine) == 1
    with UnitOfWork(engine) as uow:
        left = uow.session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).all()
    assert list(left) == []


def test_status_shows_the_months_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'status.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        uow.usage.add("zalo", "2026-12", 2412)
        uow.usage.claim_warning("zalo", "2026-12", clock_now())
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ZALO_MONTHLY_QUOTA", "3000")
    assert main(["status", "--month", "2026-12"]) == 0
    out = capsys.readouterr().out
    assert "tháng 12/2026" in out and "Zalo: 2.412/3.000 tin nhắn (80% hạn mức của gói)" in out
    assert "đã báo cán bộ Sở" in out
    assert main(["status", "--month", "12-2026"]) == 2


def clock_now() -> datetime:
    from hsdt.storage.types import utcnow

    return utcnow()
