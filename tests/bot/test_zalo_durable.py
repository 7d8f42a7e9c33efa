"""Zalo's refusals never silence a reply, and every Zalo event is answered once: the real bot process
against the fake Zalo platform (5xx as `ok:false`, the monthly quota with HTTP 200, redelivery, a
SIGKILL between commit and send), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hsdt.storage.models import Answer
from tests.bot.durable_support import Database, database, run_bot  # noqa: F401
from tests.bot.test_telegram_e2e import BotProcess, pki  # noqa: F401
from tests.bot.zalo_support import ZALO_TOKEN, channel_bot, free_port
from tests.fakes.zalo_server import FakeZaloServer
from tests.signatures.testpki import TestPKI

USER = "e4ea2cd5189df1c3a88c"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/u/\S+")


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(ZALO_TOKEN) as server:
        yield server


@pytest.fixture
async def bot(tmp_path: Path, zalo: FakeZaloServer, pki: TestPKI, database: Database  # noqa: F811
              ) -> AsyncIterator[BotProcess]:
    process = channel_bot(tmp_path, pki.trust_dir, free_port(), ZALO_BOT_TOKEN=ZALO_TOKEN,
                          ZALO_API_BASE=zalo.base_url, ZALO_QUOTA_RETRY_S="0.5")
    async with run_bot(process, database) as started:
        yield started


def shown(zalo: FakeZaloServer, fragment: str) -> int:
    return sum(1 for m in zalo.messages(USER) if fragment in m.text)


async def say(zalo: FakeZaloServer, text: str, expect: str) -> None:
    zalo.push_text(USER, text)
    await zalo.wait_for_message(USER, lambda m: expect in m.text, timeout=30)


async def test_refusals_are_retried_and_every_event_answered_once(
    zalo: FakeZaloServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    await zalo.wait_until(lambda: zalo.calls_of("getUpdates"), timeout=60, what="bot polling")
    zalo.inject_error("sendMessage", 500, "Internal Server Error", times=2)  # ok:false, HTTP 200
    await say(zalo, database.codes["HT-HOASEN"], "Đăng ký thành công")
    zalo.set_quota(0)  # the plan's monthly messages are used up
    zalo.push_text(USER, "/tudanhgia")
    await zalo.wait_until(lambda: len(zalo.refused) >= 4, timeout=30, what="sends refused by the quota")
    assert shown(zalo, "Tiêu chí 1/12") == 0
    zalo.set_quota(None)  # the operator upgraded the plan
    await zalo.wait_for_message(USER, lambda m: "Tiêu chí 1/12" in m.text, timeout=30)
    await say(zalo, "9", "Tiêu chí 2/12")  # [9] Bỏ qua
    await say(zalo, "12/10", "Tiêu chí 3/12")
    # A file Zalo does not pass on, delivered twice (same message id): one upload link.
    unsupported = zalo.push_unsupported(USER)
    await zalo.wait_for_message(USER, lambda m: "Hệ thống chưa nhận được tệp" in m.text, timeout=30)
    zalo.redeliver(unsupported)
    text = zalo.push_text(USER, "12/10")
    zalo.redeliver(text)  # a redelivered answer is not applied again
    await zalo.wait_for_message(USER, lambda m: "Tiêu chí 4/12" in m.text, timeout=30)
    await asyncio.sleep(1.0)
    assert shown(zalo, "Hệ thống chưa nhận được tệp") == 1
    for fragment in ("Đăng ký thành công", "Tiêu chí 1/12", "Tiêu chí 2/12", "Tiêu chí 3/12", "Tiêu chí 4/12"):
        assert shown(zalo, fragment) == 1, fragment
    assert {a.criterion_id: a.value for a in database.rows(Answer)} == {
        "B1": {"issued": 12, "used": 10}, "B2": {"issued": 12, "used": 10}}
    log = bot.log.read_text(errors="replace")
    assert "Quota exceeded" in log and '"level": "ERROR"' in log  # reported to the operator
    assert ZALO_TOKEN not in log


async def test_kill_between_commit_and_send_on_zalo(
    zalo: FakeZaloServer, bot: BotProcess, database: Database  # noqa: F811
) -> None:
    await zalo.wait_until(lambda: zalo.calls_of("getUpdates"), timeout=60, what="bot polling")
    await say(zalo, database.codes["HT-HOASEN"], "Đăng ký thành công")
    zalo.set_quota(0)  # sends fail from here: the reply is committed but cannot go out
    zalo.push_text(USER, "/tudanhgia")
    await zalo.wait_until(lambda: len(zalo.refused) >= 1, timeout=30, what="a send refused")
    bot.kill()
    zalo.set_quota(None)
    bot.start()
    await zalo.wait_for_message(USER, lambda m: "Tiêu chí 1/12" in m.text, timeout=60)
    await say(zalo, "9", "Tiêu chí 2/12")
    await asyncio.sleep(1.0)
    assert shown(zalo, "Tiêu chí 1/12") == 1 and shown(zalo, "Tiêu chí 2/12") == 1
