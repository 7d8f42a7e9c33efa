"""The real bot process (`hsdt run`, configured only by its environment) with the Sở's OA against the
fake OA: killed with SIGKILL between the commit of a turn and its send, the reply still arrives, once;
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hsdt.cli.zalo_oa import connect
from hsdt.config import Settings
from tests.bot.durable_support import Database, database, run_bot  # noqa: F401
from tests.bot.test_telegram_e2e import BotProcess, pki  # noqa: F401
from tests.bot.zalo_oa_support import REDIRECT_URI, environment
from tests.bot.zalo_support import channel_bot, free_port
from tests.fakes.zalo_oa_server import FakeOAUser, FakeZaloOAServer
from tests.signatures.testpki import TestPKI


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloOAServer]:
    async with FakeZaloOAServer() as server:
        server.retry_delays_s = [0.5, 1.0, 2.0]
        yield server


def oa_env(fake: FakeZaloOAServer) -> dict[str, str]:
    return {"ZALO_OA_APP_ID": fake.app_id, "ZALO_OA_APP_SECRET": fake.app_secret, "ZALO_OA_OA_ID": fake.oa_id,
            "ZALO_OA_OA_SECRET_KEY": fake.oa_secret_key, "ZALO_OA_REDIRECT_URI": REDIRECT_URI,
            "ZALO_OA_API_BASE": fake.base_url, "ZALO_OA_OAUTH_BASE": fake.base_url,
            # A refused send waits this long in the process that is about to be killed.
            "ZALO_OA_RATE_RETRY_S": "600"}


async def say(fake: FakeZaloOAServer, user: FakeOAUser, text: str, expect: str, timeout: float = 60) -> None:
    fake.user_sends_text(user, text)
    await fake.wait_for_message(user, lambda m: expect in m.text, timeout=timeout)


async def test_kill_between_commit_and_send_on_the_oa(
    tmp_path: Path, fake: FakeZaloOAServer, pki: TestPKI, database: Database,  # noqa: F811
) -> None:
    env = oa_env(fake)
    # The OA admin connects the OA before the bot starts.
    with environment(dict(env)):
        printed: list[str] = []
        settings = Settings(database_url=database.url, _env_file=None)
        assert await connect(settings, lambda _p: fake.approve(printed[-1].split("\n")[1]), printed.append) == 0
    port = free_port()
    process: BotProcess = channel_bot(tmp_path, pki.trust_dir, port, **env)
    fake.webhook_url = f"http://127.0.0.1:{port}/zalo-oa/{fake.oa_id}/webhook"
    async with run_bot(process, database) as bot:
        user = fake.add_user()
        fake.answer_deadline_s = 5.0
        fake.retry_delays_s = [2.0] * 60  # until the process is up and answers
        fake.follows(user)
        await fake.wait_for_message(user, timeout=180)
        fake.retry_delays_s = [0.5, 1.0, 2.0]
        await say(fake, user, database.codes["HT-HOASEN"], "Đăng ký thành công")
        fake.set_rate_limit(0)  # every send refused for now: the reply is committed but cannot go out
        fake.user_sends_text(user, "/tudanhgia")
        await fake.wait_until(lambda: any(code == -32 for _, code in fake.refused), timeout=30, what="a refusal")
        bot.kill()
        fake.set_rate_limit(None)
        bot.start()
        await fake.wait_for_message(user, lambda m: "Tiêu chí 1/12" in m.text, timeout=180)
        await say(fake, user, "9", "Tiêu chí 2/12")
        await asyncio.sleep(1.0)
        assert sum(1 for m in user.seen if "Tiêu chí 1/12" in m.text) == 1
        assert sum(1 for m in user.seen if "Tiêu chí 2/12" in m.text) == 1
        log = bot.log.read_text(errors="replace")
        assert fake.app_secret not in log and fake.oa_secret_key not in log
