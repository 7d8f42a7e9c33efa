"""The one-time upload page in process, on SQLite and PostgreSQL: forged, expired, reused and oversized
uploads are refused, a good one goes through the dispatcher (and the real signature checker) and its
result reaches the chat; only an accepted file spends the link; the verdict is a page, a row per
signature."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.app.bootstrap import App
from hsdt.channels.backoff import Backoff
from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.channels.zalo_bot.client import ZaloBotClient
from hsdt.channels.zalo_bot.receive import ZaloChannel
from hsdt.config import Settings
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.links.tokens import LinkExpired, LinkInvalid, UploadLinks
from hsdt.signatures import RecordPeriod
from hsdt.signatures.checker import SignatureChecker
from hsdt.storage.channels_models import UsedUploadLink
from hsdt.storage.models import ConversationState, OutboxMessage, ProcessedEvent
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.config import WebConfig
from hsdt.web.server import make_web_app
from hsdt.web.templating import CSP
from tests.fakes.zalo_server import FakeZaloServer
from tests.helpers import ChatDriver, Clock, WebClient
from tests.signatures.testpki import TestPKI, build_pki, make_pdf, sign_pdf

SECRET = b"unit-test-upload-secret-0123456789"
ZALO_TOKEN = "780:upload-page-test-token"


class RecordingSender:
    """The "test" channel's rendering of a turn: one entry per turn the chat received."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        self.sent.append((user_ref, replies))
        progress(len(replies))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def checker(pki: TestPKI) -> Iterator[SignatureChecker]:
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), max_workers=1) as chk:
        yield chk


@pytest.fixture(scope="module")
def signed(pki: TestPKI) -> bytes:
    """A PDF signed by a person and sealed by the school, in the record period."""
    first = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=datetime(2024, 10, 15, 2, 30, tzinfo=UTC))
    return sign_pdf(first, pki.seal, "ConDau", signing_time=datetime(2024, 10, 15, 3, 0, tzinfo=UTC))


@pytest.fixture
def links(clock: Clock) -> UploadLinks:
    return UploadLinks(SECRET, "http://bot.example", timedelta(minutes=30), clock)


@pytest.fixture
def principal(dispatcher: Dispatcher, codes: dict[str, str]) -> ChatDriver:
    driver = ChatDriver(dispatcher, "chat-1")
    driver.enrol(codes["HT-HOASEN"])
    return driver


def _user_id(engine: Engine, channel: str, ref: str) -> int:
    with UnitOfWork(engine) as uow:
        identity = uow.identities.find(channel, ref)
        assert identity is not None
        return identity.user_id


async def _client(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, config: WebConfig,
                  sender: RecordingSender | None = None) -> AsyncIterator[WebClient]:
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files", max_upload_mb=1)
    app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None)
    delivery = ReplyDelivery("test", dispatcher, sender) if sender is not None else None
    if delivery is not None:
        config.deliveries["test"] = delivery
    async with TestClient(TestServer(make_web_app(app, config))) as client:
        yield client
    if delivery is not None:
        await delivery.close()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
async def client(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, links: UploadLinks,
                 sender: RecordingSender) -> AsyncIterator[WebClient]:
    """The page without a signature checker: every file is refused before any check."""
    async for c in _client(engine, dispatcher, tmp_path, WebConfig(links=links), sender):
        yield c


@pytest.fixture
async def checking(engine: Engine, clock: Clock, tmp_path: Path, links: UploadLinks, sender: RecordingSender,
                   checker: SignatureChecker, codes: dict[str, str]) -> AsyncIterator[WebClient]:
    """The page with the real (sandboxed) signature checker behind the dispatcher."""
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=checker, clock=clock,
                            router=build_router())
    async for c in _client(engine, dispatcher, tmp_path, WebConfig(links=links), sender):
        yield c


def _path(links: UploadLinks, url: str) -> str:
    return url.removeprefix(links.base_url)


def _form(*files: tuple[str, bytes]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    for name, content in files:
        data.add_field("files", content, filename=name, content_type="application/pdf")
    return data


def _used(engine: Engine) -> list[UsedUploadLink]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.exec(select(UsedUploadLink)).all())


def _web_events(engine: Engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        # The files' events; the turn that tells the chat about them (":chat:") is not one.
        return [e.event_id for e in uow.session.exec(select(ProcessedEvent)).all()
                if e.event_id.startswith("web:") and ":chat:" not in e.event_id]


def test_tokens_are_signed_and_expire(links: UploadLinks, clock: Clock) -> None:
    url, grant = links.issue("zalo", "u1", 7, "chk:file")
    token = url.rsplit("/", 1)[1]
    assert links.verify(token) == grant
    payload, signature = token.split(".")
    forged_purpose = UploadLinks(b"another-secret-0123456789abcdef", links.base_url, links.ttl, clock)
    for bad in (payload + "." + signature[:-2] + "AA", forged_purpose.token(grant), "x.y", "", payload):
        with pytest.raises(LinkInvalid):
            links.verify(bad)
    clock.advance(minutes=31)
    with pytest.raises(LinkExpired):
        links.verify(token)


async def test_good_upload_runs_the_dispatcher_and_tells_the_chat(
    checking: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, sender: RecordingSender,
    signed: bytes,
) -> None:
    url, grant = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    form = await checking.get(_path(links, url))
    assert form.status == 200 and form.headers["Content-Security-Policy"] == CSP
    assert form.headers["X-Frame-Options"] == "DENY" and form.headers["Cache-Control"] == "no-store"
    html = await form.text()
    assert '<html lang="vi">' in html and 'name="viewport"' in html and "Kiểm tra chữ ký số" in html
    assert "<script" not in html and "<style" not in html and ' style="' not in html  # the CSP allows neither
    assert "http" not in html.split("<body>")[1].replace(url, "")  # no external assets
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet is not None and (await checking.get(stylesheet.group(1))).status == 200
    result = await checking.post(_path(links, url), data=_form(("a.pdf", signed), ("b.pdf", make_pdf(2))))
    page = await result.text()
    assert result.status == 200 and result.headers["Content-Security-Policy"] == CSP
    assert page.count('class="card verdict status-') == 2
    assert "Hợp lệ" in page and "Không có chữ ký số" in page
    assert [u.nonce for u in _used(engine)] == [grant.nonce]
    events = _web_events(engine)
    assert len(events) == 2 and all(e.startswith(f"web:{grant.nonce}:") for e in events)
    assert [(ref, len(replies)) for ref, replies in sender.sent] == [("chat-1", 2)]


async def test_the_verdict_is_a_page_with_a_row_per_signature(
    checking: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, signed: bytes
) -> None:
    url, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    page = await (await checking.post(_path(links, url), data=_form(("bien-ban.pdf", signed)))).text()
    assert "<pre" not in page  # not the chat message pasted in a box
    rows = re.findall(r"<tr class=\"status-(\w+)\">(.*?)</tr>", page, re.S)
    assert [status for status, _ in rows] == ["valid", "valid"]
    person, seal = (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for _, row in rows)
    assert "Nguyễn Thị Hồng Nhung" in person and "Trường Mầm non Hoa Sen" in person and "(chữ ký số cá nhân)" in person
    assert "15/10/2024 09:30" in person and "Hợp lệ" in person
    assert "chứng thư do tổ chức cung cấp dịch vụ tin cậy cấp" in person
    assert "ký trong thời điểm kiểm tra lưu hồ sơ" in person
    assert "(chữ ký số của tổ chức, tức con dấu)" in seal and "15/10/2024 10:00" in seal
    assert "Tệp “bien-ban.pdf”" in page


async def test_reused_link_is_refused(checking: WebClient, links: UploadLinks, principal: ChatDriver,
                                      engine: Engine, signed: bytes) -> None:
    url, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    assert (await checking.post(_path(links, url), data=_form(("a.pdf", signed)))).status == 200
    for again in (checking.get(_path(links, url)),
                  checking.post(_path(links, url), data=_form(("b.pdf", make_pdf(1))))):
        response = await again
        assert response.status == 410 and "đã được sử dụng" in await response.text()
    assert len(_web_events(engine)) == 1 and len(_used(engine)) == 1


async def test_a_refused_file_leaves_the_link_usable_for_the_right_pdf(
    checking: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, sender: RecordingSender,
    signed: bytes,
) -> None:
    """A file of the wrong type, then a corrupt PDF, then the same wrong file again: each is refused and
    the link still works; the right PDF is then accepted, and only that spends the link."""
    url, grant = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    path = _path(links, url)
    wrong = ("bang-diem.docx", "Đây không phải tệp PDF\n".encode())
    for attempt in (wrong, ("hong.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog"), wrong):
        refused = await checking.post(path, data=_form(attempt))
        page = await refused.text()
        assert refused.status == 200 and "Không kiểm tra được tệp" in page, page
        assert _used(engine) == []
    assert "đã được gửi qua liên kết này trước đó" in page  # the same wrong file: shown again, applied once
    assert len(_web_events(engine)) == 2
    accepted = await checking.post(path, data=_form(("ke-hoach.pdf", signed)))
    assert accepted.status == 200 and "Nguyễn Thị Hồng Nhung" in await accepted.text()
    assert [u.nonce for u in _used(engine)] == [grant.nonce]
    assert len(_web_events(engine)) == 3
    assert len(sender.sent) == 3  # the chat heard of each file once
    after = await checking.post(path, data=_form(("khac.pdf", make_pdf(1))))
    assert after.status == 410 and "đã được sử dụng" in await after.text()


async def test_the_same_file_twice_in_one_upload_is_applied_once(
    checking: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, signed: bytes
) -> None:
    url, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    response = await checking.post(_path(links, url), data=_form(("a.pdf", signed), ("a-copy.pdf", signed)))
    assert response.status == 200 and len(_web_events(engine)) == 1 and len(_used(engine)) == 1


async def test_forged_and_expired_links_change_nothing(
    client: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, clock: Clock
) -> None:
    user_id = _user_id(engine, "test", "chat-1")
    url, grant = links.issue("test", "chat-1", user_id, "chk:file")
    other = UploadLinks(b"an-attacker-secret-0123456789abc", links.base_url, links.ttl, clock)
    forged = [
        f"/u/{other.token(grant)}",  # signed with another key
        _path(links, url)[:-3] + "abc",  # signature tampered
        f"/u/{links.token(grant).split('.')[0]}.",  # no signature
    ]
    for path in forged:
        response = await client.post(path, data=_form(("a.pdf", b"%PDF a")))
        assert response.status == 403 and "không hợp lệ" in await response.text()
    clock.advance(minutes=31)
    for response in (await client.get(_path(links, url)),
                     await client.post(_path(links, url), data=_form(("a.pdf", b"%PDF a")))):
        assert response.status == 410 and "hết hạn" in await response.text()
    assert _web_events(engine) == [] and _used(engine) == []


async def test_link_of_someone_else_or_unenrolled_chat_is_refused(
    client: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, dispatcher: Dispatcher,
    codes: dict[str, str],
) -> None:
    wrong_user, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1") + 1, "chk:file")
    nobody, _ = links.issue("test", "chat-unknown", _user_id(engine, "test", "chat-1"), "chk:file")
    for url in (wrong_user, nobody):
        response = await client.post(_path(links, url), data=_form(("a.pdf", b"%PDF a")))
        assert response.status == 403 and "không còn đăng ký" in await response.text()
    assert _web_events(engine) == []


async def test_oversized_files_are_refused_before_being_read_and_the_link_stays_usable(
    client: WebClient, links: UploadLinks, principal: ChatDriver, engine: Engine, tmp_path: Path
) -> None:
    url, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
    huge = await client.post(_path(links, url), data=b"x", headers={
        "Content-Length": str(50 * 1024 * 1024), "Content-Type": "multipart/form-data; boundary=zzz",
        "Connection": "close"})  # the server does not wait for the 50 MB: this connection is done
    assert huge.status == 413  # refused on the declared length alone
    big = b"%PDF" + b"0" * (1024 * 1024 + 10)  # over MAX_UPLOAD_MB=1, within the request cap
    response = await client.post(_path(links, url), data=_form(("big.pdf", big)))
    assert response.status == 413 and "quá lớn" in await response.text()
    body = (b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + big + b"\r\n--zzz--\r\n")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length at all: only the streaming cap can stop it
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    streamed = await client.post(_path(links, url), data=chunked(),
                                 headers={"Content-Type": "multipart/form-data; boundary=zzz"})
    assert streamed.status == 413
    assert _used(engine) == [] and _web_events(engine) == []
    assert list((tmp_path / "files" / "tmp").glob("*")) == []  # partial files removed
    ok = await client.post(_path(links, url), data=_form(("small.pdf", b"%PDF small")))
    assert ok.status == 200 and _used(engine) == []  # no checker: refused before any check, still usable


async def test_without_a_sender_the_result_goes_to_the_outbox(
    engine: Engine, dispatcher: Dispatcher, tmp_path: Path, links: UploadLinks, principal: ChatDriver
) -> None:
    async for client in _client(engine, dispatcher, tmp_path, WebConfig(links=links)):
        url, _ = links.issue("test", "chat-1", _user_id(engine, "test", "chat-1"), "chk:file")
        response = await client.post(_path(links, url), data=_form(("a.pdf", b"%PDF a")))
        assert response.status == 200 and "sẽ được gửi vào cuộc trò chuyện" in await response.text()
    with UnitOfWork(engine) as uow:
        queued = list(uow.session.exec(select(OutboxMessage)).all())
    assert [(m.kind, m.user_id) for m in queued] == [("upload_result", _user_id(engine, "test", "chat-1"))]
    assert "chưa sẵn sàng" in queued[0].replies[0]["text"]


async def test_a_failed_send_of_the_result_is_retried_in_the_users_order_and_its_screen_recorded(
    engine: Engine, clock: Clock, tmp_path: Path, links: UploadLinks, checker: SignatureChecker,
    codes: dict[str, str], signed: bytes,
) -> None:
    """Zalo fails the upload result's message once: it still reaches the chat, once, through the channel's
    reply delivery; the question it shows is the one on record, so a typed answer means that question."""
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=checker, clock=clock,
                            router=build_router())
    async with FakeZaloServer(ZALO_TOKEN) as server:
        channel = ZaloChannel(ZaloBotClient(ZALO_TOKEN, server.base_url), dispatcher, links,
                              ZoneInfo("Asia/Ho_Chi_Minh"))
        channel.delivery.backoff = Backoff(0.01, 0.02)
        try:
            for text in (codes["HT-HOASEN"], "/tudanhgia", "9", "1/1", "1/1", "1/1", "1,2", "1", "1", "50", "Có"):
                await channel.handle_update(server.push_text("u1", text))
            evidence = server.messages("u1")[-1].text
            assert "Tiêu chí 10/12" in evidence
            url = re.search(r"http://bot\.example/u/\S+", evidence)
            assert url is not None
            before = len(server.messages("u1"))
            server.inject_error("sendMessage", 502, "Bad Gateway")
            config = WebConfig(links=links, deliveries={"zalo": channel.delivery})
            async for client in _client(engine, dispatcher, tmp_path, config):
                response = await client.post(_path(links, url.group(0)), data=_form(("ke-hoach.pdf", signed)))
                assert response.status == 200 and "đã được gửi vào cuộc trò chuyện" in await response.text()
            await channel.delivery.confirmations.flush()
            told = server.messages("u1")[before:]
            assert len(told) == 1 and len(server.refused) == 1, [m.text for m in told]
            assert "ke-hoach.pdf" in told[0].text and "Tiêu chí 10/12" in told[0].text
            with UnitOfWork(engine) as uow:
                state = uow.session.exec(select(ConversationState)).one()
                stand_in = [e for e in uow.session.exec(select(ProcessedEvent)).all() if ":chat:" in e.event_id]
            assert state.shown_turn == state.version, "the screen the upload result showed is on record"
            assert [(e.sent, e.settled_at is not None) for e in stand_in] == [(2, True)]
            assert _web_events(engine) and all(_settled_unsent(engine, e) for e in _web_events(engine))
        finally:
            await channel.close()
            await channel.client.close()
            dispatcher.close()


def _settled_unsent(engine: Engine, event_id: str) -> bool:
    """A file's own replies, told to the chat by the turn standing in for them."""
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ProcessedEvent, ("zalo", event_id))
        return row is not None and row.sent == 0 and row.settled_at is not None


# --- tenants: a link works in the Sở it was issued in, and only there ----------------------------------------


def _hanoi_principal(engine: Engine, dispatcher: Dispatcher, clock: Clock) -> tuple[int, int]:
    """A second Sở whose principal of Hoa Sen joined from chat "chat-hn"; (tenant, user id)."""
    from hsdt.services.tenants import create_tenant
    from hsdt.storage.tenancy import tenant_scope
    from tests.conftest import seed

    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        codes = seed(engine, clock())
        ChatDriver(dispatcher, "chat-hn").enrol(codes["HT-HOASEN"])
    with UnitOfWork(engine, hanoi) as uow:
        identity = uow.identities.find("test", "chat-hn")
        assert identity is not None
        return hanoi, identity.user_id


def _tenant_footprint(engine: Engine, tenant: int) -> tuple[list[str], list[str]]:
    with UnitOfWork(engine, tenant) as uow:
        return ([u.nonce for u in uow.session.exec(select(UsedUploadLink)).all()],
                sorted(e.event_id for e in uow.session.exec(select(ProcessedEvent)).all()
                       if e.event_id.startswith("web:")))


def _retenanted(token: str, tenant: int) -> str:
    """The token with its payload's tenant changed and its signature kept (what a forger can do)."""
    import base64
    import json

    payload, signature = token.split(".")
    grant = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    grant["tenant_id"] = tenant
    edited = base64.urlsafe_b64encode(json.dumps(grant).encode()).rstrip(b"=").decode()
    return f"{edited}.{signature}"


async def test_a_link_of_another_so_runs_in_that_so_and_its_ids_reach_nowhere_else(
    checking: WebClient, links: UploadLinks, principal: ChatDriver, dispatcher: Dispatcher, engine: Engine,
    clock: Clock, signed: bytes,
) -> None:
    hanoi, hanoi_user = _hanoi_principal(engine, dispatcher, clock)
    first_user = _user_id(engine, "test", "chat-1")
    before = _tenant_footprint(engine, 1), _tenant_footprint(engine, hanoi)
    # The first Sở's link edited to name Hà Nội fails its signature.
    url, _ = links.issue("test", "chat-1", first_user, "chk:file", tenant=1)
    forged = "/u/" + _retenanted(url.rsplit("/", 1)[1], hanoi)
    assert (await checking.get(forged)).status == 403
    assert (await checking.post(forged, data=_form(("a.pdf", signed)))).status == 403
    # A genuine link of the first Sở naming Hà Nội's user (or its chat) finds no one there.
    for user_ref, user_id in (("chat-hn", hanoi_user), ("chat-1", hanoi_user)):
        url, _ = links.issue("test", user_ref, user_id, "chk:file", tenant=1)
        assert (await checking.get(_path(links, url))).status == 403
        assert (await checking.post(_path(links, url), data=_form(("a.pdf", signed)))).status == 403
    assert (_tenant_footprint(engine, 1), _tenant_footprint(engine, hanoi)) == before
    # Hà Nội's own link: the page names its principal, and the file is applied in Hà Nội only.
    url, grant = links.issue("test", "chat-hn", hanoi_user, "chk:file", tenant=hanoi)
    assert grant.tenant_id == hanoi
    assert (await checking.post(_path(links, url), data=_form(("a.pdf", signed)))).status == 200
    used, events = _tenant_footprint(engine, hanoi)
    assert used == [grant.nonce] and len(events) >= 1 and all(e.startswith(f"web:{grant.nonce}:") for e in events)
    assert _tenant_footprint(engine, 1) == before[0]


def test_a_link_issued_before_tenants_means_the_first_so(links: UploadLinks) -> None:
    import base64
    import json

    url, grant = links.issue("test", "chat-1", 7, "chk:file", tenant=1)
    payload = url.rsplit("/", 1)[1].split(".")[0]
    old = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    del old["tenant_id"]
    encoded = base64.urlsafe_b64encode(json.dumps(old).encode()).rstrip(b"=").decode()
    token = f"{encoded}.{links._sign(encoded)}"  # signed as the bot signed its links then
    assert links.verify(token).tenant_id == 1 and links.verify(token).nonce == grant.nonce
