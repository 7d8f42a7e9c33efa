"""The OA Open API client and the OAuth client against the fake platform."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest

from hsdt.channels.zalo_oa.client import (
    OpenUrlButton,
    StaticToken,
    TransactionMessage,
    TransactionTemplate,
    ZaloOAClient,
)
from hsdt.channels.zalo_oa.errors import (
    ContentRefused,
    InvalidParameter,
    OAuthRefused,
    OAuthUnavailable,
    OutsideWindow,
    QuotaExhausted,
    RateLimited,
    Refusal,
    TokenRejected,
    ZaloOAApiError,
    ZaloOANetworkError,
)
from hsdt.channels.zalo_oa.limits import FILE_LIMIT_BYTES, IMAGE_LIMIT_BYTES
from hsdt.channels.zalo_oa.oauth import ZaloOAuthClient, authorization_request, code_challenge
from tests.channels.zalo_oa_support import REDIRECT_URI, approved_code, connected, oa_platform
from tests.fakes.zalo_oa_server import FakeZaloOAServer
from tests.helpers import Clock

PDF = b"%PDF-1.7\n% a signed appendix\n" + b"0" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 100


@pytest.fixture
async def platform(clock: Clock) -> AsyncIterator[tuple[FakeZaloOAServer, ZaloOAuthClient]]:
    async with oa_platform(clock) as pair:
        yield pair


@pytest.fixture
async def fake(platform: tuple[FakeZaloOAServer, ZaloOAuthClient]) -> FakeZaloOAServer:
    return platform[0]


@pytest.fixture
async def client(platform: tuple[FakeZaloOAServer, ZaloOAuthClient]) -> AsyncIterator[ZaloOAClient]:
    fake, oauth = platform
    grant = await connected(fake, oauth)
    async with ZaloOAClient(StaticToken(grant.access_token), fake.base_url, timeout_s=5) as oa:
        yield oa


class RotatingTokens:
    """A token source that refreshes through OAuth when told its token was refused."""

    def __init__(self, oauth: ZaloOAuthClient, access: str, refresh: str) -> None:
        self.oauth, self.access, self.refresh = oauth, access, refresh
        self.rejected: list[str] = []

    async def access_token(self) -> str:
        return self.access

    async def token_rejected(self, token: str) -> None:
        self.rejected.append(token)
        grant = await self.oauth.refresh(self.refresh)
        self.access, self.refresh = grant.access_token, grant.refresh_token


async def test_messages_reach_the_user_as_zalo_builds_them(fake: FakeZaloOAServer, client: ZaloOAClient) -> None:
    user = fake.add_user()
    fake.user_sends_text(user, "Em chào Sở ạ")
    sent = await client.send_text(user.user_id, "Kính chào Thầy/Cô.")
    assert sent.message_id.isdigit() and int(sent.message_id) > 2**53 and sent.user_id == user.user_id
    await client.send_document(user.user_id, PDF, "Phụ lục 1.pdf")
    attachment_id = await client.upload_image(PNG, "bieu do.png")
    await client.send_image(user.user_id, attachment_id, caption="Biểu đồ tiến độ")
    text, document, image = fake.messages(user)
    assert (text.kind, text.text, text.charge) == ("text", "Kính chào Thầy/Cô.", "free")
    assert (document.kind, document.file_name, document.file_bytes) == ("file", "Phụ lục 1.pdf", PDF)
    assert (image.kind, image.file_bytes, image.text) == ("image", PNG, "Biểu đồ tiến độ")
    assert fake.calls_to("/v3.0/oa/message/cs")[0] == {"recipient": {"user_id": user.user_id},
                                                       "message": {"text": "Kính chào Thầy/Cô."}}


async def test_transaction_message_as_the_sdk_builds_it(fake: FakeZaloOAServer, client: ZaloOAClient,
                                                        clock: Clock) -> None:
    user = fake.add_user(following=True)
    message = TransactionMessage("Nhắc hạn tự đánh giá", ("Hạn nộp: 20/12/2024.",), (("Trường", "MN Bình Minh"),),
                                 (OpenUrlButton("Mở hướng dẫn", "https://hsdt.example.gov.vn/huong-dan"),))
    await client.send_transaction(user.user_id, message)
    seen = fake.messages(user)[-1]
    assert (seen.kind, seen.text, seen.sent_at) == ("transaction", "Nhắc hạn tự đánh giá", clock.now)
    payload = fake.calls_to("/v3.0/oa/message/transaction")[0]["message"]["attachment"]["payload"]
    assert payload["template_type"] == TransactionTemplate.INTERNAL.value == "transaction_internal"
    assert payload["language"] == "VI"
    assert [e["type"] for e in payload["elements"]] == ["header", "text", "table"]
    assert payload["buttons"][0]["type"] == "oa.open.url"


async def test_content_the_platform_would_refuse_is_refused_before_sending(fake: FakeZaloOAServer,
                                                                          client: ZaloOAClient) -> None:
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    cases = [
        (client.send_text(user.user_id, "ạ" * 2001), Refusal.TEXT_TOO_LONG),
        (client.send_text(user.user_id, "😀" * 1001), Refusal.TEXT_TOO_LONG),  # 2,002 UTF-16 units
        (client.send_text(user.user_id, "  "), Refusal.EMPTY_TEXT),
        (client.send_document(user.user_id, b"PK\x03\x04workbook", "Phu luc.xlsx"), Refusal.FILE_TYPE),
        (client.send_document(user.user_id, b"PK\x03\x04workbook", "renamed.pdf"), Refusal.FILE_TYPE),
        (client.send_document(user.user_id, b"%PDF-" + b"0" * FILE_LIMIT_BYTES, "big.pdf"), Refusal.FILE_TOO_LARGE),
        (client.upload_image(b"\x89PNG\r\n\x1a\n" + b"0" * IMAGE_LIMIT_BYTES, "c.png"), Refusal.IMAGE_TOO_LARGE),
        (client.upload_image(PDF, "c.png"), Refusal.IMAGE_TYPE),
    ]
    for call, reason in cases:
        with pytest.raises(ContentRefused) as refused:
            await call
        assert refused.value.reason is reason
    assert fake.calls == [] and fake.messages(user) == []
    await client.send_text(user.user_id, "ạ" * 2000)  # the limit itself goes through
    assert len(fake.messages(user)) == 1


async def test_refusals_are_typed(fake: FakeZaloOAServer, client: ZaloOAClient) -> None:
    silent = fake.add_user()
    with pytest.raises(OutsideWindow) as outside:
        await client.send_text(silent.user_id, "Nhắc Thầy/Cô")
    assert outside.value.code == -230
    with pytest.raises(InvalidParameter):
        await client.send_text("1234567890123456789", "không có người này")
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    fake.free_per_interaction = 0
    fake.set_quota(0)
    with pytest.raises(QuotaExhausted):
        await client.send_text(user.user_id, "hết hạn mức")
    fake.set_quota(None)
    fake.set_rate_limit(1, per_s=60)
    await client.send_text(user.user_id, "một")
    with pytest.raises(RateLimited):
        await client.send_text(user.user_id, "hai")
    fake.set_rate_limit(None)
    fake.inject_error("/v3.0/oa/message/cs", -999, "something new")
    with pytest.raises(ZaloOAApiError) as other:
        await client.send_text(user.user_id, "ba")
    assert type(other.value) is ZaloOAApiError and other.value.code == -999
    assert [m.text for m in fake.messages(user)] == ["một"]


async def test_a_refused_token_is_refreshed_and_the_call_made_once_more(
        platform: tuple[FakeZaloOAServer, ZaloOAuthClient]) -> None:
    fake, oauth = platform
    grant = await connected(fake, oauth)
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    tokens = RotatingTokens(oauth, grant.access_token, grant.refresh_token)
    async with ZaloOAClient(tokens, fake.base_url) as client:
        fake.expire_access_tokens()
        await client.send_text(user.user_id, "Sau khi làm mới mã truy cập")
    assert tokens.rejected == [grant.access_token] and len(fake.refresh_calls) == 1
    assert [m.text for m in fake.messages(user)] == ["Sau khi làm mới mã truy cập"]
    assert fake.refused == [("/v3.0/oa/message/cs", -216)]
    # A source that cannot refresh: the refusal is raised, after one attempt only.
    async with ZaloOAClient(StaticToken(grant.access_token), fake.base_url) as client:
        with pytest.raises(TokenRejected):
            await client.send_text(user.user_id, "x")
    assert fake.refused == [("/v3.0/oa/message/cs", -216)] * 2


async def test_big_ids_stay_exact_strings(fake: FakeZaloOAServer, client: ZaloOAClient) -> None:
    user = fake.add_user("Trần Văn Bình", following=True)
    fake.user_sends_text(user, "chào")
    detail = await client.user_detail(user.user_id)
    assert detail.user_id == user.user_id  # sent as a bare JSON number beyond 2^53
    assert str(int(float(user.user_id))) != user.user_id  # what a float would have made of it
    assert detail.display_name == "Trần Văn Bình" and detail.user_is_follower is True
    assert detail.shared_info is not None and detail.shared_info.phone == "84987654321"
    assert detail.last_interaction_day is not None
    assert json.loads(json.dumps({"id": int(user.user_id)}))["id"] == int(user.user_id)


async def test_quota_and_network_failures(fake: FakeZaloOAServer, client: ZaloOAClient) -> None:
    fake.set_quota(120)
    quota = await client.message_quota()
    assert (quota.remain, quota.quota_type) == (120, "sub_quota")
    async with ZaloOAClient(StaticToken("t"), "http://127.0.0.1:1", timeout_s=2) as closed:
        with pytest.raises(ZaloOANetworkError) as failure:
            await closed.send_text("1", "x")
    assert failure.value.maybe_delivered is False
    async with ZaloOAClient(StaticToken("t"), f"{fake.base_url}/nowhere", timeout_s=2) as lost:
        with pytest.raises(ZaloOANetworkError, match="not a Zalo envelope"):
            await lost.send_text("1", "x")


async def test_oauth_pkce_exchange_and_rotation(platform: tuple[FakeZaloOAServer, ZaloOAuthClient]) -> None:
    fake, oauth = platform
    request = authorization_request(oauth.app_id, REDIRECT_URI, fake.base_url)
    query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    assert urlparse(request.url).path == "/v4/oa/permission"
    assert query == {"app_id": fake.app_id, "redirect_uri": REDIRECT_URI,
                     "code_challenge": code_challenge(request.code_verifier), "state": request.state}
    assert request.code_verifier not in repr(request)
    code = fake.approve(request.url)
    with pytest.raises(OAuthRefused):
        await oauth.exchange_code(code, "wrong-verifier")
    grant = await connected(fake, oauth)
    assert grant.expires_in_s == 90000  # from the string "90000"
    assert grant.access_token not in repr(grant) and grant.refresh_token not in repr(grant)
    rotated = await oauth.refresh(grant.refresh_token)
    with pytest.raises(OAuthRefused) as reused:
        await oauth.refresh(grant.refresh_token)
    assert reused.value.code < 0 and reused.value.name == "Invalid refresh token"
    fake.lose_next_refresh_response()
    with pytest.raises(OAuthUnavailable):
        await oauth.refresh(rotated.refresh_token)
    async with ZaloOAuthClient(fake.app_id, "not-the-app-secret", fake.base_url) as wrong_secret:
        code, verifier = approved_code(fake, wrong_secret)
        with pytest.raises(OAuthRefused):
            await wrong_secret.exchange_code(code, verifier)
