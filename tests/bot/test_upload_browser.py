"""A real browser (headless Chromium from Debian, driven by Playwright) on a phone-sized screen, with
JavaScript turned off, opens an upload link served by the real bot process, uploads a PDF signed by a
person and sealed by the school and sees the verdict, a row per signature. Screenshots go to
test-artifacts/ for review."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from hsdt.links.tokens import UploadLinks
from hsdt.storage.db import make_engine
from hsdt.storage.unit_of_work import UnitOfWork
from tests.bot.test_telegram_e2e import BotProcess, pki, signed_pdf, workdir  # noqa: F401
from tests.bot.zalo_support import channel_bot, free_port
from tests.required_tools import chromium
from tests.signatures.testpki import TestPKI, sign_pdf

CHROMIUM = chromium()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECRET = b"test-upload-secret-0123456789abcdef"  # as channel_bot sets UPLOAD_SECRET

pytestmark = pytest.mark.needs("chromium")


@pytest.fixture
def web_bot(workdir: tuple[Path, dict[str, str]], pki: TestPKI) -> Iterator[tuple[BotProcess, int]]:  # noqa: F811
    engine = make_engine(f"sqlite:///{workdir[0] / 'bot.sqlite3'}")
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code("HT-HOASEN")
        assert user is not None and user.id is not None
        uow.identities.bind("test", "browser-user", user.id, "Hoa")
    engine.dispose()
    port = free_port()
    process = channel_bot(workdir[0], pki.trust_dir, port)
    process.start()
    yield process, port
    process.stop()


@pytest.fixture(scope="module")
def sealed_pdf(signed_pdf: bytes, pki: TestPKI) -> bytes:  # noqa: F811
    """Signed by a person, then sealed by the school."""
    return sign_pdf(signed_pdf, pki.seal, "ConDau", signing_time=datetime(2024, 10, 15, 3, 0, tzinfo=UTC))


async def _wait_ready(port: int) -> None:
    import asyncio

    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot's web server did not start")


async def test_phone_browser_uploads_a_signed_pdf_and_sees_the_verdict(
    web_bot: tuple[BotProcess, int], workdir: tuple[Path, dict[str, str]], sealed_pdf: bytes,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.async_api import async_playwright

    _, port = web_bot
    await _wait_ready(port)
    engine = make_engine(f"sqlite:///{workdir[0] / 'bot.sqlite3'}")
    with UnitOfWork(engine) as uow:
        identity = uow.identities.find("test", "browser-user")
        assert identity is not None
        user_id = identity.user_id
    engine.dispose()
    links = UploadLinks(SECRET, f"http://127.0.0.1:{port}", timedelta(minutes=30), lambda: datetime.now(UTC))
    url, _ = links.issue("test", "browser-user", user_id, "chk:file")
    pdf = tmp_path / "bien-ban-kiem-tra.pdf"
    pdf.write_bytes(sealed_pdf)
    ARTIFACTS.mkdir(exist_ok=True)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                                is_mobile=True, has_touch=True, locale="vi-VN",
                                                java_script_enabled=False)
            page = await context.new_page()
            external: list[str] = []
            page.on("request", lambda r: external.append(r.url) if not r.url.startswith(links.base_url) else None)
            await page.goto(url)
            assert await page.locator("h1").inner_text() == "Tải văn bản đã ký số (PDF)"
            assert "Kiểm tra chữ ký số" in await page.locator("main").inner_text()
            await page.screenshot(path=str(ARTIFACTS / "upload-page-phone.png"), full_page=True)
            await page.set_input_files("input[type=file]", str(pdf))
            await page.get_by_role("button", name="Tải lên và kiểm tra").click()
            await page.wait_for_selector(".verdict", timeout=60_000)
            verdict = await page.locator("main").inner_text()
            assert "bien-ban-kiem-tra.pdf" in verdict and "Hợp lệ" in verdict
            assert "Nguyễn Thị Hồng Nhung" in verdict
            rows = page.locator("table.signatures tbody tr")
            assert await rows.count() == 2
            seal = await rows.nth(1).inner_text()
            assert "(chữ ký số của tổ chức, tức con dấu)" in seal and "15/10/2024 10:00" in seal
            await page.screenshot(path=str(ARTIFACTS / "upload-verdict-phone.png"), full_page=True)
            await page.goto(url)  # the same link again: used
            assert "đã được sử dụng" in await page.locator("main").inner_text()
            await page.screenshot(path=str(ARTIFACTS / "upload-link-used-phone.png"), full_page=True)
            assert external == []  # no external assets
        finally:
            await browser.close()
    assert (ARTIFACTS / "upload-verdict-phone.png").stat().st_size > 10_000
