"""The one signed token behind every link: upload, download and dashboard sign-in links are signed and
verified by the same code, and no kind of link is accepted as another, even with the same key."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from hsdt.links.downloads import DownloadLinks
from hsdt.links.tokens import Grant, LinkExpired, LinkInvalid, UploadLinks
from hsdt.redaction import MASK, RedactSecrets
from hsdt.web.dashboard.auth import SignInLinks
from tests.helpers import Clock

KEY = b"one-key-for-every-link-0123456789"
BASE = "https://hsdt.example.gov.vn"


def _kinds(clock: Clock) -> tuple[UploadLinks, DownloadLinks, SignInLinks]:
    ttl = timedelta(minutes=30)
    return UploadLinks(KEY, BASE, ttl, clock), DownloadLinks(KEY, BASE, ttl, clock), SignInLinks(KEY, BASE, ttl, clock)


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_each_kind_verifies_its_own_tokens_and_refuses_the_others(clock: Clock) -> None:
    upload, download, sign_in = _kinds(clock)
    (up_url, up_grant), (down_url, down_grant) = upload.issue("zalo", "u1", 7, "chk:file"), \
        download.issue("zalo", "u1", 7, "dl:file")
    in_url, _ = sign_in.issue(7)
    tokens = {"upload": _token(up_url), "download": _token(down_url), "sign-in": _token(in_url)}
    verify: dict[str, Callable[[str], Grant]] = {
        "upload": upload.verify, "download": download.verify, "sign-in": sign_in.verify,
    }
    assert upload.verify(tokens["upload"]) == up_grant and download.verify(tokens["download"]) == down_grant
    assert sign_in.verify(tokens["sign-in"]).user_id == 7
    for kind, token in tokens.items():
        for other, check in verify.items():
            if other != kind:
                with pytest.raises(LinkInvalid):
                    check(token)


def test_urls_carry_each_kind_on_its_own_path(clock: Clock) -> None:
    upload, download, sign_in = _kinds(clock)
    assert upload.issue("zalo", "u1", 7, "chk:file")[0].startswith(f"{BASE}/u/eyJ")
    assert download.issue("zalo", "u1", 7, "dl:img")[0].startswith(f"{BASE}/d/eyJ")
    assert sign_in.issue(7)[0].startswith(f"{BASE}/bang-dieu-khien/vao/eyJ")


def test_a_changed_payload_or_signature_is_refused(clock: Clock) -> None:
    upload, _, _ = _kinds(clock)
    url, grant = upload.issue("zalo", "u1", 7, "sa:ev:3:1.2")
    payload, signature = _token(url).split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["user_id"] = 8  # someone else's upload, under the first user's signature
    other = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    extra = base64.urlsafe_b64encode(json.dumps({**body, "user_id": 7, "admin": True}).encode()).rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{other}.{signature}", f"{extra}.{signature}", f"{payload}.{flipped}", payload, f"{payload}.",
                "", ".", "x.y", f"{payload}.{signature}.x"):
        with pytest.raises(LinkInvalid) as refused:
            upload.verify(bad)
        assert str(refused.value) == ""  # the error names no part of the token: it may reach a log line
    assert upload.verify(f"{payload}.{signature}") == grant


def test_another_key_and_expiry(clock: Clock) -> None:
    upload, _, _ = _kinds(clock)
    url, grant = upload.issue("telegram", "42", 7, "chk:file")
    stranger = UploadLinks(b"another-key-0123456789abcdef", BASE, timedelta(minutes=30), clock)
    with pytest.raises(LinkInvalid):
        stranger.verify(_token(url))
    clock.advance(minutes=31)
    with pytest.raises(LinkExpired) as expired:
        upload.verify(_token(url))
    assert expired.value.expires_at == grant.expires_at
    assert upload.verify(_token(url), check_expiry=False) == grant
    with pytest.raises(ValueError):
        UploadLinks(b"short", BASE, timedelta(minutes=1), clock)


def test_the_log_filter_knows_the_shape_of_every_kind_of_token(clock: Clock) -> None:
    upload, download, sign_in = _kinds(clock)
    for url in (upload.issue("zalo", "u1", 7, "sa:ev:3:1.2")[0], download.issue("zalo", "u1", 7, "dl:img")[0],
                sign_in.issue(7)[0]):
        token = _token(url)
        scrubbed = RedactSecrets().scrub(f"GET {url} failed; payload {token.split('.')[0]}")
        assert token.split(".")[0] not in scrubbed and token.split(".")[1] not in scrubbed
        assert scrubbed.count(MASK) == 2
