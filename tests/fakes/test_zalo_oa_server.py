"""The fake Zalo OA platform behaves like the real one (checked with raw HTTP, not with the bot's client,
so a mistake shared by both cannot hide)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.zalo_oa_server import FILE_LIMIT, FakeZaloOAServer
from tests.helpers import Clock

JsonDict = dict[str, Any]


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def clock() -> Clock:
    # 10:00 in Hà Nội.
    return Clock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeZaloOAServer]:
    async with FakeZaloOAServer(clock=clock) as server:
        server.retry_delays_s = [0.05, 0.05]
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _connect(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> JsonDict:
    verifier = secrets.token_urlsafe(32)
    url = f"{fake.base_url}/v4/oa/permission?" + urlencode({
        "app_id": fake.app_id, "redirect_uri": "https://bot.example/zalo-oa/callback",
        "code_challenge": _challenge(verifier), "state": "s1"})
    code = fake.approve(url)
    return await _token(fake, http, {"code": code, "app_id": fake.app_id, "grant_type": "authorization_code",
                                     "code_verifier": verifier})


async def _token(fake: FakeZaloOAServer, http: aiohttp.ClientSession, form: dict[str, str],
                 secret: str | None = None) -> JsonDict:
    async with http.post(f"{fake.base_url}/v4/oa/access_token", data=form,
                         headers={"secret_key": fake.app_secret if secret is None else secret}) as response:
        assert response.status == 200
        body: JsonDict = await response.json()
        return body


async def _api(fake: FakeZaloOAServer, http: aiohttp.ClientSession, path: str, token: str,
               body: JsonDict | None = None) -> JsonDict:
    async with http.post(f"{fake.base_url}{path}", json=body or {}, headers={"access_token": token}) as response:
        assert response.status == 200  # refusals too
        answer: JsonDict = await response.json()
        return answer


def _text(user_id: str, text: str) -> JsonDict:
    return {"recipient": {"user_id": user_id}, "message": {"text": text}}


# --- OAuth ------------------------------------------------------------------------------------------------


async def test_pkce_code_exchange(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    verifier = secrets.token_urlsafe(32)
    query = {"app_id": fake.app_id, "redirect_uri": "https://bot.example/cb", "code_challenge": _challenge(verifier),
             "state": "xyz"}
    # The admin's browser: the permission page redirects to the callback with the code and the OA id.
    async with http.get(f"{fake.base_url}/v4/oa/permission?{urlencode(query)}", allow_redirects=False) as response:
        assert response.status == 302
        callback = parse_qs(urlparse(response.headers["Location"]).query)
    assert callback["state"] == ["xyz"] and callback["oa_id"] == [fake.oa_id]
    code = callback["code"][0]
    form = {"code": code, "app_id": fake.app_id, "grant_type": "authorization_code"}
    wrong = await _token(fake, http, {**form, "code_verifier": "not-the-verifier"})
    assert wrong["error"] < 0 and "verifier" in wrong["error_description"] and "access_token" not in wrong
    # The code was spent by the failed attempt: single use.
    again = await _token(fake, http, {**form, "code_verifier": verifier})
    assert again["error"] < 0 and "access_token" not in again
    granted = await _connect(fake, http)
    assert granted["expires_in"] == "90000"  # a string of seconds: 25 hours
    assert fake.access_token_is_live(granted["access_token"]) and fake.refresh_token_is_live(granted["refresh_token"])


async def test_code_expires_and_secret_key_is_checked(fake: FakeZaloOAServer, http: aiohttp.ClientSession,
                                                      clock: Clock) -> None:
    verifier = secrets.token_urlsafe(32)
    code = fake.approve(f"https://oauth.example/v4/oa/permission?app_id={fake.app_id}&redirect_uri=https://b/cb"
                        f"&code_challenge={_challenge(verifier)}")
    form = {"code": code, "app_id": fake.app_id, "grant_type": "authorization_code", "code_verifier": verifier}
    refused = await _token(fake, http, form, secret="the-oa-secret-key-is-not-the-app-secret")
    assert refused["error"] < 0
    clock.advance(minutes=11)
    expired = await _token(fake, http, form)
    assert expired["error"] < 0 and "access_token" not in expired


async def test_refresh_tokens_are_single_use_and_rotate(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    first = await _connect(fake, http)
    form = {"refresh_token": first["refresh_token"], "app_id": fake.app_id, "grant_type": "refresh_token"}
    second = await _token(fake, http, form)
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    reused = await _token(fake, http, form)
    assert reused["error"] < 0 and reused["error_name"] == "Invalid refresh token"
    assert fake.refresh_calls == [first["refresh_token"], first["refresh_token"]]
    assert fake.refresh_token_is_live(second["refresh_token"])


async def test_a_lost_refresh_answer_still_rotates(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    first = await _connect(fake, http)
    fake.lose_next_refresh_response()
    form = {"refresh_token": first["refresh_token"], "app_id": fake.app_id, "grant_type": "refresh_token"}
    with pytest.raises(aiohttp.ClientError):
        await _token(fake, http, form)
    assert not fake.refresh_token_is_live(first["refresh_token"])  # spent, and its successor never delivered


async def test_access_tokens_expire_after_25_hours(fake: FakeZaloOAServer, http: aiohttp.ClientSession,
                                                   clock: Clock) -> None:
    token = (await _connect(fake, http))["access_token"]
    user = fake.add_user()
    fake.user_sends_text(user, "xin chào")
    assert (await _api(fake, http, "/v3.0/oa/message/cs", "nonsense", _text(user.user_id, "a")))["error"] == -216
    clock.advance(hours=24, minutes=59)
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "a")))["error"] == 0
    clock.advance(minutes=2)
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "b")))["error"] == -220
    assert [s.text for s in user.seen] == ["a"]


# --- windows, limits, quota, rate -------------------------------------------------------------------------


async def test_consultation_window_and_transaction_hours(fake: FakeZaloOAServer, http: aiohttp.ClientSession,
                                                         clock: Clock) -> None:
    token = (await _connect(fake, http))["access_token"]
    user = fake.add_user()
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "a")))["error"] == -230
    fake.user_sends_text(user, "chào")
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "b")))["error"] == 0
    clock.advance(days=7, minutes=1)
    token = (await _connect(fake, http))["access_token"]
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "c")))["error"] == -230
    transaction = {"recipient": {"user_id": user.user_id}, "message": {"attachment": {"type": "template", "payload": {
        "template_type": "transaction_internal", "language": "VI",
        "elements": [{"type": "header", "content": "Nhắc việc"}, {"type": "text", "content": "Hạn nộp"}],
        "buttons": []}}}}
    clock.now = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)  # 22:30 in Hà Nội
    token = (await _connect(fake, http))["access_token"]
    assert (await _api(fake, http, "/v3.0/oa/message/transaction", token, transaction))["error"] == -201
    clock.now = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)  # 07:00
    token = (await _connect(fake, http))["access_token"]
    assert (await _api(fake, http, "/v3.0/oa/message/transaction", token, transaction))["error"] == 0
    seen = user.seen[-1]
    assert (seen.kind, seen.text, seen.charge, seen.sent_at) == ("transaction", "Nhắc việc", "transaction", clock.now)


async def test_text_and_file_limits(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    token = (await _connect(fake, http))["access_token"]
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "ạ" * 2000)))["error"] == 0
    too_long = await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "ạ" * 2001))
    assert too_long["error"] == -201
    # An emoji is two UTF-16 units, as Zalo's clients count.
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "😀" * 1001)))["error"] == -201

    async def upload(name: str, data: bytes) -> JsonDict:
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("file", data, filename=name, content_type="application/octet-stream")
        async with http.post(f"{fake.base_url}/v2.0/oa/upload/file", data=form,
                             headers={"access_token": token}) as response:
            answer: JsonDict = await response.json()
            return answer

    assert (await upload("bang.xlsx", b"PK\x03\x04"))["error"] == -201
    assert (await upload("big.pdf", b"%PDF-" + b"0" * FILE_LIMIT))["error"] == -201
    uploaded = await upload("Phụ lục 1.pdf", b"%PDF-1.7 phu luc")
    assert uploaded["error"] == 0
    message = {"recipient": {"user_id": user.user_id},
               "message": {"attachment": {"type": "file", "payload": {"token": uploaded["data"]["token"]}}}}
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, message))["error"] == 0
    assert (user.seen[-1].kind, user.seen[-1].file_name, user.seen[-1].file_bytes) == (
        "file", "Phụ lục 1.pdf", b"%PDF-1.7 phu luc")


async def test_free_window_quota_and_rate_limit(fake: FakeZaloOAServer, http: aiohttp.ClientSession,
                                                clock: Clock) -> None:
    token = (await _connect(fake, http))["access_token"]
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    fake.free_per_interaction = 2
    fake.set_quota(1)
    for text in ("1", "2", "3"):
        assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, text)))["error"] == 0
    assert [s.charge for s in user.seen] == ["free", "free", "quota"]
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "4")))["error"] == -211
    fake.user_sends_text(user, "lại")  # a new interaction restarts the free count
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "5")))["error"] == 0
    fake.set_quota(None)
    clock.advance(hours=49)
    token = (await _connect(fake, http))["access_token"]
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "6")))["error"] == 0
    assert user.seen[-1].charge == "quota"
    fake.set_rate_limit(2, per_s=60)
    codes = [(await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "r")))["error"]
             for _ in range(3)]
    assert codes == [0, 0, -32]


async def test_ids_beyond_2_53_keep_their_digits(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    token = (await _connect(fake, http))["access_token"]
    user = fake.add_user()
    assert int(user.user_id) > 2**53
    async with http.get(f"{fake.base_url}/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user.user_id})},
                        headers={"access_token": token}) as response:
        raw = await response.text()
    assert f'"user_id": {user.user_id},' in raw  # a bare JSON number, as the old profile API sent it
    assert json.loads(raw)["data"]["user_id"] == int(user.user_id)  # exact in Python...
    assert float(json.loads(raw)["data"]["user_id"]) != int(user.user_id)  # ...and not as a float


# --- the webhook -----------------------------------------------------------------------------------------


@dataclass
class Bot:
    """A stand-in for the bot's webhook: records what arrives, answers as told."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give in order; then 200
    slow_first_s: float = 0.0
    url: str = ""


@pytest.fixture
async def bot(fake: FakeZaloOAServer) -> AsyncIterator[Bot]:
    state = Bot()

    async def hook(request: web.Request) -> web.Response:
        state.received.append((dict(request.headers), await request.read()))
        if state.slow_first_s and len(state.received) == 1:
            await asyncio.sleep(state.slow_first_s)
        return web.Response(status=state.statuses.pop(0) if state.statuses else 200)

    app = web.Application()
    app.router.add_post("/zalo-oa/webhook", hook)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo-oa/webhook"
    fake.webhook_url = state.url
    yield state
    await runner.cleanup()


async def test_webhook_calls_are_signed_over_the_exact_bytes(fake: FakeZaloOAServer, bot: Bot) -> None:
    user = fake.add_user()
    pushed = fake.user_sends_text(user, "Thầy/Cô cho hỏi")
    await fake.wait_until(lambda: len(bot.received) == 1, what="one call")
    headers, raw = bot.received[0]
    body = json.loads(raw)
    assert body == pushed and body["sender"]["id"] == user.user_id and isinstance(body["message"]["msg_id"], str)
    mac = hashlib.sha256(fake.app_id.encode() + raw + body["timestamp"].encode() + fake.oa_secret_key.encode())
    assert headers["X-ZEvent-Signature"] == "mac=" + mac.hexdigest()
    assert body["timestamp"] == str(int(fake.clock().timestamp() * 1000))


async def test_numeric_ids_mode_sends_bare_numbers(fake: FakeZaloOAServer, bot: Bot) -> None:
    fake.numeric_ids = True
    user = fake.add_user()
    fake.follows(user)
    await fake.wait_until(lambda: len(bot.received) == 1, what="one call")
    raw = bot.received[0][1].decode()
    assert re.search(r'"follower":\{"id":' + user.user_id + r"\}", raw)
    assert json.loads(raw)["follower"]["id"] == int(user.user_id)


async def test_slow_or_failed_answers_are_retried_then_given_up(fake: FakeZaloOAServer, bot: Bot) -> None:
    fake.answer_deadline_s = 0.3
    bot.slow_first_s = 1.0
    user = fake.add_user()
    fake.user_sends_text(user, "một")
    await fake.wait_until(lambda: any(d.status == 200 for d in fake.deliveries), what="a 200")
    assert [(d.attempt, d.status) for d in fake.deliveries] == [(1, 0), (2, 200)]
    assert bot.received[0][1] == bot.received[1][1]  # the same body again
    bot.statuses = [500, 503, 500]
    fake.user_sends_text(user, "hai")
    await fake.wait_until(lambda: len(fake.gave_up) == 1, what="giving up")
    assert [d.status for d in fake.deliveries[2:]] == [500, 503, 500]


async def test_duplicate_deliveries_on_demand(fake: FakeZaloOAServer, bot: Bot) -> None:
    user = fake.add_user()
    payload = fake.user_sends_file(user, b"%PDF-1.7 x", "ho so.pdf")
    fake.redeliver(payload)  # the same event later
    fake.push(payload, duplicate=True)  # and twice at once
    await fake.wait_until(lambda: len(bot.received) == 4, what="four calls")
    bodies = {raw for _, raw in bot.received}
    signatures = {headers["X-ZEvent-Signature"] for headers, _ in bot.received}
    assert len(bodies) == 1 and len(signatures) == 1


async def test_hosted_files_answer_expire_or_hang_up(fake: FakeZaloOAServer, http: aiohttp.ClientSession) -> None:
    user = fake.add_user()
    payload = fake.user_sends_file(user, b"%PDF-1.7 signed", "ky so.pdf")
    file = payload["message"]["attachments"][0]["payload"]
    assert (file["name"], file["size"], file["type"]) == ("ky so.pdf", "15", "pdf")
    async with http.get(file["url"]) as response:
        assert await response.read() == b"%PDF-1.7 signed"
        assert hashlib.md5(b"%PDF-1.7 signed").hexdigest() == file["checksum"]
    fake.expire_file(file["url"])
    async with http.get(file["url"]) as response:
        assert response.status == 404
    dead = fake.user_sends_file(user, b"%PDF-1.7 gone", "mat.pdf", answering=False)
    with pytest.raises(aiohttp.ClientError):
        async with http.get(dead["message"]["attachments"][0]["payload"]["url"]) as response:
            await response.read()


async def test_every_event_kind_and_echoes(fake: FakeZaloOAServer, http: aiohttp.ClientSession, bot: Bot,
                                           clock: Clock) -> None:
    user = fake.add_user()
    fake.follows(user)
    fake.clicks_chat_now(user)
    fake.user_sends_image(user)
    fake.user_sends_sticker(user)
    fake.user_sends_location(user)
    fake.submits_info(user, "Vũ Thị Lan", "0987654321")
    fake.unfollows(user)
    fake.echo_oa_sends = True
    token = (await _connect(fake, http))["access_token"]
    assert (await _api(fake, http, "/v3.0/oa/message/cs", token, _text(user.user_id, "Kính chào Thầy/Cô")))[
        "error"] == 0
    await fake.wait_until(lambda: len(bot.received) == 8, what="eight calls")
    names = sorted(json.loads(raw)["event_name"] for _, raw in bot.received)
    assert names == sorted(["follow", "user_click_chatnow", "user_send_image", "user_send_sticker",
                            "user_send_location", "user_submit_info", "unfollow", "oa_send_text"])
    echo = next(json.loads(raw) for _, raw in bot.received if json.loads(raw)["event_name"] == "oa_send_text")
    assert echo["recipient"]["id"] == user.user_id and echo["sender"]["id"] == fake.oa_id
    assert user.last_interaction == clock.now


async def test_fake_ids_are_big(fake: FakeZaloOAServer) -> None:
    assert int(fake.app_id) > 2**53 and int(fake.oa_id) > 2**53
