"""OAuth v4 for an Official Account, with PKCE (as zalo-php-sdk's OAuth2Client and PKCEUtil do it).

1. The OA's admin opens `https://oauth.zaloapp.com/v4/oa/permission?app_id&redirect_uri&code_challenge&state`
   and grants the app; Zalo redirects to `redirect_uri?code=...&oa_id=...&state=...`.
2. `POST /v4/oa/access_token` (form body, header `secret_key: <app secret>`) with
   `code, app_id, grant_type=authorization_code, code_verifier` gives the first token pair.
3. The same call with `refresh_token, app_id, grant_type=refresh_token` rotates it. The refresh token
   is single-use: once Zalo answered, only the new one works.

Answers: `{access_token, refresh_token, expires_in}` where `expires_in` is a STRING of seconds (about
25 h); errors come as `{error, error_name, error_reason, error_description}`, also with HTTP 200.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from hsdt.channels.http_session import SessionHolder
from hsdt.channels.zalo_oa.errors import OAuthRefused, OAuthUnavailable
from hsdt.channels.zalo_oa.settings import DEFAULT_OAUTH_BASE, ZaloOASettings

PERMISSION_PATH = "/v4/oa/permission"
TOKEN_PATH = "/v4/oa/access_token"


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_code_verifier() -> str:
    """43 characters of base64url from 32 random bytes (RFC 7636)."""
    return _base64url(secrets.token_bytes(32))


def code_challenge(code_verifier: str) -> str:
    """S256: base64url(sha256(verifier)) without padding."""
    return _base64url(hashlib.sha256(code_verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the OA admin opens, and what must be kept (in the process that exchanges the code)."""

    url: str
    state: str
    code_verifier: str = field(repr=False)


def authorization_request(app_id: str, redirect_uri: str, oauth_base: str = DEFAULT_OAUTH_BASE) -> AuthorizationRequest:
    verifier, state = new_code_verifier(), secrets.token_urlsafe(16)
    query = urlencode({"app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": code_challenge(verifier),
                       "state": state})
    return AuthorizationRequest(f"{oauth_base.rstrip('/')}{PERMISSION_PATH}?{query}", state, verifier)


@dataclass(frozen=True)
class TokenGrant:
    """A token pair as Zalo issued it; `repr` never shows the tokens."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in_s: int


class ZaloOAuthClient(SessionHolder):
    def __init__(self, app_id: str, app_secret: str, oauth_base: str = DEFAULT_OAUTH_BASE, *,
                 session: aiohttp.ClientSession | None = None, timeout_s: float = 10.0) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.oauth_base = oauth_base.rstrip("/")
        self.timeout_s = timeout_s
        super().__init__(session)

    @classmethod
    def from_settings(cls, settings: ZaloOASettings, session: aiohttp.ClientSession | None = None) -> ZaloOAuthClient:
        if not settings.app_id or settings.app_secret is None:
            raise ValueError("ZALO_OA_APP_ID and ZALO_OA_APP_SECRET are needed for OAuth")
        return cls(settings.app_id, settings.app_secret.get_secret_value(), settings.oauth_base, session=session,
                   timeout_s=settings.oauth_timeout_s)

    async def exchange_code(self, code: str, code_verifier: str) -> TokenGrant:
        return await self._token({"code": code, "app_id": self.app_id, "grant_type": "authorization_code",
                                  "code_verifier": code_verifier})

    async def refresh(self, refresh_token: str) -> TokenGrant:
        """A new pair. `OAuthUnavailable` means the outcome is unknown (the old token may be spent)."""
        return await self._token({"refresh_token": refresh_token, "app_id": self.app_id,
                                  "grant_type": "refresh_token"})

    async def _token(self, form: dict[str, str]) -> TokenGrant:
        try:
            async with self._http().post(
                f"{self.oauth_base}{TOKEN_PATH}", data=form, headers={"secret_key": self._app_secret},
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                status, raw = response.status, await response.read()
        except TimeoutError:
            raise OAuthUnavailable(f"no answer within {self.timeout_s:.0f} s") from None
        except aiohttp.ClientError as error:
            raise OAuthUnavailable(type(error).__name__) from None
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OAuthUnavailable(f"not JSON (HTTP {status})")
        return _grant(body, status)


def _grant(body: dict[str, Any], status: int) -> TokenGrant:
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
        expires = body.get("expires_in")
        try:
            expires_in = int(expires) if isinstance(expires, str | int) and not isinstance(expires, bool) else 0
        except ValueError:
            expires_in = 0
        # Zalo documents about 25 h; an unreadable value is taken as one hour so the keeper refreshes early.
        return TokenGrant(access, refresh, expires_in if expires_in > 0 else 3600)
    if status >= 500:
        raise OAuthUnavailable(f"HTTP {status}")
    code = body.get("error")
    raise OAuthRefused(
        code if isinstance(code, int) and not isinstance(code, bool) else status,
        str(body.get("error_name") or "error"),
        str(body.get("error_description") or body.get("error_reason") or body.get("message") or ""),
    )
