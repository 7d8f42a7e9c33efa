"""Verifying a call of the OA webhook (pure functions: bytes and a header in, an event or a refusal out).

Zalo signs each call with `X-ZEvent-Signature: mac=<hex>`, where the hex is a plain SHA-256 (not an
HMAC) of `app_id + raw body + timestamp + OA secret key`, `app_id` and `timestamp` being fields of
the body itself. So the body is parsed before the signature can be checked, and the checks go from
cheapest to dearest, each refusing with a `Rejection` reason and no effect:

1. size (`max_bytes`), before anything else;
2. nesting depth (`max_depth`), by a scan of the bytes, before `json.loads` could recurse;
3. JSON object;
4. `app_id` one of this deployment's apps (each app has its OA secret key);
5. `timestamp` present;
6. signature, compared in constant time (`hmac.compare_digest`) against the raw bytes as received;
7. freshness: not older than `max_age` nor further ahead than `max_future`.

The age window is a day by default, not minutes: Zalo redelivers a call it got no quick 200 for,
for about 12 hours, with the body (and so the timestamp) of the first attempt; a window of minutes
would refuse those redeliveries and lose the user's message. A replayed genuine body inside the
window is harmless because the channel applies each event once by its `dedupe_id` and keeps that
record; the window bounds how long a captured body stays replayable at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from hsdt.channels.zalo_oa.events import OAEvent, parse_event
from hsdt.channels.zalo_oa.settings import ZaloOASettings

SIGNATURE_HEADER = "X-ZEvent-Signature"
_MAC_PREFIX = "mac="


class Rejection(StrEnum):
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    NOT_JSON = "not_json"
    UNKNOWN_APP = "unknown_app"
    NO_TIMESTAMP = "no_timestamp"
    NO_SIGNATURE = "no_signature"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"
    FROM_FUTURE = "from_future"
    MALFORMED_EVENT = "malformed_event"


class WebhookRejected(Exception):
    """The call must have no effect. Every reason but `MALFORMED_EVENT` is a call that may not come
    from Zalo: answer it 4xx. `MALFORMED_EVENT` passed the signature, so Zalo sent it and would send
    the same body again for hours: answer it 200 (and log it), a retry cannot make it readable."""

    def __init__(self, reason: Rejection, detail: str = "") -> None:
        super().__init__(f"{reason.value}{': ' + detail if detail else ''}")
        self.reason = reason


@dataclass(frozen=True)
class WebhookPolicy:
    """Which apps may call (app id -> its OA secret key) and the limits of a call."""

    oa_secret_keys: Mapping[str, str]
    max_bytes: int = 262144
    max_depth: int = 16
    max_age: timedelta = timedelta(days=1)
    max_future: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: ZaloOASettings) -> WebhookPolicy:
        keys = {}
        if settings.app_id and settings.oa_secret_key is not None:
            keys[settings.app_id] = settings.oa_secret_key.get_secret_value()
        return cls(keys, settings.webhook_max_bytes, settings.webhook_max_depth,
                   timedelta(seconds=settings.webhook_max_age_s), timedelta(seconds=settings.webhook_max_future_s))


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex SHA-256 Zalo puts after `mac=` (what the fake server signs with too)."""
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True if arrays/objects nest deeper than `limit` (brackets inside strings do not count)."""
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False  # the usual event: a handful of brackets, no need to walk the bytes
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x7D, 0x5D):
            depth -= 1
    return False


def _scalar_text(value: Any) -> str | None:
    """A body field used in the signature, as the digits/characters Zalo put in the JSON."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


@dataclass(frozen=True)
class VerifiedCall:
    """A call that passed every check: the raw payload and its typed event."""

    app_id: str
    payload: dict[str, Any]
    event: OAEvent


def verify_call(raw_body: bytes, signature_header: str | None, policy: WebhookPolicy, now: datetime) -> VerifiedCall:
    """The verified call, or `WebhookRejected` (checks in the order of the module docstring)."""
    if len(raw_body) > policy.max_bytes:
        raise WebhookRejected(Rejection.TOO_LARGE, f"{len(raw_body)} bytes")
    if json_depth_exceeds(raw_body, policy.max_depth):
        raise WebhookRejected(Rejection.TOO_DEEP)
    try:
        payload = json.loads(raw_body)
    except (ValueError, RecursionError):
        raise WebhookRejected(Rejection.NOT_JSON) from None
    if not isinstance(payload, dict):
        raise WebhookRejected(Rejection.NOT_JSON, "not an object")
    app_id = _scalar_text(payload.get("app_id"))
    secret = policy.oa_secret_keys.get(app_id) if app_id else None
    if app_id is None or secret is None:
        raise WebhookRejected(Rejection.UNKNOWN_APP)
    timestamp = _scalar_text(payload.get("timestamp"))
    if timestamp is None or not timestamp.isdigit():
        raise WebhookRejected(Rejection.NO_TIMESTAMP)
    if not signature_header or not signature_header.strip().startswith(_MAC_PREFIX):
        raise WebhookRejected(Rejection.NO_SIGNATURE)
    given = signature_header.strip()[len(_MAC_PREFIX):].strip().lower()
    expected = signature(app_id, raw_body, timestamp, secret)
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
        raise WebhookRejected(Rejection.BAD_SIGNATURE)
    try:
        sent_at = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    except (OverflowError, ValueError, OSError):
        raise WebhookRejected(Rejection.FROM_FUTURE) from None
    if now - sent_at > policy.max_age:
        raise WebhookRejected(Rejection.STALE, f"sent {now - sent_at} ago")
    if sent_at - now > policy.max_future:
        raise WebhookRejected(Rejection.FROM_FUTURE)
    try:
        event = parse_event(payload)
    except ValidationError as error:
        raise WebhookRejected(Rejection.MALFORMED_EVENT, f"{error.error_count()} field(s) wrong") from None
    return VerifiedCall(app_id, payload, event)
