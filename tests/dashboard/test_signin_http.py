"""Sign-in over HTTP on SQLite and PostgreSQL: the link a chat hands out opens a session once; reused,
expired and forged links, foreign forms, missing, forged and expired cookies are all refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.tokens import UploadLinks
from hsdt.storage.dashboard_models import DashboardSession, UsedDashboardLink
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.dashboard.auth import SignInLinks
from tests.dashboard.support import COOKIE, SECRET, path_of, person, sign_in, unit_id
from tests.helpers import Clock, WebClient

PROTECTED = ("/bang-dieu-khien/", "/bang-dieu-khien/truong", "/bang-dieu-khien/du-lieu",
             "/bang-dieu-khien/tai/excel")


def _sessions(engine: Engine) -> list[DashboardSession]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.exec(select(DashboardSession)).all())


async def test_link_from_chat_opens_a_strict_http_only_session(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    so = person(wired[0], city, "SO-01")
    url = so.link()
    assert url.startswith("http://bot.example/bang-dieu-khien/vao/")
    assert "Thầy/Cô" in so.chat.text and "một lần" in so.chat.text
    path = path_of(url)
    for _ in range(2):  # a link preview fetching the page does not use the link up
        page = await client.get(path)
        assert page.status == 200
        html = await page.text()
        assert "Đăng nhập trang theo dõi" in html and "Cán bộ Sở GD&amp;ĐT" in html
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/bang-dieu-khien/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/bang-dieu-khien" in cookie and "Secure" not in cookie  # plain http address
    token = response.cookies[COOKIE].value
    [stored] = _sessions(engine)
    assert token not in stored.token_sha256 and len(stored.token_sha256) == 64  # only the digest is kept
    client.session.cookie_jar.clear()
    overview = await client.get("/bang-dieu-khien/", cookies={COOKIE: token})
    assert overview.status == 200
    assert "Tiến độ đợt kiểm tra" in await overview.text()


async def test_reused_link_is_refused(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                      city: dict[str, str], engine: Engine) -> None:
    so = person(wired[0], city, "SO-01")
    path = path_of(so.link())
    assert (await client.post(path, allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    again = await client.post(path, allow_redirects=False)
    assert again.status == 410 and "đã được sử dụng" in await again.text()
    assert COOKIE not in again.cookies
    shown = await client.get(path)
    assert shown.status == 410 and "/bangdieukhien" in await shown.text()
    assert len(_sessions(engine)) == 1


async def test_expired_link_is_refused(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                       city: dict[str, str], clock: Clock) -> None:
    so = person(wired[0], city, "SO-01")
    path = path_of(so.link())
    clock.advance(minutes=16)
    for response in (await client.get(path), await client.post(path, allow_redirects=False)):
        assert response.status == 410
        assert "đã hết hạn" in await response.text()
        assert COOKIE not in response.cookies


async def test_forged_links_are_refused(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                        city: dict[str, str], clock: Clock, engine: Engine) -> None:
    so = person(wired[0], city, "SO-01")
    token = path_of(so.link()).rsplit("/", 1)[1]
    payload, signature = token.split(".")
    principal_id = _user_id(engine, "HT-HOASEN")
    other_key = SignInLinks(b"another-secret-0123456789abcdef", "http://bot.example", timedelta(minutes=15), clock)
    upload = UploadLinks(SECRET, "http://bot.example", timedelta(minutes=30), clock)
    upload_token = upload.issue("test", "ref-SO-01", _user_id(engine, "SO-01"), "chk:file")[0].rsplit("/", 1)[1]
    forged = [
        payload + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),  # altered signature
        other_key.issue(principal_id)[0].rsplit("/", 1)[1],  # signed with another key
        upload_token,  # an upload link signed with the same key is not a sign-in link
        "x.y", payload, "%00",
    ]
    for bad in forged:
        for response in (await client.get(f"/bang-dieu-khien/vao/{bad}"),
                         await client.post(f"/bang-dieu-khien/vao/{bad}", allow_redirects=False)):
            assert response.status == 403, bad
            assert "không hợp lệ" in await response.text()
            assert COOKIE not in response.cookies
    assert _sessions(engine) == []


async def test_a_form_from_another_site_does_not_sign_in(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    so = person(wired[0], city, "SO-01")
    path = path_of(so.link())
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = await client.post(path, headers=headers, allow_redirects=False)
        assert refused.status == 403 and COOKIE not in refused.cookies
    with UnitOfWork(engine) as uow:
        assert list(uow.session.exec(select(UsedDashboardLink)).all()) == []  # the link still works
    assert (await client.post(path, headers={"Origin": "http://bot.example"}, allow_redirects=False)).status == 303


async def test_pages_need_a_live_session(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                         city: dict[str, str], clock: Clock, engine: Engine) -> None:
    school = f"/bang-dieu-khien/truong/{unit_id(engine, 'MN-HOASEN')}"
    so = person(wired[0], city, "SO-01")
    token = await sign_in(client, so)
    for cookies in ({}, {COOKIE: "forged-token"}, {COOKIE: token[:-1]}):
        for path in (*PROTECTED, school):
            response = await client.get(path, cookies=cookies)
            assert response.status == 401, (path, cookies)
            assert "Quá hạn" not in await response.text()
    assert (await client.get(school, cookies={COOKIE: token})).status == 200
    clock.advance(hours=12, minutes=1)  # DASHBOARD_SESSION_HOURS
    assert (await client.get("/bang-dieu-khien/", cookies={COOKIE: token})).status == 401


async def test_sign_out_ends_the_session(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                         city: dict[str, str], engine: Engine) -> None:
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    out = await client.post("/bang-dieu-khien/dang-xuat", cookies={COOKIE: token})
    assert out.status == 200 and "đã đăng xuất" in await out.text()
    assert f"{COOKIE}=\"\"" in out.headers["Set-Cookie"] or f"{COOKIE}=;" in out.headers["Set-Cookie"]
    assert (await client.get("/bang-dieu-khien/", cookies={COOKIE: token})).status == 401
    assert _sessions(engine) == []


async def test_a_blocked_account_loses_its_session(client: WebClient, wired: tuple[Dispatcher, SignInLinks],
                                                   city: dict[str, str], engine: Engine) -> None:
    token = await sign_in(client, person(wired[0], city, "PGD-HB-01"))
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code("PGD-HB-01")
        assert user is not None
        user.active = False
        uow.session.add(user)
    response = await client.get("/bang-dieu-khien/", cookies={COOKIE: token})
    assert response.status == 403 and "tạm khóa" in await response.text()


def _user_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(code)
        assert user is not None and user.id is not None
        return user.id
