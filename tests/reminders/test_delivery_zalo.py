"""Reminders reach Zalo users too: the sender registry builds a Zalo sender from the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from hsdt.app.bootstrap import App, wire_channels
from hsdt.channels.outbox import OutboxDelivery
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.unit_of_work import UnitOfWork
from tests.bot.zalo_support import ZALO_TOKEN
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock
from tests.present import present
from tests.reminders.test_delivery import queue_first_reminder


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(ZALO_TOKEN) as server:
        yield server


async def test_reminder_is_delivered_on_zalo(
    engine: Engine, clock: Clock, codes: dict[str, str], zalo: FakeZaloServer, tmp_path: Path
) -> None:
    with UnitOfWork(engine) as uow:
        apply_roster(uow, [UnitRow("MN-Z1", "Trường Mầm non Zalo", "school", "PGD-TN")],
                     [UserRow("HT-Z1", "Hiệu trưởng Zalo", "principal", "MN-Z1")],
                     invite_ttl=timedelta(days=1), now=clock())
        uow.identities.bind("zalo", "zalo-user-1", present(present(uow.users.by_code("HT-Z1")).id), None)
    settings = Settings(_env_file=None, zalo_bot_token=SecretStr(ZALO_TOKEN), zalo_api_base=zalo.base_url,
                        data_dir=tmp_path, files_dir=tmp_path / "files", upload_base_url="http://127.0.0.1:9")
    app = App(settings=settings, engine=engine, checker=None,
              dispatcher=Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), clock=clock,
                                    router=build_router()))
    senders = wire_channels(app).senders
    assert set(senders) == {"zalo"}
    assert queue_first_reminder(engine, clock) >= 1
    try:
        stats = await OutboxDelivery(engine, senders, clock=clock).drain()
    finally:
        await app.aclose()
        app.dispatcher.close()
    assert stats.sent >= 1
    messages = zalo.messages("zalo-user-1")
    assert len(messages) == 1
    # Zalo has no buttons: the resume button becomes a numbered option.
    assert "chưa gửi kết quả tự đánh giá" in messages[0].text and "[1]" in messages[0].text
