"""The real bot process (`hsdt run`, configured only by its environment) with the Sở's OA against the
fake OA, on SQLite and PostgreSQL: killed with SIGKILL between the commit of a turn and its send, the
reply still arrives, once; killed after the webhook answered 200 for a PDF still being downloaded
(Zalo sends it no more), the next start checks it, or says to send it again if its URL has died."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hsdt.cli.zalo_oa import connect
from hsdt.config import Settings
from hsdt.storage.zalo_oa_models import ZaloOAInbox
from tests.bot.durable_support import Database, database, run_bot  # noqa: F401
from tests.bot.test_telegram_e2e import BotProcess, pki  # noqa: F401
from tests.bot.zalo_oa_support import REDIRECT_URI, environment
from tests.bot.zalo_support import channel_bot, free_port
from tests.fakes.zalo_oa_server import FakeOAUser, FakeZaloOAServer
from tests.signatures.testpki import TestPKI, make_pdf, sign_pdf


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


async def connected_bot(tmp_path: Path, fake: FakeZaloOAServer, pki: TestPKI, database: Database,  # noqa: F811
                        **extra: str) -> BotProcess:
    """`hsdt run` with the OA, which its admin connected before the bot starts."""
    env = oa_env(fake) | extra
    with environment(dict(env)):
        printed: list[str] = []
        settings = Settings(database_url=database.url, _env_file=None)
        assert await connect(settings, lambda _p: fake.approve(printed[-1].split("\n")[1]), printed.append) == 0
    port = free_port()
    fake.webhook_url = f"http://127.0.0.1:{port}/zalo-oa/{fake.oa_id}/webhook"
    return channel_bot(tmp_path, pki.trust_dir, port, **env)


async def enrol(fake: FakeZaloOAServer, database: Database) -> FakeOAUser:  # noqa: F811
    user = fake.add_user()
    fake.answer_deadline_s = 5.0
    fake.retry_delays_s = [2.0] * 60  # until the process is up and answers
    fake.follows(user)
    await fake.wait_for_message(user, timeout=180)
    fake.retry_delays_s = [0.5, 1.0, 2.0]
    await say(fake, user, database.codes["HT-HOASEN"], "Đăng ký thành công")
    return user


async def test_kill_between_commit_and_send_on_the_oa(
    tmp_path: Path, fake: FakeZaloOAServer, pki: TestPKI, database: Database,  # noqa: F811
) -> None:
    process = await connected_bot(tmp_path, fake, pki, database)
    async with run_bot(process, database) as bot:
        user = await enrol(fake, database)
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


@pytest.fixture(scope="module")
def signed(pki: TestPKI) -> bytes:  # noqa: F811
    return sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=datetime(2024, 10, 15, 2, 30, tzinfo=UTC))


async def test_files_answered_200_before_their_check_survive_a_kill(
    tmp_path: Path, fake: FakeZaloOAServer, pki: TestPKI, database: Database, signed: bytes,  # noqa: F811
) -> None:
    process = await connected_bot(tmp_path, fake, pki, database, ZALO_OA_INTAKE_GRACE_S="2")
    async with run_bot(process, database) as bot:
        user = await enrol(fake, database)
        fake.file_delay_s = 600.0  # Zalo's file host hangs: the webhook answers 200 while the download waits
        sent = [fake.user_sends_file(user, signed, name) for name in ("ke-hoach.pdf", "bao-cao.pdf")]
        bodies = [fake.encode(payload) for payload in sent]
        await fake.wait_until(lambda: all(any(d.body == body and d.status == 200 for d in fake.deliveries)
                                          for body in bodies), timeout=30, what="both files answered 200")
        assert not any("ke-hoach.pdf" in m.text or "bao-cao.pdf" in m.text for m in user.seen)
        bot.kill()  # answered, so Zalo will not send them again; the check never finished
        assert sum(1 for row in database.rows(ZaloOAInbox) if row.applied_at is None) == 2
        fake.file_delay_s = 0.0
        fake.expire_file(sent[1]["message"]["attachments"][0]["payload"]["url"])  # its URL died meanwhile
        deliveries = len(fake.deliveries)
        bot.start()
        verdict = await fake.wait_for_message(user, lambda m: "ke-hoach.pdf" in m.text, timeout=120)
        assert "Hợp lệ" in verdict.text, verdict.text
        again = await fake.wait_for_message(user, lambda m: "bao-cao.pdf" in m.text, timeout=60)
        assert "không tải được tệp" in again.text and "gửi lại" in again.text, again.text
        await say(fake, user, "/danhmuc", "chọn một chức năng")
        assert len(fake.deliveries) == deliveries + 1  # nothing was sent again by Zalo: the bot kept them
        assert sum(1 for m in user.seen if "ke-hoach.pdf" in m.text) == 1
        assert sum(1 for m in user.seen if "bao-cao.pdf" in m.text) == 1
        assert all(row.applied_at is not None for row in database.rows(ZaloOAInbox))
