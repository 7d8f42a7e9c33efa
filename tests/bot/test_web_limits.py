"""The bot's web server under hostile or broken clients, on SQLite and PostgreSQL: slow headers and
bodies are cut off, the byte cap holds while streaming and closes the connection, webhook JSON is
bounded, no route answers 500, and the data stays private on disk."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.engine import Engine

from hsdt.app.bootstrap import App, build
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.tokens import UploadLinks
from hsdt.redaction import MASK, RedactSecrets
from hsdt.storage.channels_models import UsedUploadLink
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.config import WebConfig
from hsdt.web.server import make_runner, make_web_app
from tests.helpers import ChatDriver, Clock
from tests.present import present

SECRET = b"unit-test-upload-secret-0123456789"
WEBHOOK_SECRET = "webhook-secret-123"


class NoZalo:
    """Stands in for the Zalo channel: the webhook tests stop at the limits, before any update."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    async def submit(self, update: dict[str, Any]) -> None:
        self.updates.append(update)


@pytest.fixture
async def server(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, clock: Clock,
                 ) -> AsyncIterator[tuple[str, UploadLinks, NoZalo]]:
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files", max_upload_mb=1)
    app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None)
    links = UploadLinks(SECRET, "http://bot.example", timedelta(minutes=30), clock)
    zalo = NoZalo()
    config = WebConfig(links=links, zalo=zalo, webhook_secret=WEBHOOK_SECRET, body_timeout_s=1.0)
    runner = make_runner(make_web_app(app, config), header_timeout_s=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"127.0.0.1:{port}", links, zalo
    await runner.cleanup()


def _buffered(reader: asyncio.StreamReader) -> bytearray:
    """What the reader holds unread (its private buffer: the stubs do not declare it)."""
    buffer: bytearray = vars(reader)["_buffer"]
    return buffer


async def _exchange(address: str, head: bytes, body: bytes = b"", *, stream: bytes | None = None,
                    ) -> tuple[bytes, int]:
    """Send raw HTTP; returns (everything the server said before closing, bytes of `stream` sent)."""
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + body)
    sent = 0
    if stream is not None:
        try:
            while sent < 200 * len(stream):
                writer.write(b"%x\r\n%s\r\n" % (len(stream), stream))
                await asyncio.wait_for(writer.drain(), 2)
                sent += len(stream)
                if reader.at_eof() or _buffered(reader):
                    break
        except (ConnectionError, TimeoutError):
            pass
    chunks: list[bytes] = []
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), 10):  # until the server closes
            chunks.append(chunk)
    except ConnectionResetError:  # closed with our bytes unread: what it said is still buffered
        chunks.append(bytes(_buffered(reader)))
    writer.close()
    return b"".join(chunks), sent


@pytest.fixture
def principal(dispatcher: Dispatcher, codes: dict[str, str]) -> ChatDriver:
    driver = ChatDriver(dispatcher, "chat-1")
    driver.enrol(codes["HT-HOASEN"])
    return driver


def _user_id(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        identity = uow.identities.find("test", "chat-1")
        assert identity is not None
        return identity.user_id


async def test_slow_headers_are_cut_off(server: tuple[str, UploadLinks, NoZalo]) -> None:
    address, _, _ = server
    started = asyncio.get_running_loop().time()
    answer, _ = await _exchange(address, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
    assert answer == b""  # closed without a request ever being handled
    assert asyncio.get_running_loop().time() - started < 5


async def test_a_streamed_body_over_the_cap_gets_413_and_the_connection_closes(
    server: tuple[str, UploadLinks, NoZalo], principal: ChatDriver, engine: Engine
) -> None:
    address, links, _ = server
    url, _ = links.issue("test", "chat-1", _user_id(engine), "chk:file")
    path = url.removeprefix(links.base_url)
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: multipart/form-data; boundary=zzz\r\n\r\n").encode()
    part = (b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF")
    answer, sent = await _exchange(address, head, b"%x\r\n%s\r\n" % (len(part), part), stream=b"0" * 65536)
    assert answer.startswith(b"HTTP/1.1 413") and b"Connection: close" in answer
    assert "quá lớn" in answer.decode("utf-8", "replace")
    assert sent < 200 * 65536  # the server stopped reading: the client could not send it all
    with UnitOfWork(engine) as uow:
        assert uow.session.get(UsedUploadLink, links.verify(path.rsplit("/", 1)[1]).nonce) is None


async def test_a_slow_body_is_cut_off(server: tuple[str, UploadLinks, NoZalo], principal: ChatDriver,
                                      engine: Engine) -> None:
    address, links, _ = server
    url, _ = links.issue("test", "chat-1", _user_id(engine), "chk:file")
    path = url.removeprefix(links.base_url)
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            "Content-Type: multipart/form-data; boundary=zzz\r\n\r\n").encode()
    answer, _ = await _exchange(address, head, b"--zzz\r\n")  # and then nothing more
    assert answer.startswith(b"HTTP/1.1 408") and "chậm" in answer.decode("utf-8", "replace")


async def test_webhook_bodies_are_bounded(server: tuple[str, UploadLinks, NoZalo]) -> None:
    address, _, zalo = server
    secret = f"X-Bot-Api-Secret-Token: {WEBHOOK_SECRET}\r\n"
    deep = b"[" * 200_000 + b"]" * 200_000  # over the size cap as well
    for body, status in ((deep, b"413"), (b"[" * 5000 + b"]" * 5000, b"400"), (b"{not json", b"400"),
                         (b'{"ok": true, "result": ' + b"[" * 40 + b"]" * 40 + b"}", b"400")):
        head = (f"POST /zalo/webhook HTTP/1.1\r\nHost: x\r\n{secret}Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode()
        answer, _ = await _exchange(address, head, body)
        assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert zalo.updates == []


async def test_an_evidence_link_used_while_the_chat_is_elsewhere_is_not_a_500(
    server: tuple[str, UploadLinks, NoZalo], principal: ChatDriver, engine: Engine
) -> None:
    address, links, _ = server
    school = principal.dispatcher  # the chat sits on the main menu, not on criterion E1
    assert school is not None
    with UnitOfWork(engine) as uow:
        unit_id = present(uow.users.get(_user_id(engine))).unit_id
    for content in (b"not a pdf at all", b"%PDF-1.7 not really"):
        url, _ = links.issue("test", "chat-1", _user_id(engine), f"sa:ev:{unit_id}:E1")
        path = url.removeprefix(links.base_url)
        body = (b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="x.pdf"\r\n'
                b"Content-Type: application/pdf\r\n\r\n" + content + b"\r\n--zzz--\r\n")
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
                "Content-Type: multipart/form-data; boundary=zzz\r\n\r\n").encode()
        answer, _ = await _exchange(address, head, body)
        status = int(answer.split(b" ", 2)[1])
        assert status < 500 and '<html lang="vi">' in answer.decode("utf-8", "replace"), answer[:300]


async def test_a_file_sent_to_a_used_link_gets_the_page_not_a_reset_connection(
    server: tuple[str, UploadLinks, NoZalo], principal: ChatDriver, engine: Engine
) -> None:
    address, links, _ = server
    url, _ = links.issue("test", "chat-1", _user_id(engine), "chk:file")
    grant = links.verify(url.rsplit("/", 1)[1])
    assert principal.dispatcher.spend_link(grant.nonce, grant.user_id, grant.purpose)
    form = aiohttp.FormData()
    form.add_field("files", b"%PDF-1.7\n" + b"0" * 900_000, filename="lan-hai.pdf",
                   content_type="application/pdf")  # large enough that the refusal comes before its end
    async with aiohttp.ClientSession() as http:
        for _ in range(3):  # a browser reuses its connection: each answer arrives whole
            async with http.post(f"http://{address}{url.removeprefix(links.base_url)}", data=form) as page:
                assert page.status == 410 and "đã được sử dụng" in await page.text()


def test_database_file_and_data_directory_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{data / 'hsdt.sqlite3'}", data_dir=data,
                        files_dir=data / "files", seed_demo=False)
    app = build(settings, with_checker=False)
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "files").stat().st_mode) == 0o700
        for name in ("hsdt.sqlite3", "hsdt.sqlite3-wal"):
            if (data / name).exists():
                assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    finally:
        app.close()


def test_one_filter_scrubs_every_secret_from_messages_and_tracebacks() -> None:
    token, upload = "123456:TEST-TOKEN-abcdef", "upload-secret-0123456789"
    redaction = RedactSecrets()
    redaction.add(token)
    redaction.add(upload)
    try:
        raise RuntimeError(f"GET http://api/file/bot{token}/doc.pdf failed")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key %s", (upload,), sys.exc_info())
    redaction.filter(record)
    text = logging.Formatter().format(record)
    assert token not in text and upload not in text and text.count(MASK) == 2
