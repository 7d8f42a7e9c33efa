"""Download links per Sở, on SQLite and PostgreSQL: a link is used in the tenant it was issued in (signed
into it), a link edited to name another Sở fails its signature, and neither changes the other Sở's rows."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.events import Document
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.downloads import DownloadLinks, Downloads
from hsdt.services.tenants import create_tenant
from hsdt.storage.channels_models import UsedUploadLink
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.downloads import register
from tests.conftest import seed
from tests.helpers import ChatDriver, Clock, WebClient

SECRET = b"download-tenant-secret-0123456789"


@pytest.fixture
async def served(engine: Engine, tmp_path: Path, clock: Clock, codes: dict[str, str],
                 ) -> AsyncIterator[tuple[Downloads, WebClient, int]]:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    with tenant_scope(DEFAULT_TENANT):
        ChatDriver(dispatcher, "chat-1").enrol(codes["SO-01"])
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        hanoi_codes = seed(engine, clock())
        ChatDriver(dispatcher, "chat-hn").enrol(hanoi_codes["SO-01"])
    links = DownloadLinks(SECRET, "http://bot.example", timedelta(minutes=30), clock)
    downloads = Downloads(links, tmp_path / "downloads", engine)
    web_app = web.Application()
    register(web_app, downloads)
    async with TestClient(TestServer(web_app)) as client:
        yield downloads, client, hanoi


def _used(engine: Engine, tenant: int) -> list[str]:
    with UnitOfWork(engine, tenant) as uow:
        return [u.nonce for u in uow.session.exec(select(UsedUploadLink)).all()]


def _path(url: str) -> str:
    return "/d/" + url.rsplit("/", 1)[1]


async def test_a_download_link_is_used_in_its_own_so_and_an_edited_one_fails(
        served: tuple[Downloads, WebClient, int], engine: Engine) -> None:
    downloads, client, hanoi = served
    with tenant_scope(hanoi):
        offer = downloads.offer("test", "chat-hn", Document("bao-cao.xlsx", b"hanoi-bytes", "application/x"))
    # The first Sở's chat has no such identity in Hà Nội's tenant: no link for it there.
    with tenant_scope(hanoi):
        assert downloads.offer("test", "chat-1", Document("x.xlsx", b"x", "application/x")) is None
    assert offer is not None
    token = offer.url.rsplit("/", 1)[1]
    assert downloads.grant(token).tenant_id == hanoi
    payload, signature = token.split(".")
    grant = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    grant["tenant_id"] = DEFAULT_TENANT
    edited = base64.urlsafe_b64encode(json.dumps(grant).encode()).rstrip(b"=").decode()
    for method in ("GET", "POST"):
        refused = await client.request(method, f"/d/{edited}.{signature}")
        assert refused.status == 403
    assert _used(engine, DEFAULT_TENANT) == [] and _used(engine, hanoi) == []
    fetched = await client.post(_path(offer.url))
    assert fetched.status == 200 and await fetched.read() == b"hanoi-bytes"
    assert _used(engine, hanoi) == [grant["nonce"]] and _used(engine, DEFAULT_TENANT) == []
    assert (await client.post(_path(offer.url))).status == 410
