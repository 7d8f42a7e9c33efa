"""Webhook calls as the fake platform signs them: verified, refused with a reason, parsed into typed events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hsdt.channels.zalo_oa.events import (
    Follow,
    OAEcho,
    Unfollow,
    UnknownEvent,
    UserClickChatNow,
    UserSendFile,
    UserSendImage,
    UserSendLocation,
    UserSendSticker,
    UserSendText,
    UserSubmitInfo,
    parse_event,
)
from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.channels.zalo_oa.webhook import (
    Rejection,
    VerifiedCall,
    WebhookPolicy,
    WebhookRejected,
    json_depth_exceeds,
    signature,
    verify_call,
)
from tests.fakes.zalo_oa_server import FakeZaloOAServer
from tests.helpers import Clock


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeZaloOAServer]:
    async with FakeZaloOAServer(clock=clock) as server:  # no webhook URL: events are only built and signed
        yield server


def _policy(fake: FakeZaloOAServer) -> WebhookPolicy:
    return WebhookPolicy({fake.app_id: fake.oa_secret_key})


def _verify(fake: FakeZaloOAServer, payload: dict[str, Any], clock: Clock) -> VerifiedCall:
    body = fake.encode(payload)
    return verify_call(body, fake.sign(body), _policy(fake), clock())


def _reason(body: bytes, header: str | None, policy: WebhookPolicy, clock: Clock) -> Rejection:
    with pytest.raises(WebhookRejected) as rejected:
        verify_call(body, header, policy, clock())
    return rejected.value.reason


async def test_every_event_is_typed(fake: FakeZaloOAServer, clock: Clock) -> None:
    user = fake.add_user()
    text = _verify(fake, fake.user_sends_text(user, "Cô gửi hồ sơ ạ"), clock).event
    assert isinstance(text, UserSendText) and text.message.text == "Cô gửi hồ sơ ạ"
    assert text.user_id == user.user_id and text.is_interaction and text.occurred_at == clock.now
    file = _verify(fake, fake.user_sends_file(user, b"%PDF-1.7", "ky so.pdf"), clock).event
    assert isinstance(file, UserSendFile) and file.file.name == "ky so.pdf" and file.file.size == 8
    assert file.file.type == "pdf" and file.file.url.startswith(fake.base_url) and file.file.checksum
    assert isinstance(_verify(fake, fake.user_sends_image(user), clock).event, UserSendImage)
    assert isinstance(_verify(fake, fake.user_sends_sticker(user), clock).event, UserSendSticker)
    location = _verify(fake, fake.user_sends_location(user), clock).event
    assert isinstance(location, UserSendLocation)
    assert location.message.attachments[0].payload.coordinates.latitude == pytest.approx(10.7642473)
    info = _verify(fake, fake.submits_info(user, "Vũ Thị Lan", "0987654321"), clock).event
    assert isinstance(info, UserSubmitInfo) and info.info.phone == "0987654321"
    follow = _verify(fake, fake.follows(user), clock).event
    assert isinstance(follow, Follow) and follow.user_id == user.user_id and follow.is_interaction
    chat_now = _verify(fake, fake.clicks_chat_now(user), clock).event
    assert isinstance(chat_now, UserClickChatNow) and chat_now.user_id == user.user_id
    unfollow = _verify(fake, fake.unfollows(user), clock).event
    assert isinstance(unfollow, Unfollow) and not unfollow.is_interaction


async def test_media_and_unknown_events(fake: FakeZaloOAServer, clock: Clock) -> None:
    user = fake.add_user()
    base = fake.user_sends_text(user, "x")
    for name in ("user_send_audio", "user_send_video", "user_send_link", "user_send_gif"):
        payload = {**base, "event_name": name,
                   "message": {"msg_id": "1", "attachments": [{"type": name[10:], "payload": {"url": "https://z/1"}}]}}
        event = _verify(fake, payload, clock).event
        assert event.event_name == name and event.is_interaction
    echo = _verify(fake, {**base, "event_name": "oa_send_file", "sender": {"id": fake.oa_id},
                          "recipient": {"id": user.user_id}}, clock).event
    assert isinstance(echo, OAEcho) and echo.user_id == user.user_id and not echo.is_interaction
    unknown = _verify(fake, {"app_id": fake.app_id, "timestamp": base["timestamp"], "event_name": "user_seen_message",
                             "message": {"msg_ids": ["1", "2"]}}, clock).event
    assert isinstance(unknown, UnknownEvent) and unknown.event_name == "user_seen_message"
    assert not unknown.is_interaction and unknown.user_id is None
    nameless = parse_event({"app_id": fake.app_id, "timestamp": 1})
    assert isinstance(nameless, UnknownEvent)
    seen_one = parse_event({"event_name": "user_seen_message", "timestamp": 5, "message": {"msg_ids": ["1"]}})
    seen_two = parse_event({"event_name": "user_seen_message", "timestamp": 5, "message": {"msg_ids": ["2"]}})
    assert seen_one.dedupe_id != seen_two.dedupe_id
    assert seen_one.dedupe_id == parse_event({"event_name": "user_seen_message", "timestamp": 5,
                                              "message": {"msg_ids": ["1"]}}).dedupe_id


async def test_big_ids_as_bare_numbers_keep_their_digits(fake: FakeZaloOAServer, clock: Clock) -> None:
    fake.numeric_ids = True
    user = fake.add_user()
    payload = fake.user_sends_text(user, "chào")
    body = fake.encode(payload)
    assert f'"sender":{{"id":{user.user_id}}}'.encode() in body  # bare numbers on the wire
    call = verify_call(body, fake.sign(body), _policy(fake), clock())
    assert isinstance(call.event, UserSendText)
    assert call.event.user_id == user.user_id and call.event.app_id == fake.app_id
    assert call.event.msg_id == str(payload["message"]["msg_id"]) and int(call.event.msg_id) > 2**53
    with pytest.raises(ValueError):  # a float has lost digits: refused, not guessed
        parse_event({**json.loads(body), "sender": {"id": float(user.user_id)}})


async def test_redeliveries_share_one_dedupe_id(fake: FakeZaloOAServer, clock: Clock) -> None:
    user = fake.add_user()
    message = fake.user_sends_file(user, b"%PDF-1.7", "a.pdf")
    assert _verify(fake, message, clock).event.dedupe_id == str(message["message"]["msg_id"])
    follow = fake.follows(user)
    first, again = _verify(fake, follow, clock).event.dedupe_id, _verify(fake, dict(follow), clock).event.dedupe_id
    assert first == again and len(first) <= 64
    clock.advance(seconds=5)
    assert _verify(fake, fake.follows(user), clock).event.dedupe_id != first  # a new follow later


async def test_refusals_each_have_a_reason(fake: FakeZaloOAServer, clock: Clock) -> None:
    policy = _policy(fake)
    user = fake.add_user()
    payload = fake.user_sends_text(user, "chào")
    body = fake.encode(payload)
    good = fake.sign(body)
    assert verify_call(body, good, policy, clock()).app_id == fake.app_id
    tampered = body.replace("chào".encode(), "chảo".encode())
    assert _reason(tampered, good, policy, clock) is Rejection.BAD_SIGNATURE
    assert _reason(body, None, policy, clock) is Rejection.NO_SIGNATURE
    assert _reason(body, good.removeprefix("mac="), policy, clock) is Rejection.NO_SIGNATURE
    verify_call(body, "mac=" + good.removeprefix("mac=").upper(), policy, clock())  # hex case does not matter
    app_secret_mac = "mac=" + signature(fake.app_id, body, payload["timestamp"], fake.app_secret)
    assert _reason(body, app_secret_mac, policy, clock) is Rejection.BAD_SIGNATURE  # the app secret is not the key
    hmac_like = "mac=" + "0" * 64
    assert _reason(body, hmac_like, policy, clock) is Rejection.BAD_SIGNATURE
    other_app = WebhookPolicy({"1111111111111111111": fake.oa_secret_key})
    assert _reason(body, good, other_app, clock) is Rejection.UNKNOWN_APP
    assert _reason(b"app_id=1&timestamp=2", good, policy, clock) is Rejection.NOT_JSON
    assert _reason(b"[1, 2]", good, policy, clock) is Rejection.NOT_JSON
    no_time = fake.encode({k: v for k, v in payload.items() if k != "timestamp"})
    assert _reason(no_time, good, policy, clock) is Rejection.NO_TIMESTAMP
    big = fake.encode({**payload, "message": {"msg_id": "1", "text": "x" * 300_000}})
    assert _reason(big, fake.sign(big), policy, clock) is Rejection.TOO_LARGE
    deep = fake.encode({**payload, "extra": json.loads("[" * 40 + "]" * 40)})
    assert _reason(deep, fake.sign(deep), policy, clock) is Rejection.TOO_DEEP
    broken = fake.encode({**payload, "event_name": "user_send_file", "message": {"msg_id": "1", "attachments": []}})
    assert _reason(broken, fake.sign(broken), policy, clock) is Rejection.MALFORMED_EVENT


async def test_stale_and_future_calls(fake: FakeZaloOAServer, clock: Clock) -> None:
    policy = _policy(fake)
    user = fake.add_user()
    body = fake.encode(fake.user_sends_text(user, "chào"))
    header = fake.sign(body)
    clock.advance(hours=12)  # Zalo still redelivers a call this old
    verify_call(body, header, policy, clock())
    clock.advance(hours=12, seconds=1)
    assert _reason(body, header, policy, clock) is Rejection.STALE
    clock.advance(hours=-24, minutes=-6)
    assert _reason(body, header, policy, clock) is Rejection.FROM_FUTURE
    far = fake.encode({**json.loads(body), "timestamp": "9" * 30})
    assert _reason(far, fake.sign(far), policy, clock) is Rejection.FROM_FUTURE


def test_depth_scan_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[\\"[[[[[["}', 3)
    assert json_depth_exceeds(b'{"a": [[[1]]]}', 3)
    assert not json_depth_exceeds(b'{"a": [[1]]}', 3)


def test_policy_from_settings_uses_the_oa_secret_key() -> None:
    settings = ZaloOASettings(_env_file=None, app_id="123", app_secret="app-secret", oa_secret_key="oa-key",
                              oa_id="456", webhook_max_age_s=3600)
    policy = WebhookPolicy.from_settings(settings)
    assert policy.oa_secret_keys == {"123": "oa-key"} and policy.max_age == timedelta(hours=1)
