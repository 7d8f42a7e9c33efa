"""The web page's notes: how the mean is made is the rule the report prints (the campaign's own), named for
what the managing level is; the rubric's assumptions are shown until the Sở confirms the rubric."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.scoring import MANAGEMENT_RULE_2024, MANAGEMENT_RULE_DEFAULT
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import Structure
from hsdt.web.dashboard.auth import SignInLinks
from tests.dashboard.support import COOKIE, dashboard_dispatcher, person, sign_in, web_app
from tests.helpers import Clock, WebClient
from tests.reports.demo2026 import fill, seed_2026

BASE = "http://bot.example"


@pytest.fixture
def commune_clock() -> Clock:
    return Clock(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))


@pytest.fixture
def commune(engine: Engine, commune_clock: Clock, tmp_path: Path) -> tuple[Dispatcher, dict[str, str]]:
    codes = seed_2026(engine, Structure.COMMUNE, commune_clock())
    fill(engine, Structure.COMMUNE)
    dispatcher, _links = dashboard_dispatcher(engine, commune_clock, tmp_path, BASE)
    return dispatcher, codes


@pytest.fixture
async def commune_client(engine: Engine, commune: tuple[Dispatcher, dict[str, str]], tmp_path: Path,
                         commune_clock: Clock) -> AsyncIterator[WebClient]:
    async with TestClient(TestServer(web_app(engine, commune[0], tmp_path, commune_clock, BASE))) as test_client:
        yield test_client


async def _overview(client: WebClient, token: str) -> str:
    response = await client.get("/bang-dieu-khien/", cookies={COOKIE: token})
    assert response.status == 200
    return await response.text()


async def test_a_2026_campaign_of_communes(commune_client: WebClient, commune: tuple[Dispatcher, dict[str, str]],
                                         engine: Engine) -> None:
    dispatcher, codes = commune
    token = await sign_in(commune_client, person(dispatcher, codes, "SO-01"))
    html = await _overview(commune_client, token)
    assert "Trang theo dõi" in html and "bảng điều khiển" not in html.lower()
    # The campaign's rule (re-score, else cross-inspection, else self), the one /baocao prints.
    assert MANAGEMENT_RULE_DEFAULT.name() in html
    assert "kết quả chung của các trường trên địa bàn" in html and "công tác quản lý, chỉ đạo" not in html
    assert 'data-note="assumptions"' in html and "Bộ tiêu chí chưa được Sở xác nhận" in html
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None
        campaign.rubric_confirmed = True
    html = await _overview(commune_client, token)
    assert 'data-note="assumptions"' not in html


async def test_the_2024_campaign_keeps_its_published_rule(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str]
) -> None:
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    html = await _overview(client, token)
    note = html[html.index('data-note="mean"'):]
    note = note[:note.index("</p>")]
    assert "đánh giá công tác quản lý, chỉ đạo" in note  # a district office is rated by its schools
    assert "Điểm chấm lại, nếu chưa có thì điểm tự đánh giá." in note
    assert MANAGEMENT_RULE_2024.name() != MANAGEMENT_RULE_DEFAULT.name()
    assert "kiểm tra chéo" not in note  # the 2024-2025 reports' rule has no cross-inspection step
