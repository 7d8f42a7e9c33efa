from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.web.dashboard.auth import SignInLinks
from tests.dashboard.support import build_city, dashboard_dispatcher, web_app
from tests.helpers import Clock, WebClient

BASE = "http://bot.example"


@pytest.fixture
def city(engine: Engine, codes: dict[str, str], clock: Clock) -> dict[str, str]:
    return build_city(engine, codes, clock)


@pytest.fixture
def wired(engine: Engine, clock: Clock, tmp_path: Path, city: dict[str, str]) -> tuple[Dispatcher, SignInLinks]:
    return dashboard_dispatcher(engine, clock, tmp_path, BASE)


@pytest.fixture
async def client(engine: Engine, wired: tuple[Dispatcher, SignInLinks], tmp_path: Path, clock: Clock,
                 ) -> AsyncIterator[WebClient]:
    async with TestClient(TestServer(web_app(engine, wired[0], tmp_path, clock, BASE))) as test_client:
        yield test_client
