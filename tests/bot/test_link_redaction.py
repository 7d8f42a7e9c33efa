"""No link token (upload, download, dashboard sign-in) reaches the log, whatever fails: links that are
forged, expired or used, routes that fail with a token in their path, and sends refused by a platform
that quotes what it was sent (the photo URL, the text with its upload link) in its error."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import Engine

from hsdt.app.bootstrap import App
from hsdt.channels.outbox import OutboxDelivery
from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.render import ZaloSender, ZaloTurns
from hsdt.config import Settings
from hsdt.events import Document, Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.downloads import DownloadLinks, Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.redaction import redact_secrets
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.config import WebConfig
from hsdt.web.dashboard.auth import SignInLinks
from hsdt.web.server import make_web_app
from tests.conftest import seed
from tests.helpers import ChatDriver, Clock

SECRET = "redaction-test-link-key-0123456789"
BASE = "http://bot.example"
TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class QuotingPlatform:
    """A chat platform that refuses every send and quotes the request in its error, as an HTTP API that
    echoes a bad parameter does: the Zalo Bot API's envelope, `ok: false`, HTTP 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []

    async def handle(self, request: web.Request) -> web.Response:
        params = await request.json()
        self.requests.append(params)
        quoted = json.dumps(params, ensure_ascii=False)
        refusal = {"ok": False, "error_code": 400, "description": f"Bad Request: cannot deliver {quoted}"}
        return web.json_response(refusal)


@pytest.fixture
async def platform() -> AsyncIterator[tuple[QuotingPlatform, str]]:
    quoting = QuotingPlatform()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", quoting.handle)
    async with TestServer(app) as server:
        yield quoting, str(server.make_url("")).rstrip("/")


def _path(url: str) -> str:
    return url.removeprefix(BASE)


async def test_no_link_token_reaches_the_log_on_any_error_path(
    sqlite_engine: Engine, clock: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    platform: tuple[QuotingPlatform, str],
) -> None:
    engine = sqlite_engine
    codes = seed(engine, clock())
    caplog.set_level(logging.INFO)
    redact_secrets()  # what the composition root does once the log handlers are in place
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    ChatDriver(dispatcher, "chat-1").enrol(codes["HT-HOASEN"])
    with UnitOfWork(engine) as uow:
        identity = uow.identities.find("test", "chat-1")
        assert identity is not None
        user_id = identity.user_id
        uow.identities.bind("zalo", "zalo-1", user_id, "Hoa")
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files",
                        upload_base_url=BASE, upload_secret=SECRET)
    ttl = timedelta(minutes=30)
    uploads = UploadLinks(SECRET.encode(), BASE, ttl, clock)
    downloads = Downloads(DownloadLinks(SECRET.encode(), BASE, ttl, clock), tmp_path / "downloads", engine)
    sign_in = SignInLinks(SECRET.encode(), BASE, ttl, clock)
    app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None, links=uploads,
              downloads=downloads)
    quoting, api = platform
    client = ZaloBotClient("777:redaction-test", api)
    zalo = ZaloSender(ZaloTurns(client, dispatcher, uploads, ZoneInfo("Asia/Ho_Chi_Minh"), downloads=downloads))
    issued: list[str] = []

    def mint(url: str) -> str:
        issued.append(url.rsplit("/", 1)[1])
        return _path(url)

    try:
        async with TestClient(TestServer(make_web_app(app, WebConfig(links=uploads, clock=clock)))) as web_client:
            # Bad links of every kind: forged, expired, used.
            used = mint(uploads.issue("test", "chat-1", user_id, "chk:file")[0])
            assert dispatcher.spend_link(uploads.verify(used.rsplit("/", 1)[1]).nonce, user_id, "chk:file")
            expired_upload = mint(uploads.issue("test", "chat-1", user_id, "chk:file")[0])
            expired_sign_in = mint(sign_in.issue(user_id)[0])
            clock.advance(minutes=31)
            forged = mint(uploads.issue("test", "chat-1", user_id, "chk:file")[0])[:-4] + "AAAA"
            for path in (used, expired_upload, forged, expired_sign_in, forged.replace("/u/", "/d/"),
                         forged.replace("/u/", "/bang-dieu-khien/vao/")):
                for method in ("GET", "POST"):
                    response = await web_client.request(method, path)
                    assert 400 <= response.status < 500, (method, path, response.status)

            # Routes that fail with a token in their path.
            (tmp_path / "files").mkdir(exist_ok=True)
            (tmp_path / "files" / "tmp").write_text("not a folder")  # the upload page cannot keep the file
            upload = mint(uploads.issue("test", "chat-1", user_id, "chk:file")[0])
            form = {"files": ("a.pdf", b"%PDF-1.7 x", "application/pdf")}
            assert (await web_client.post(upload, data=form)).status == 400
            offer = downloads.offer("test", "chat-1", Document("bang.xlsx", b"PK\x03\x04 bang", "application/zip"))
            assert offer is not None
            download = mint(offer.url)
            for meta in (tmp_path / "downloads").glob("*.json"):
                meta.write_text("{broken")  # the download page cannot read what it serves
            assert (await web_client.get(download)).status == 400
            with engine.begin() as conn:  # the dashboard cannot read its links
                conn.execute(text("ALTER TABLE used_dashboard_link RENAME TO used_dashboard_link_gone"))
            sign_in_path = mint(sign_in.issue(user_id)[0])
            assert (await web_client.get(sign_in_path)).status == 500

        # Sends refused by a platform that quotes them: a chart by URL (a download link), then the text
        # with an upload link, through the outbox as a reminder goes.
        with pytest.raises(Exception, match="cannot deliver"):
            await zalo.send("zalo-1", [Reply("Biểu đồ", image=Document("bieu-do.png", b"\x89PNG chart", "image/png"))])
        dispatcher.notify(user_id, [Reply("Thầy/Cô gửi kế hoạch giáo dục.", upload="chk:file")], "reminder", "r-1")
        outbox = OutboxDelivery(engine, {"zalo": zalo})
        await outbox.drain()
    finally:
        await client.close()

    quoted = [TOKEN.findall(json.dumps(r, ensure_ascii=False)) for r in quoting.requests]
    issued += [token for tokens in quoted for token in tokens]
    assert any(quoted), "the platform was sent links"
    log = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    # No token, nor its signature, is in any line…
    for token in issued:
        payload, _, signature = token.partition(".")
        assert payload not in log and (not signature or signature not in log), token
    # …though every error path was taken and logged.
    for line in ("POST /u/{token} failed", "GET /d/{token} failed",
                 "dashboard page /bang-dieu-khien/vao/{token} failed"):
        assert line in log, line
    for line in ("sendPhoto to zalo-1 failed", "send to zalo/zalo-1 refused for good"):  # quoting a link
        assert any(line in r.getMessage() and "<redacted>" in r.getMessage() for r in caplog.records), line
    assert "<redacted>" in log
