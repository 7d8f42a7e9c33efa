"""The report reaches every channel: on Telegram a refused photo costs nothing but the photo (its
caption arrives with a download link), on Zalo the chart goes by URL and the workbook through a
one-time link, both fetched here over real HTTP from the bot's web server."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from hsdt.channels.telegram.client import make_bot
from hsdt.channels.telegram.receive import TelegramChannel
from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import DownloadLinks, Downloads
from hsdt.web.downloads import register
from tests.fakes.telegram_server import FakeTelegramServer
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import Clock
from tests.ports import free_port

ZALO_TOKEN = "888:report-test-token"
TELEGRAM_TOKEN = "123456:report-test-token"
LINK = re.compile(r"https?://\S+/d/[\w.-]+")


@pytest.fixture
async def downloads(engine: Engine, tmp_path: Path, clock: Clock) -> AsyncIterator[Downloads]:
    """The bot's web server with the download routes, on a real port."""
    port = free_port()
    links = DownloadLinks(b"download-test-secret-0123456789", f"http://127.0.0.1:{port}", timedelta(minutes=30), clock)
    found = Downloads(links, tmp_path / "downloads", engine)
    web_app = web.Application()
    register(web_app, found)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield found
    await runner.cleanup()


async def _fetch(url: str, method: str = "GET") -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.request(method, url) as response:
        return response.status, await response.read(), dict(response.headers)


async def _download(url: str) -> tuple[int, bytes, dict[str, str]]:
    """What a phone does: open the page (a link preview may do only this), then press the button."""
    status, page, _ = await _fetch(url)
    assert status == 200 and "Tải tệp về máy" in page.decode() and 'method="post"' in page.decode()
    return await _fetch(url, "POST")


async def test_telegram_refused_photo_falls_back_to_a_link(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str], downloads: Downloads
) -> None:
    async with FakeTelegramServer(TELEGRAM_TOKEN) as server:
        bot = make_bot(TELEGRAM_TOKEN, server.base_url)
        channel = TelegramChannel(bot, dispatcher, None, poll_timeout=1, downloads=downloads)
        stop = asyncio.Event()
        polling = asyncio.create_task(channel.run(stop))
        try:
            server.push_text(501, f"/start {city['SO-01']}")
            await server.wait_for_message(501, lambda m: "chọn một chức năng" in (m.text or ""), 30)
            server.inject_error("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
            server.push_text(501, "/report")
            summary = await server.wait_for_message(501, lambda m: "Tổng hợp đến" in (m.text or ""), 60)
            fallback = await server.wait_for_message(501, lambda m: "/d/" in (m.text or ""), 60)
            # Summary and its buttons first; the chart's caption and a link where the photo would be.
            assert any("Tải Excel" in label for label in summary.button_labels)
            assert summary.message_id < fallback.message_id
            assert "Biểu đồ đánh giá công tác quản lý" in (fallback.text or "")
            assert "bieu-do.png" in (fallback.text or "")
            [url] = LINK.findall(fallback.text or "")
            status, body, _ = await _download(url)
            assert status == 200 and body.startswith(b"\x89PNG")
            assert (await _fetch(url, "POST"))[0] == 410  # used once
            # The rest of the bot still answers: the workbook as a document.
            server.press_button(501, summary, "Tải Excel")
            document = await server.wait_for_message(501, lambda m: m.kind == "document", 60)
            assert document.document is not None and document.document[0].endswith(".xlsx")
        finally:
            stop.set()
            await polling
            await channel.close()
            await bot.session.close()


async def test_zalo_user_gets_chart_and_workbook_through_links(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str], downloads: Downloads, tmp_path: Path,
    clock: Clock,
) -> None:
    dispatcher.hooks["zalo"] = ZaloMenus()
    async with FakeZaloServer(ZALO_TOKEN) as server:
        adapter = ZaloChannel(ZaloBotClient(ZALO_TOKEN, server.base_url), dispatcher, None,
                              ZoneInfo("Asia/Ho_Chi_Minh"), downloads=downloads)
        try:
            await adapter.handle_update(server.push_text("so", city["SO-01"]))
            await adapter.handle_update(server.push_text("so", "/report"))
            sent = server.messages("so")
            summary = next(m for m in sent if "Tổng hợp đến" in (m.text or ""))
            [photo] = [m for m in sent if m.kind == "photo"]
            assert sent.index(summary) < sent.index(photo)  # summary with its options, then the chart
            assert photo.photo is not None and "/d/" in photo.photo and "Biểu đồ" in (photo.text or "")
            status, png, headers = await _fetch(photo.photo)  # Zalo's servers fetch the picture by URL
            assert status == 200 and png.startswith(b"\x89PNG") and headers["Content-Type"] == "image/png"
            option = re.search(r"\[(\w+)\] 📥 Tải Excel", summary.text or "")
            assert option is not None, summary.text
            await adapter.handle_update(server.push_text("so", option.group(1)))
            offer = server.messages("so")[-1].text or ""
            assert "bao-cao-hsdt-" in offer and ".xlsx (" in offer and "KB)" in offer and "một lần" in offer
            [url] = LINK.findall(offer)
            status, body, headers = await _download(url)
            assert status == 200 and "filename*=UTF-8''bao-cao-hsdt-" in headers["Content-Disposition"]
            workbook = load_workbook(io.BytesIO(body))
            assert "PL1 MN-HOASEN" in workbook.sheetnames and "PL2 PGD-HB" in workbook.sheetnames
            assert (await _fetch(url, "POST"))[0] == 410
            forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
            assert (await _fetch(forged))[0] == 403
            clock.advance(minutes=31)
            await adapter.handle_update(server.push_text("so", option.group(1)))
            [late] = LINK.findall(server.messages("so")[-1].text or "")
            clock.advance(minutes=31)
            assert (await _fetch(late))[0] == 410  # expired
        finally:
            await adapter.close()
            await adapter.client.close()
