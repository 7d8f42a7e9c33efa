"""The fake Zalo server behaves like the platform (and the thin client copes with it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from hsdt.channels.zalo_bot.client import ZaloApiError, ZaloBotClient, ZaloNetworkError
from hsdt.redaction import MASK, RedactSecrets
from tests.fakes.zalo_server import FakeZaloServer
from tests.present import present

TOKEN = "12345:zalo-secret-token"


@pytest.fixture
async def server() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(TOKEN, poll_cap_s=0.3) as fake:
        yield fake


async def test_envelope_and_one_update_per_poll(server: FakeZaloServer) -> None:
    async with ZaloBotClient(TOKEN, server.base_url) as client:
        assert (await client.get_me())["account_name"] == "bot.HsdtTest"
        assert await client.get_updates(timeout=5) is None  # idle poll: HTTP 408
        first = server.push_text("u1", "xin chào")
        server.push_text("u1", "lần hai")
        update = await client.get_updates(timeout=5)
        assert update == first  # one object, not a list
        assert present(await client.get_updates(timeout=5))["message"]["text"] == "lần hai"
        assert await client.get_updates(timeout=5) is None  # no offset: delivered once


async def test_errors_arrive_with_http_200_and_are_raised(server: FakeZaloServer) -> None:
    async with ZaloBotClient(TOKEN, server.base_url) as client:
        with pytest.raises(ZaloApiError) as error:
            await client.send_message("u1", "x" * 2001)
        assert error.value.error_code == 400
        await client.set_webhook("https://bot.example/zalo/webhook", "s3cret-abc")
        with pytest.raises(ZaloApiError, match="webhook"):
            await client.get_updates(timeout=1)
        assert (await client.get_webhook_info())["url"] == "https://bot.example/zalo/webhook"
        await client.delete_webhook()
        assert await client.get_updates(timeout=1) is None
        with pytest.raises(ZaloApiError):
            await client.set_webhook("https://bot.example/x", "short")


async def test_wrong_token_and_redaction(server: FakeZaloServer, caplog: pytest.LogCaptureFixture) -> None:
    async with ZaloBotClient("999:wrong", server.base_url) as client:
        with pytest.raises(ZaloApiError) as error:
            await client.get_me()
        assert error.value.error_code == 401
    async with ZaloBotClient(TOKEN, "http://127.0.0.1:1") as client:
        with pytest.raises(ZaloNetworkError) as failure:
            await client.get_me()
        assert TOKEN not in str(failure.value)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "calling %s", (f"/bot{TOKEN}/getMe",), None)
    redaction = RedactSecrets()
    redaction.add(TOKEN)
    redaction.filter(record)
    assert TOKEN not in record.getMessage() and MASK in record.getMessage()


async def test_sent_messages_are_recorded_in_order(server: FakeZaloServer) -> None:
    async with ZaloBotClient(TOKEN, server.base_url) as client:
        await client.send_message("u1", "một")
        await client.send_photo("u1", "https://example.invalid/p.png", caption="ảnh")
        await client.send_chat_action("u1", "typing")
    assert (await server.wait_for_message("u1")).text == "một"
    photo = await server.wait_for_message("u1")
    assert (photo.kind, photo.text, photo.photo) == ("photo", "ảnh", "https://example.invalid/p.png")
    assert [m.kind for m in server.messages("u1")] == ["text", "photo"]


async def test_webhook_push_carries_the_secret(server: FakeZaloServer) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append((request.headers.get("X-Bot-Api-Secret-Token", ""), await request.json()))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{server.base_url}/bot{TOKEN}/setWebhook"
            async with http.post(url, json={"url": f"http://127.0.0.1:{port}/hook", "secret_token": "s3cret-abc"}):
                pass
        update = server.push_text("u2", "qua webhook")
        await server.wait_until(lambda: len(server.deliveries) == 1, what="webhook delivery")
        assert seen == [("s3cret-abc", {"ok": True, "result": update})]
        server.wrap_webhook = False
        delivery = await server.deliver_webhook(update, secret="wrong-secret")
        assert delivery.status == 200 and seen[-1] == ("wrong-secret", update)
    finally:
        await runner.cleanup()
