"""The one signed token behind every link the bot hands out: the upload page (`UploadLinks`), file
downloads (`hsdt.links.downloads`) and the dashboard sign-in (`hsdt.web.dashboard.auth`).

A token is `<payload>.<signature>`: the payload is the link's grant (a pydantic model, one per kind
of link) as base64url JSON, the signature an HMAC-SHA256 with the bot's link key over the kind of
link and the payload. The kind is signed, not only stated, so a token of one kind never verifies as
another; the grant's model forbids unknown fields, so nothing else parses as a grant. Every grant has
an expiry and a random nonce; no row is written when a link is handed out, and each page records the
nonce when the link is used, so a link works once.

Every grant names the tenant (the Sở) whose rows it reaches: the page that takes the link opens its units
of work in that tenant, never in one the request could choose. It is inside the signed payload, so a link
of one Sở edited to name another fails the signature. A link issued before tenants carries none and
means the first tenant (the only Sở such a deployment had).

Every token starts with `eyJ` (base64 of `{"`) and ends with a 43-character signature: the log
filter (`hsdt.redaction.LINK_TOKEN`) scrubs that shape from every log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from hsdt.config import Settings
from hsdt.storage.tenancy import DEFAULT_TENANT, current_tenant
from hsdt.storage.types import utcnow

_CONTEXT = b"hsdt link v2\n"
_NONCE = r"^[0-9a-f]{16,32}$"  # hex only: the download page names a file after it


class LinkKind(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    SIGN_IN = "sign-in"


class LinkInvalid(Exception):
    """Forged, truncated, of another kind, or otherwise not a link this bot issued. Carries no part of
    the token: it may reach a log line."""


class LinkExpired(Exception):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


class Grant(BaseModel):
    """What every link carries: when it stops working, and the nonce that makes it one-time."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ClassVar[LinkKind]

    expires_at: AwareDatetime
    nonce: str = Field(pattern=_NONCE)
    tenant_id: int = Field(default=DEFAULT_TENANT, ge=1)  # the Sở whose rows the link reaches


class UploadGrant(Grant):
    """The upload page for one chat identity and its user, for one purpose."""

    kind: ClassVar[LinkKind] = LinkKind.UPLOAD

    channel: str
    user_ref: str
    user_id: int
    purpose: str  # the payload of the document event: "chk:file", "sa:ev:<school id>:<criterion>"


class DownloadGrant(Grant):
    """One waiting file (`FILES_DIR/downloads/<nonce>`) for one chat identity and its user."""

    kind: ClassVar[LinkKind] = LinkKind.DOWNLOAD

    channel: str
    user_ref: str
    user_id: int
    purpose: str  # "dl:file" (a page with a button) or "dl:img" (the bytes on GET, for Zalo's sendPhoto)


class SignInGrant(Grant):
    """A dashboard session for one user."""

    kind: ClassVar[LinkKind] = LinkKind.SIGN_IN

    user_id: int


G = TypeVar("G", bound=Grant)


def link_tenant(tenant: int | None) -> int:
    """The tenant a link is issued for: the one given, else the one in scope."""
    return current_tenant() if tenant is None else tenant


def new_nonce() -> str:
    return secrets.token_hex(8)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignedLinks(Generic[G]):
    """Signs and verifies the grants of one kind of link, and makes them URLs (`base_url` + `path`
    with `{token}`)."""

    def __init__(self, secret: bytes, grant_type: type[G], base_url: str, path: str, ttl: timedelta,
                 clock: Callable[[], datetime] = utcnow) -> None:
        if len(secret) < 16:
            raise ValueError("the link key must be at least 16 bytes")
        self._secret = secret
        self.grant_type = grant_type
        self.base_url = base_url.rstrip("/")
        self.path = path
        self.ttl = ttl
        self.clock = clock

    def mac(self, purpose: str, text: str) -> str:
        """An HMAC of `text` with the link key, for values other than links that must not be forged (the
        dashboard's session cookie names its tenant); `purpose` keeps it apart from every link kind."""
        message = _CONTEXT + b"mac:" + purpose.encode("ascii") + b"\n" + text.encode("utf-8")
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest())

    @property
    def secret_text(self) -> str:
        """The key as text, for the log redaction."""
        return self._secret.decode("utf-8", "replace")

    def expiry(self) -> datetime:
        """When a link handed out now stops working (whole seconds: the token stays short)."""
        return (self.clock() + self.ttl).replace(microsecond=0)

    def url(self, grant: G) -> str:
        return f"{self.base_url}{self.path.format(token=self.token(grant))}"

    def token(self, grant: G) -> str:
        if not isinstance(grant, self.grant_type):
            raise TypeError(f"{type(grant).__name__} is not a {self.grant_type.__name__}")
        payload = _b64(grant.model_dump_json().encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str, *, check_expiry: bool = True) -> G:
        """The grant of a token this bot signed for this kind of link (LinkInvalid, LinkExpired)."""
        payload, dot, signature = token.partition(".")
        expected = self._sign(payload).encode("ascii")
        if not dot or not hmac.compare_digest(signature.encode("ascii", "replace"), expected):
            raise LinkInvalid
        try:
            grant = self.grant_type.model_validate_json(_unb64(payload))
        except (ValidationError, ValueError, binascii.Error):
            raise LinkInvalid from None
        if check_expiry and grant.expires_at <= self.clock():
            raise LinkExpired(grant.expires_at)
        return grant

    def _sign(self, payload: str) -> str:
        message = _CONTEXT + self.grant_type.kind.value.encode("ascii") + b"\n" + payload.encode("ascii", "replace")
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest())


class UploadLinks(SignedLinks[UploadGrant]):
    """One-time upload links: bound to a chat identity and its user, a purpose and an expiry."""

    PATH = "/u/{token}"

    def __init__(self, secret: bytes, base_url: str, ttl: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(secret, UploadGrant, base_url, self.PATH, ttl, clock)

    def issue(self, channel: str, user_ref: str, user_id: int, purpose: str,
              tenant: int | None = None) -> tuple[str, UploadGrant]:
        """`tenant`: the user's Sở (else the one in scope, where the chat's event is handled)."""
        grant = UploadGrant(channel=channel, user_ref=user_ref, user_id=user_id, purpose=purpose,
                            expires_at=self.expiry(), nonce=new_nonce(), tenant_id=link_tenant(tenant))
        return self.url(grant), grant


def load_secret(settings: Settings) -> bytes:
    """UPLOAD_SECRET, or a random key generated once into DATA_DIR (shared by processes on this host)."""
    if settings.upload_secret is not None:
        return settings.upload_secret.get_secret_value().encode("utf-8")
    path = settings.data_dir / "upload_secret"
    if not path.exists():
        _write_new_secret(path)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _write_new_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(f".{os.getpid()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(32))
    try:
        os.link(partial, path)  # never replaces a key another process wrote first
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)


def public_base_url(settings: Settings) -> str | None:
    if settings.upload_base_url is not None:
        return settings.upload_base_url
    if settings.zalo_bot_token is not None:
        return f"http://{settings.web_host}:{settings.web_port}"
    return None
