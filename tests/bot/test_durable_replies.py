"""Every reply arrives: the real bot process against a fake Bot API server that fails on purpose
(5xx, dropped connections, repeated 429s, slow answers, SIGKILL between commit and send), on SQLite
and PostgreSQL. Each event's replies arrive once; none is lost and no answer moves."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hsdt.storage.models import Answer, ProcessedEvent
from tests.bot.durable_support import Database, database, run_bot  # noqa: F401
from tests.bot.test_telegram_e2e import TOKEN, USER, BotProcess, at_question_2, expect, pki  # noqa: F401
from tests.fakes.telegram_server import FakeTelegramServer
from tests.signatures.testpki import TestPKI


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(tmp_path: Path, server: FakeTelegramServer, pki: TestPKI, database: Database  # noqa: F811
              ) -> AsyncIterator[BotProcess]:
    async with run_bot(BotProcess(tmp_path, server.base_url, pki.trust_dir), database) as process:
        yield process


def delivered(server: FakeTelegramServer, fragment: str, chat_id: int = USER) -> int:
    """How many times the user was shown a message with `fragment` (new messages and edits)."""
    return sum(1 for call in server.calls
               if call.ok and call.method in ("sendMessage", "editMessageText")
               and str(call.params.get("chat_id")) == str(chat_id) and fragment in str(call.params.get("text", "")))


def answers(db: Database) -> dict[str, object]:
    return {a.criterion_id: a.value for a in db.rows(Answer)}


async def test_every_reply_arrives_once_through_errors_drops_and_flood_waits(
    server: FakeTelegramServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    server.inject_error("sendMessage", 502, "Bad Gateway", times=2)
    server.push_text(USER, f"/start {database.codes['HT-HOASEN']}")
    await expect(server, "Thầy/Cô chọn một chức năng")
    server.inject_fault("sendMessage", "drop", times=2)
    server.push_text(USER, "/tudanhgia")
    question = await expect(server, "Tiêu chí 1/12")
    for method in ("sendMessage", "editMessageText"):
        server.inject_error(method, 429, "Too Many Requests: retry after 1", retry_after=1, times=3)
    server.press_button(USER, question, "Bỏ qua")
    await server.wait_until(lambda: delivered(server, "Tiêu chí 2/12") == 1, timeout=30, what="question 2 shown")
    server.inject_fault("sendMessage", "delay", seconds=2.0)
    server.inject_error("sendMessage", 500, "Internal Server Error", times=1)
    server.push_text(USER, "12/10")
    await expect(server, "Tiêu chí 3/12")
    server.push_text(USER, "20/18")
    await expect(server, "Tiêu chí 4/12")
    await asyncio.sleep(1.0)  # a late duplicate would show here
    for fragment in ("Thầy/Cô chọn một chức năng", "Tiêu chí 1/12", "Tiêu chí 2/12", "Tiêu chí 3/12", "Tiêu chí 4/12"):
        assert delivered(server, fragment) == 1, fragment
    assert server.dropped_calls and server.rejected_429 >= 0
    assert answers(database) == {"B1": {"issued": 12, "used": 10}, "B2": {"issued": 20, "used": 18}}
    await server.wait_until(lambda: all(e.settled_at is not None for e in database.rows(ProcessedEvent)),
                            timeout=10, what="every event's replies confirmed")


async def test_kill_between_commit_and_send_then_the_reply_arrives_once(
    server: FakeTelegramServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    await at_question_2(server, database.codes["HT-HOASEN"])
    sent_before = len(server.calls_of("sendMessage"))
    server.inject_fault("sendMessage", "hold", chat_id=USER)
    server.push_text(USER, "12/10")
    await server.wait_until(lambda: any(c.status is None for c in server.calls_of("sendMessage")[sent_before:]),
                            timeout=30, what="the first reply's send held")
    assert answers(database) == {"B1": {"issued": 12, "used": 10}}  # committed before the send
    bot.kill()  # SIGKILL while the reply is on its way
    server.release()
    await server.wait_until(lambda: bool(server.abandoned_calls), timeout=10, what="held send abandoned")
    assert delivered(server, "Tiêu chí 3/12") == 0
    bot.start()
    await expect(server, "Tiêu chí 3/12", timeout=60)
    server.push_text(USER, "20/18")
    await expect(server, "Tiêu chí 4/12")
    await asyncio.sleep(1.0)
    assert delivered(server, "Tiêu chí 3/12") == 1
    assert delivered(server, "Tiêu chí 4/12") == 1
    # The answer typed after the restart is B2's, the question the user was shown.
    assert answers(database) == {"B1": {"issued": 12, "used": 10}, "B2": {"issued": 20, "used": 18}}


async def _latency(server: FakeTelegramServer, user: int) -> float:
    started = time.monotonic()
    server.push_text(user, "/help")
    await server.wait_for_message(user, predicate=lambda m: "mã mời" in (m.text or ""), timeout=20)
    return time.monotonic() - started


async def test_a_slow_download_does_not_hold_up_another_user(
    server: FakeTelegramServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    other = USER + 1
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    await _latency(server, other)  # the first answer warms the process up
    before = [await _latency(server, other) for _ in range(5)]
    server.delay_downloads(10.0)
    server.push_document(USER, b"%PDF-1.7 slow", "cham.pdf")
    await server.wait_until(lambda: bool(server.calls_of("getFile")), timeout=20, what="download started")
    during = [await _latency(server, other) for _ in range(5)]
    assert not server.downloads, "the download was still running while the other user was answered"
    # The bound the deployment promises: one user's slow update adds at most 100 ms to another's answer.
    assert statistics.median(during) - statistics.median(before) < 0.1, (before, during)
    await server.wait_for_message(USER, timeout=30)  # the slow user is answered too, after the download


async def test_secrets_never_reach_the_log(
    server: FakeTelegramServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    server.push_text(USER, f"/start {database.codes['HT-HOASEN']}")
    await expect(server, "Thầy/Cô chọn một chức năng")
    server.inject_fault("getUpdates", "drop")  # the polling path
    server.inject_error("getUpdates", 502, "Bad Gateway")
    server.fail_downloads(500)  # the download path: aiohttp's error quotes the file URL, token and all
    server.push_document(USER, b"%PDF-1.7 x", "loi.pdf")
    await expect(server, "không tải được tệp")
    server.inject_fault("sendMessage", "drop")  # the send path
    server.push_text(USER, "/help")
    await expect(server, "/tudanhgia")
    await bot.stop_async()
    log = bot.log.read_text(errors="replace")
    assert "download of loi.pdf failed" in log and "getUpdates" in log and "sending to" in log
    assert "<redacted>" in log  # a line carried the token and was scrubbed
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
