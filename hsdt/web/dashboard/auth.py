"""Sign-in without passwords: a chat hands out a signed, expiring, one-time link (a `SignInGrant`
token of `hsdt.links.tokens`: user, expiry, nonce); opening it once turns it into a session cookie
bound to that user.

No row is written when a link is issued: the signature proves it is ours, `used_dashboard_link`
makes it work once. The session cookie is a random token; only its SHA-256 is stored. No aiohttp
here, so the composition root can hand the issuer to the chat handlers cheaply.

A session row lives in its user's tenant (Sở): the link names the tenant inside its signed grant, and
the cookie says it too, as `<tenant>.<token>.<MAC>` (the MAC with the link key over both), so a page
opens its unit of work in that tenant and an edited tenant fails the MAC. A bare token (a cookie set
before tenants) means the first tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from hsdt.links.tokens import SignedLinks, SignInGrant, link_tenant, load_secret, new_nonce, public_base_url
from hsdt.storage.tenancy import DEFAULT_TENANT
from hsdt.storage.types import utcnow

if TYPE_CHECKING:
    from hsdt.config import Settings

PATH_PREFIX = "/bang-dieu-khien"
SIGN_IN_PATH = "/vao/"
# `?dot=CODE` names the campaign a page shows (on a sign-in link: the one the pages open on).
CAMPAIGN_PARAM = "dot"


class SignInLinks(SignedLinks[SignInGrant]):
    """Issues and verifies the links; `issue` is what the chat handler calls."""

    def __init__(self, secret: bytes, base_url: str, ttl: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(secret, SignInGrant, base_url, PATH_PREFIX + SIGN_IN_PATH + "{token}", ttl, clock)

    def issue(self, user_id: int, tenant: int | None = None, campaign: str | None = None) -> tuple[str, datetime]:
        """`tenant`: the user's Sở (else the one in scope); `campaign`: the code of the campaign the pages
        open on (the one chosen in the chat), a preference outside the signature: the pages show only a
        campaign the user may see."""
        grant = SignInGrant(user_id=user_id, expires_at=self.expiry(), nonce=new_nonce(),
                            tenant_id=link_tenant(tenant))
        url = self.url(grant)
        return (f"{url}?{urlencode({CAMPAIGN_PARAM: campaign})}" if campaign else url), grant.expires_at

    def session_cookie(self, tenant: int, token: str) -> str:
        """The cookie's value: the tenant the session row lives in and the token, signed together."""
        return f"{tenant}.{token}.{self.mac(_COOKIE_MAC, f'{tenant}.{token}')}"

    def read_cookie(self, value: str | None) -> tuple[int, str] | None:
        """(tenant, token) of a cookie this server set; None when it is missing or was tampered with."""
        if not value:
            return None
        parts = value.split(".")
        if len(parts) == 1:
            return DEFAULT_TENANT, value  # set before tenants: the first tenant's session
        if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 9:
            return None
        tenant, token, mac = parts
        if not hmac.compare_digest(mac.encode("ascii", "replace"),
                                   self.mac(_COOKIE_MAC, f"{tenant}.{token}").encode("ascii")):
            return None
        return int(tenant), token


_COOKIE_MAC = "dashboard-session"


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
    """The issuer for this deployment: the link key and public address; None without a web server."""
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
