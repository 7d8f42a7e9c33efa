"""Sign-in without passwords: a chat hands out a signed, expiring link (HMAC over user, expiry and a
nonce); opening it once turns it into a session cookie bound to that user.

No row is written when a link is issued: the signature proves it is ours, `used_dashboard_link`
makes it work once. The session cookie is a random token; only its SHA-256 is stored. No aiohttp
here, so the composition root can hand the issuer to the chat handlers cheaply.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hsdt.storage.types import utcnow

if TYPE_CHECKING:
    from hsdt.config import Settings

# Distinct from the upload links' context: a token of one kind is never accepted as the other.
_CONTEXT = b"hsdt dashboard sign-in v1:"
PATH_PREFIX = "/bang-dieu-khien"
SIGN_IN_PATH = "/vao/"


class LinkInvalid(Exception):
    """Forged, truncated or otherwise not a sign-in link this bot issued."""


class LinkExpired(Exception):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


@dataclass(frozen=True)
class SignInGrant:
    user_id: int
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignInLinks:
    """Issues and verifies the links; `issue` is what the chat handler calls."""

    def __init__(self, secret: bytes, base_url: str, ttl: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        if len(secret) < 16:
            raise ValueError("the sign-in link secret must be at least 16 bytes")
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.clock = clock

    def issue(self, user_id: int) -> tuple[str, datetime]:
        grant = SignInGrant(user_id, (self.clock() + self.ttl).replace(microsecond=0), secrets.token_hex(8))
        return f"{self.base_url}{PATH_PREFIX}{SIGN_IN_PATH}{self.token(grant)}", grant.expires_at

    def token(self, grant: SignInGrant) -> str:
        body = {"i": grant.user_id, "e": int(grant.expires_at.timestamp()), "n": grant.nonce}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode("ascii"))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> SignInGrant:
        payload, dot, signature = token.partition(".")
        if not dot or not hmac.compare_digest(signature.encode("ascii", "replace"), self._sign(payload).encode()):
            raise LinkInvalid(token[:16])
        try:
            body = json.loads(_unb64(payload))
            grant = SignInGrant(int(body["i"]), datetime.fromtimestamp(int(body["e"]), UTC), str(body["n"]))
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise LinkInvalid(token[:16]) from error
        if len(grant.nonce) > 32:
            raise LinkInvalid(token[:16])
        if grant.expires_at <= self.clock():
            raise LinkExpired(grant.expires_at)
        return grant

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, _CONTEXT + payload.encode("ascii", "replace"), hashlib.sha256).digest())


def new_session_token() -> tuple[str, str]:
    """(the cookie's value, the SHA-256 stored for it)."""
    token = secrets.token_urlsafe(32)
    return token, session_digest(token)


def session_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class CookiePolicy:
    name: str
    secure: bool
    max_age: timedelta
    path: str = PATH_PREFIX


def cookie_is_secure(base_url: str, setting: bool | None) -> bool:
    """Secure when the public address is HTTPS (behind TLS), unless the setting says otherwise."""
    return setting if setting is not None else base_url.lower().startswith("https://")


def from_settings(settings: Settings, clock: Callable[[], datetime] = utcnow) -> SignInLinks | None:
    """The issuer for this deployment: the upload links' key and public address; None without a web server."""
    from hsdt.links.tokens import load_secret, public_base_url

    base = public_base_url(settings)
    if base is None:
        return None
    return SignInLinks(load_secret(settings), base, timedelta(minutes=settings.dashboard_link_ttl_minutes), clock)


def cookie_policy(settings: Settings, base_url: str) -> CookiePolicy:
    return CookiePolicy(
        name="hsdt_bdk",
        secure=cookie_is_secure(base_url, settings.dashboard_cookie_secure),
        max_age=timedelta(hours=settings.dashboard_session_hours),
    )
