"""One-time upload links: signed, bound to a chat identity and its user, a purpose and an expiry.

The token carries everything the page needs (no row is written when a link is handed out); an HMAC
with UPLOAD_SECRET makes it unforgeable, and the page records its nonce in `used_upload_link` when it
is used, so a link works once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hsdt.config import Settings
from hsdt.storage.types import utcnow

_CONTEXT = b"hsdt upload link v1:"


class LinkInvalid(Exception):
    """Forged, truncated or otherwise not a link this bot issued."""


class LinkExpired(Exception):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


@dataclass(frozen=True)
class UploadGrant:
    channel: str
    user_ref: str
    user_id: int
    purpose: str  # the payload of the document event: "chk:file", "sa:ev:<school id>:<criterion>"
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UploadLinks:
    def __init__(
        self, secret: bytes, base_url: str, ttl: timedelta, clock: Callable[[], datetime] = utcnow
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the upload link secret must be at least 16 bytes")
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.clock = clock

    def issue(self, channel: str, user_ref: str, user_id: int, purpose: str) -> tuple[str, UploadGrant]:
        expires = (self.clock() + self.ttl).replace(microsecond=0)
        grant = UploadGrant(channel, user_ref, user_id, purpose, expires, secrets.token_hex(8))
        return f"{self.base_url}/u/{self.token(grant)}", grant

    @property
    def secret_text(self) -> str:
        """The key as text, for the log redaction."""
        return self._secret.decode("utf-8", "replace")

    def token(self, grant: UploadGrant) -> str:
        body = {
            "c": grant.channel,
            "u": grant.user_ref,
            "i": grant.user_id,
            "p": grant.purpose,
            "e": int(grant.expires_at.timestamp()),
            "n": grant.nonce,
        }
        payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str, *, check_expiry: bool = True) -> UploadGrant:
        payload, dot, signature = token.partition(".")
        if not dot or not hmac.compare_digest(signature.encode("ascii", "replace"), self._sign(payload).encode()):
            raise LinkInvalid(token[:16])
        try:
            body = json.loads(_unb64(payload))
            grant = UploadGrant(
                channel=str(body["c"]),
                user_ref=str(body["u"]),
                user_id=int(body["i"]),
                purpose=str(body["p"]),
                expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
                nonce=str(body["n"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise LinkInvalid(token[:16]) from error
        if check_expiry and grant.expires_at <= self.clock():
            raise LinkExpired(grant.expires_at)
        return grant

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, _CONTEXT + payload.encode("ascii", "replace"), hashlib.sha256).digest())


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
