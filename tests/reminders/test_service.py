"""The `hsdt run` reminders service end to end: two workers on one database, one leads, one message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hsdt.app.bootstrap import build
from hsdt.config import Settings
from hsdt.reminders import service
from hsdt.storage.types import utcnow
from tests.conftest import seed
from tests.fakes.telegram_server import FakeTelegramServer
from tests.reminders.test_scheduler import calendar_around_now, counts

TOKEN = "123456:TEST-TOKEN"


async def test_two_workers_one_leader_one_message(tmp_path: Path) -> None:
    async with FakeTelegramServer(token=TOKEN) as server:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", data_dir=tmp_path / "data",
            files_dir=tmp_path / "data" / "files", telegram_bot_token=TOKEN, telegram_api_base=server.base_url,
            seed_demo=False, reminder_sync_s=0.2, leader_retry_s=0.2, outbox_poll_s=0.1,
        )
        assert service.enabled(settings)
        apps = [build(settings, with_checker=False) for _ in range(2)]
        seed(apps[0].engine, utcnow())
        calendar_around_now(apps[0].engine)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(service.run(app, stop)) for app in apps]
        try:
            message = await server.wait_for_message(9001, timeout=20)
            assert "chưa gửi kết quả tự đánh giá" in (message.text or "")
            await asyncio.sleep(1.0)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for app in apps:
                app.close()
        assert len(server.messages(9001)) == 1
        assert counts(apps[0].engine) == (1, 1)
        assert (tmp_path / "bot.sqlite3.leader.lock").exists()
