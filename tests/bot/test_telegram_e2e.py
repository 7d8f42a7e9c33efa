"""The real bot process against a fake Telegram Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlmodel import SQLModel, select

from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import Answer, Evidence, Submission
from hsdt.storage.unit_of_work import UnitOfWork
from tests.bot.launcher import Child, start_hsdt
from tests.conftest import seed
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage
from tests.present import present
from tests.signatures.testpki import TestPKI, build_pki, make_pdf, sign_pdf

TOKEN = "123456:TEST-TOKEN"
USER = 5001


class BotProcess:
    """`hsdt run` in a child process, configured only through its environment."""

    def __init__(self, workdir: Path, api_base: str, trust_dir: Path, *, fork: bool = True) -> None:
        """`fork`: start it from the preloaded server (tests/bot/launcher.py) instead of a new interpreter."""
        self.workdir = workdir
        self.fork = fork
        self.log = workdir / "bot.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.sqlite3'}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": api_base,
            "DATA_DIR": str(workdir / "data"),
            "FILES_DIR": str(workdir / "data" / "files"),
            "TRUST_DIR": str(trust_dir),
            "SEED_DEMO": "false",
            "LOG_LEVEL": "INFO",
        }
        self.proc: Child | None = None

    def start(self) -> None:
        self.proc = start_hsdt(["run"], self.env, self.workdir, self.log, fork=self.fork)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s. Blocks: from an async test use `stop_async`, or a fake
        platform served by the test's event loop cannot answer the sends the bot finishes on its way out,
        and the bot waits its whole grace period for them."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    async def stop_async(self, grace_s: float = 10.0) -> None:
        """`stop` while the event loop goes on serving the fake platform."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        deadline = time.monotonic() + grace_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()

    def print_log_if_failed(self) -> None:
        if self.proc is not None and self.proc.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            print(self.log.read_text(errors="replace"))


@contextlib.asynccontextmanager
async def running(process: BotProcess) -> AsyncIterator[BotProcess]:
    """The bot for the length of a fixture: stopped while the fake platform still answers; its log
    printed if it ended badly."""
    process.start()
    try:
        yield process
    finally:
        await process.stop_async()
        process.print_log_if_failed()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_pdf(pki: TestPKI) -> bytes:
    return sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=datetime(2024, 10, 15, 2, 30, tzinfo=UTC))


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    upgrade(engine)
    codes = seed(engine, datetime.now(UTC))
    engine.dispose()
    return tmp_path, codes


@pytest.fixture
async def bot(workdir: tuple[Path, dict[str, str]], server: FakeTelegramServer, pki: TestPKI,
              request: pytest.FixtureRequest) -> AsyncIterator[BotProcess]:
    # The newcomer's journey starts the bot as an operator does, `python -m hsdt.cli run`; the others
    # fork it from the preloaded server (tests/bot/launcher.py).
    process = BotProcess(workdir[0], server.base_url, pki.trust_dir,
                         fork=request.node.name != "test_principal_from_invite_to_submission")
    async with running(process):
        yield process


async def expect(server: FakeTelegramServer, fragment: str, timeout: float = 30.0) -> SentMessage:
    return await server.wait_for_message(USER, predicate=lambda m: fragment in (m.text or ""), timeout=timeout)


async def answer_until_evidence(server: FakeTelegramServer, first: SentMessage) -> SentMessage:
    """Answer A1..D2 from question 1, pressing buttons and typing like a principal."""
    question = first
    for label in ("trẻ em", "nhân sự"):
        server.press_button(USER, question, label)
        question = await expect(server, "Đang chọn: Hồ sơ quản lý trẻ em" if label == "trẻ em" else "nhân sự")
    server.press_button(USER, question, "Xong")
    await expect(server, "Tiêu chí 2/12")
    for typed, next_question in (("12/10", "Tiêu chí 3/12"), ("20/18", "Tiêu chí 4/12"), ("5/5", "Tiêu chí 5/12"),
                                 ("1,2,3,4", "Tiêu chí 6/12")):
        server.push_text(USER, typed)
        question = await expect(server, next_question)
    server.press_button(USER, question, "Đầy đủ")
    question = await expect(server, "Tiêu chí 7/12")
    server.press_button(USER, question, "Một phần")
    await expect(server, "Tiêu chí 8/12")
    server.push_text(USER, "85")
    question = await expect(server, "Tiêu chí 9/12")
    server.press_button(USER, question, "Có")
    return await expect(server, "Tiêu chí 10/12")


async def at_question_2(server: FakeTelegramServer, code: str) -> None:
    """Enrol, open the questionnaire, skip question 1."""
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    server.push_text(USER, f"/start {code}")
    await expect(server, "Thầy/Cô chọn một chức năng")
    server.push_text(USER, "/tudanhgia")
    question = await expect(server, "Tiêu chí 1/12")
    server.press_button(USER, question, "Bỏ qua")
    await expect(server, "Tiêu chí 2/12")


M = TypeVar("M", bound=SQLModel)


def db_rows(workdir: Path, model: type[M]) -> list[M]:
    engine = make_engine(f"sqlite:///{workdir / 'bot.sqlite3'}")
    try:
        with UnitOfWork(engine) as uow:
            return list(uow.session.exec(select(model)).all())
    finally:
        engine.dispose()


async def test_principal_from_invite_to_submission(
    server: FakeTelegramServer, bot: BotProcess, workdir: tuple[Path, dict[str, str]], signed_pdf: bytes
) -> None:
    """A newcomer from the invite to the submission: at most one new message per question, plus the
    review and the confirmation; answered questions are edited into one line without buttons."""
    path, codes = workdir
    # This bot is a new interpreter (see the `bot` fixture): importing aiogram alone takes ~9 s of CPU,
    # minutes on a machine loaded by other test processes.
    await server.wait_for_calls("getUpdates", 1, timeout=240)
    menus = list(server.commands.values())
    assert [c["command"] for c in menus[0]][:2] == ["tudanhgia", "kiemtra"]
    server.push_text(USER, f"/start {codes['HT-HOASEN']}")
    menu = await expect(server, "chọn một chức năng")
    before = len(server.messages(USER))
    server.press_button(USER, menu, "Tự đánh giá")
    first = await expect(server, "Tiêu chí 1/12")
    await answer_until_evidence(server, first)
    signed = signed_pdf
    server.push_document(USER, signed, "ke-hoach-giao-duc.pdf")
    # The question becomes a line pointing below, where one status message lists the files.
    status = await expect(server, "Minh chứng tiêu chí E1")
    assert "Hợp lệ" in present(status.text) and "Nguyễn Thị Hồng Nhung" in present(status.text)
    assert "✅ ke-hoach-giao-duc.pdf" in present(status.text) and not status.edited
    server.press_button(USER, status, "Xong")
    question = await expect(server, "Tiêu chí 11/12")
    server.press_button(USER, question, "Đạt")
    await expect(server, "Tiêu chí 12/12")
    server.push_text(USER, "Không có ý kiến.")
    review = await expect(server, "Xem lại phiếu tự đánh giá")
    server.press_button(USER, review, "Gửi kết quả tự đánh giá")
    confirm = await expect(server, "xác nhận gửi kết quả")
    assert confirm.message_id == review.message_id  # shown in place of the review
    server.press_button(USER, confirm, "Đồng ý gửi")
    done = await expect(server, "Đã gửi kết quả tự đánh giá")
    # A1 4 + B1 6.67 + B2 9 + B3 6 + B4 16 + C1 10 + C2 5 + D1 6.8 + D2 2 + E1 6 + E2 4 = 75.47
    assert "75,47/100" in present(done.text) and "Khá" in present(done.text)
    await server.wait_until(lambda: not server.unanswered_callbacks(), timeout=10, what="callbacks answered")

    sent = server.messages(USER)[before:]
    assert len(sent) <= 12 + 2, "\n".join(m.describe() for m in sent)  # 12 questions, the review, the result
    answered = [m for m in sent if m.text and m.text.startswith("✔️")]
    assert len(answered) == 12 and all(m.edited and not m.buttons for m in answered), \
        "\n".join(m.describe() for m in answered)
    assert not any("Đã lưu câu" in (m.text or "") for m in sent)
    # The instructions of a kind of question are shown once, then behind the button.
    assert sum("ví dụ: 3/2" in (v.text or "") for m in sent for v in m.history[:1]) == 1
    submission = db_rows(path, Submission)[0]
    assert submission.status == "submitted" and submission.total == 75.47
    assert len(db_rows(path, Answer)) == 12
    evidence = db_rows(path, Evidence)
    assert [(e.criterion_id, e.status) for e in evidence] == [("E1", "valid")]
    assert (path / "data" / "files" / evidence[0].sha256[:2] / f"{evidence[0].sha256}.pdf").read_bytes() == signed


async def test_kill_mid_questionnaire_and_resume(
    server: FakeTelegramServer, bot: BotProcess, workdir: tuple[Path, dict[str, str]]
) -> None:
    path, codes = workdir
    await at_question_2(server, codes["HT-HOASEN"])
    server.push_text(USER, "12/10")
    await expect(server, "Tiêu chí 3/12")
    server.push_text(USER, "20/18")
    await expect(server, "Tiêu chí 4/12")
    bot.kill()
    # Typed while the bot was down: Telegram keeps it until a new process confirms it.
    server.push_text(USER, "5/4")
    bot.start()
    await expect(server, "Tiêu chí 5/12", timeout=60)
    server.push_text(USER, "/tudanhgia")
    resumed = await expect(server, "Tiếp tục phiếu tự đánh giá")
    assert resumed is not None
    await expect(server, "Tiêu chí 5/12")
    values = {a.criterion_id: a.value for a in db_rows(path, Answer)}
    assert values == {"B1": {"issued": 12, "used": 10}, "B2": {"issued": 20, "used": 18},
                      "B3": {"issued": 5, "used": 4}}


async def test_duplicate_update_is_applied_once(
    server: FakeTelegramServer, bot: BotProcess, workdir: tuple[Path, dict[str, str]]
) -> None:
    path, codes = workdir
    await at_question_2(server, codes["HT-HOASEN"])
    update_id = server.push_text(USER, "12/10")
    await expect(server, "Tiêu chí 3/12")
    original = next(u for u in server.pushed_updates if u["update_id"] == update_id)
    server.push_raw(original)
    server.push_text(USER, "20/18")
    await expect(server, "Tiêu chí 4/12")
    from hsdt.storage.models import AnswerAudit

    assert [a.criterion_id for a in db_rows(path, AnswerAudit)] == ["B1", "B2"]


async def test_photo_and_non_pdf_document_are_explained(
    server: FakeTelegramServer, bot: BotProcess, workdir: tuple[Path, dict[str, str]]
) -> None:
    _, codes = workdir
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    server.push_text(USER, f"/start {codes['CB-HB-01']}")
    await expect(server, "Thầy/Cô chọn một chức năng")
    server.push_document(USER, b"PK\x03\x04 not a pdf", "bang-diem.xlsx", mime_type="application/vnd.ms-excel")
    await expect(server, "bang-diem.xlsx")
    server.push_document(USER, b"%PDF-1.7", "lon.pdf", declared_size=30 * 1024 * 1024)
    await expect(server, "quá lớn")



async def test_upload_page_button_on_telegram(
    server: FakeTelegramServer, workdir: tuple[Path, dict[str, str]], pki: TestPKI, signed_pdf: bytes
) -> None:
    """With the web server on, a question that takes PDFs carries a one-time upload-page button."""
    import aiohttp

    from tests.bot.zalo_support import free_port
    from tests.fakes.telegram_server import button_url

    path, codes = workdir
    port = free_port()
    process = BotProcess(path, server.base_url, pki.trust_dir)
    process.env.update({"WEB_HOST": "127.0.0.1", "WEB_PORT": str(port), "UPLOAD_BASE_URL": f"http://127.0.0.1:{port}",
                        "UPLOAD_SECRET": "test-upload-secret-0123456789abcdef"})
    process.start()
    try:
        await at_question_2(server, codes["HT-HOASEN"])
        server.push_text(USER, "/kiemtra")
        prompt = await expect(server, "gửi tệp PDF")
        url = button_url(prompt, "trang web")
        assert url.startswith(f"http://127.0.0.1:{port}/u/")
        data = aiohttp.FormData()
        data.add_field("files", signed_pdf, filename="qua-trang-web.pdf", content_type="application/pdf")
        async with aiohttp.ClientSession() as http, http.post(url, data=data) as result:
            page = await result.text()
        assert result.status == 200 and "Hợp lệ" in page
        in_chat = await expect(server, "qua-trang-web.pdf")
        assert "Hợp lệ" in present(in_chat.text)
    finally:
        await process.stop_async()
