"""Shared set-up of the dashboard tests: a city with results, the web server in process, and sign-in
through the chat exactly as a user does it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import Engine

from hsdt.app.bootstrap import App
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.tokens import UploadLinks
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.config import WebConfig
from hsdt.web.dashboard.auth import SignInLinks
from hsdt.web.server import make_web_app
from tests.helpers import ChatDriver, Clock, WebClient
from tests.inspection.fixtures import add_people, rescore, submit_self

SECRET = b"dashboard-test-secret-0123456789abcdef"
COOKIE = "hsdt_bdk"
LINK = re.compile(r"https?://\S+/bang-dieu-khien/vao/\S+")


def build_city(engine: Engine, now_codes: dict[str, str], clock: Clock) -> dict[str, str]:
    """Hoa Sen re-scored (B1 lower), Sao Mai cross-inspected, Hoa Mai submitted, Tuổi Thơ nothing."""
    people = {**now_codes, **add_people(engine, clock())}
    submit_self(engine, "MN-HOASEN")
    submit_self(engine, "MN-SAOMAI", {"C2": {"option": "full"}})
    submit_self(engine, "MN-HOAMAI", {"D1": {"percent": 50}})
    rescore(engine, "MN-HOASEN", "district", "CB-HB-01", {"B1": 4.0})
    rescore(engine, "MN-SAOMAI", "cross", "CB-TN-01", {"A1": 2.0})
    return people


def dashboard_dispatcher(engine: Engine, clock: Clock, tmp_path: Path, base_url: str = "http://bot.example",
                         ) -> tuple[Dispatcher, SignInLinks]:
    links = SignInLinks(SECRET, base_url, timedelta(minutes=15), clock)
    config = HandlerConfig(files_dir=tmp_path / "files", dashboard_links=links)
    return Dispatcher(engine, config, checker=None, clock=clock, router=build_router()), links


def web_app(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, clock: Clock, base_url: str) -> web.Application:
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files",
                        upload_base_url=base_url)
    app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None)
    uploads = UploadLinks(SECRET, base_url, timedelta(minutes=30), clock)
    return make_web_app(app, WebConfig(links=uploads, clock=clock))


@dataclass
class Person:
    code: str
    chat: ChatDriver

    def link(self) -> str:
        """/bangdieukhien in chat; the link in the reply."""
        self.chat.send("/bangdieukhien")
        found = LINK.search(self.chat.text)
        assert found is not None, self.chat.text
        return found.group(0)


def person(dispatcher: Dispatcher, codes: dict[str, str], code: str) -> Person:
    driver = ChatDriver(dispatcher, f"ref-{code}")
    driver.enrol(codes[code])
    return Person(code, driver)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def sign_in(client: WebClient, who: Person) -> str:
    """Opens the link as a browser would (GET shows the button, POST signs in); returns the cookie value."""
    path = path_of(who.link())
    page = await client.get(path)
    assert page.status == 200, await page.text()
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303, await response.text()
    morsel = response.cookies[COOKIE]
    client.session.cookie_jar.clear()  # each test says whose cookie it sends
    return morsel.value


def unit_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        unit = uow.units.by_code(code)
        assert unit is not None and unit.id is not None
        return unit.id
