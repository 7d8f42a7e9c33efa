"""A number typed at a question means the option shown under that number on that question's screen, on
every channel: after criterion 1 = categories 1, 3, 5, criterion 5 lists only those three as 1, 2, 3, and
"1,2" is categories 1 and 3 (5 points, no rule broken), never the rubric's first two (one of which was
never shown). The real bot process against the fake Zalo and Telegram servers, and the terminal chat."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import Answer
from hsdt.texts.levels import Structure
from tests.bot.test_cli_terminal import demo_codes, hsdt  # noqa: F401
from tests.bot.test_telegram_e2e import USER as TELEGRAM_USER
from tests.bot.test_telegram_e2e import BotProcess, db_rows, expect, pki, server  # noqa: F401
from tests.bot.zalo_support import ZALO_TOKEN, channel_bot, free_port
from tests.fakes.telegram_server import FakeTelegramServer
from tests.fakes.zalo_server import FakeZaloServer
from tests.present import present
from tests.reports.demo2026 import seed_2026
from tests.signatures.testpki import TestPKI

ZALO_USER = "7a1c00d5189df1c3a88c"
SHOWN = ["c1", "c3", "c5"]
CATEGORY_1_AND_3 = "Hồ sơ quản lý trẻ em; Kế hoạch phát triển nhà trường"


@pytest.fixture
def workdir_2026(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A 2026-2027 campaign for communes with the default rubric (criterion 5 ⊆ criterion 1)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    upgrade(engine)
    codes = seed_2026(engine, Structure.COMMUNE, datetime.now(UTC))
    engine.dispose()
    return tmp_path, codes


def _start(process: BotProcess) -> Iterator[BotProcess]:
    process.start()
    yield process
    process.stop()
    if process.proc is not None and process.proc.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
        print(process.log.read_text(errors="replace"))


def _stored(path: Path, criterion: str) -> Answer:
    [answer] = [a for a in db_rows(path, Answer) if a.criterion_id == criterion and a.kind == "self"]
    return answer


# --- Zalo ------------------------------------------------------------------------------------------------


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(ZALO_TOKEN) as fake:
        yield fake


@pytest.fixture
def zalo_bot(workdir_2026: tuple[Path, dict[str, str]], zalo: FakeZaloServer, pki: TestPKI) -> Iterator[BotProcess]:  # noqa: F811
    yield from _start(channel_bot(workdir_2026[0], pki.trust_dir, free_port(),
                                  ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE=zalo.base_url))


async def test_zalo(zalo: FakeZaloServer, zalo_bot: BotProcess, workdir_2026: tuple[Path, dict[str, str]]) -> None:
    path, codes = workdir_2026

    async def say(text: str, expect_text: str) -> str:
        zalo.push_text(ZALO_USER, text)
        return (await zalo.wait_for_message(ZALO_USER, lambda m: expect_text in m.text, timeout=30)).text

    await zalo.wait_until(lambda: zalo.calls_of("getUpdates"), timeout=60, what="bot polling")
    await say(codes["HT-HOASEN"], "Đăng ký thành công")
    await say("1", "Tiêu chí 1/12")
    await say("1,3,5", "Tiêu chí 2/12")  # a partial criterion 1
    for typed, following in (("2/2", "Tiêu chí 3/12"), ("20/5", "Tiêu chí 4/12")):
        await say(typed, following)
    fifth = await say("0/0", "Tiêu chí 5/12")
    # The screen numbers only the three categories set up.
    assert "[1] ⬜ Hồ sơ quản lý trẻ em" in fifth and "[2] ⬜ Kế hoạch phát triển" in fifth
    assert "[3] ⬜ Hồ sơ quản lý tài sản" in fifth and "[4] ✅ Xong" in fifth
    saved = await say("1,2", "Tiêu chí 6/12")
    assert f"✔️ 5. Danh mục hồ sơ có văn bản ký số: {CATEGORY_1_AND_3}" in saved and "— 5 điểm" in saved
    assert "nhưng ở tiêu chí 1" not in saved  # no rule broken
    answer = _stored(path, "5")
    assert answer.value == {"options": ["c1", "c3"]} and answer.points == 5.0


# --- Telegram ----------------------------------------------------------------------------------------------


@pytest.fixture
def telegram_bot(workdir_2026: tuple[Path, dict[str, str]], server: FakeTelegramServer,  # noqa: F811
                 pki: TestPKI) -> Iterator[BotProcess]:  # noqa: F811
    yield from _start(BotProcess(workdir_2026[0], server.base_url, pki.trust_dir))


async def test_telegram(server: FakeTelegramServer, telegram_bot: BotProcess,  # noqa: F811
                        workdir_2026: tuple[Path, dict[str, str]]) -> None:
    path, codes = workdir_2026
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    server.push_text(TELEGRAM_USER, f"/start {codes['HT-HOASEN']}")
    await expect(server, "Thầy/Cô chọn một chức năng")
    server.push_text(TELEGRAM_USER, "/tudanhgia")
    await expect(server, "Tiêu chí 1/12")
    for typed, following in (("1,3,5", "Tiêu chí 2/12"), ("2/2", "Tiêu chí 3/12"), ("20/5", "Tiêu chí 4/12")):
        server.push_text(TELEGRAM_USER, typed)
        await expect(server, following)
    server.push_text(TELEGRAM_USER, "0/0")
    fifth = await expect(server, "Tiêu chí 5/12")
    # A label a phone would cut becomes the number one may type: its place in the list shown, 1 to 3.
    assert "2. ⬜ Kế hoạch phát triển" in present(fifth.text) and "3. ⬜ Hồ sơ quản lý tài sản" in present(fifth.text)
    assert "4. " not in present(fifth.text) and "6. " not in present(fifth.text)
    server.push_text(TELEGRAM_USER, "1,2")
    await expect(server, "Tiêu chí 6/12")
    answer = _stored(path, "5")
    assert answer.value == {"options": ["c1", "c3"]} and answer.points == 5.0


# --- the terminal ------------------------------------------------------------------------------------------


def test_terminal(tmp_path: Path, demo_codes: dict[str, str]) -> None:  # noqa: F811
    """`hsdt demo` (this school year's campaign, the default rubric) and `hsdt run` through stdin."""
    script = "\n".join([demo_codes["HT-HOASEN"], "1", "1,3,5", "2/2", "20/5", "0/0", "1,2", "/thoat"]) + "\n"
    result = hsdt(["run"], tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    fifth = out[out.index("Tiêu chí 5/12"):]
    assert "[1] ⬜ Hồ sơ quản lý trẻ em" in fifth and "[3] ⬜ Hồ sơ quản lý tài sản" in fifth
    assert f"✔️ 5. Danh mục hồ sơ có văn bản ký số: {CATEGORY_1_AND_3}" in fifth and "— 5 điểm" in fifth
    assert "Tiêu chí 6/12" in fifth and "nhưng ở tiêu chí 1" not in fifth
