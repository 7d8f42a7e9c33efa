"""A fake Zalo Official Account platform for end-to-end tests: Open API, OAuth v4 and the webhook.

The bot talks HTTP to it exactly as to ``openapi.zalo.me`` and ``oauth.zaloapp.com`` (one base URL
serves both). The test plays the OA's users and its admin: users follow, send text, files, images,
stickers (``user_sends_*``, ``follows``...), which the fake POSTs, signed, to the bot's webhook; the
admin approves the app (``approve``); and the test reads what each user would see (``messages``,
``wait_for_message``): texts, files with their bytes, images, transaction messages with the time
they were sent.

Platform behaviours reproduced on purpose, because a real bot must cope with them:

* Open API envelope ``{"error": 0, "message", "data"}``; refusals come with HTTP 200 and a negative
  ``error``: -216 unknown access token, -220 expired one, -32 rate limit (``set_rate_limit``), -211
  quota (``set_quota``), -230 consultation message to a user silent for more than 7 days, -201 a bad
  parameter (text over 2,000 characters, a file over 5 MB or not PDF/DOC/DOCX, an image over 1 MB, an
  unknown user or file token, a transaction message at night);
* the access token goes in the ``access_token`` header and lives 25 h (``expires_in`` is the string
  ``"90000"``); time is the injectable ``clock``, so a test moves 26 hours on without waiting;
* OAuth v4 with PKCE: the code is single-use, lives 10 minutes and needs the verifier whose S256
  challenge the permission URL carried; the ``secret_key`` header must be the app secret; refresh
  tokens are single-use and rotate: a reused one is refused (``refresh_calls`` counts the calls).
  OAuth errors come as ``{error, error_name, error_reason, error_description}`` with HTTP 200; their
  numbers here are this fake's (Zalo's own are not published reliably);
* ``lose_next_refresh_response()``: the next refresh rotates the pair, then the connection is cut
  before the answer (what a timeout looks like to the bot);
* webhook calls carry ``X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key)``
  (computed here independently of the bot's code); a call not answered 200 within
  ``answer_deadline_s`` (2 s) is sent again after each of ``retry_delays_s`` (Zalo retries for hours;
  tests use short delays), with the same body; ``deliver(..., duplicate=True)`` and ``redeliver``
  send a body twice on purpose;
* ids are big integers beyond 2^53 (user ids, OA and app ids, message ids as decimal digits): quoted
  strings in webhook bodies and message answers as Zalo's documentation shows them, bare JSON numbers
  in the user detail answer (as the old profile API sent them) and, with ``numeric_ids=True``, in
  webhook bodies too (integration guides warn that webhook bodies carry longs);
* files users send are hosted here (``/files/...``); ``expire_file`` makes a URL answer 404,
  ``host_user_file(..., answering=False)`` one whose connection is cut without an answer, and
  ``file_delay_s`` makes every download wait before its answer (a slow file host).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

JsonDict = dict[str, Any]

TEXT_LIMIT = 2000
FILE_LIMIT = 5 * 1024 * 1024
IMAGE_LIMIT = 1024 * 1024
ACCESS_LIFETIME = timedelta(hours=25)
REFRESH_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=10)
CONSULTATION_WINDOW = timedelta(days=7)
FREE_WINDOW = timedelta(hours=48)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Open API codes (documented).
TOKEN_INVALID, TOKEN_EXPIRED, RATE_LIMITED = -216, -220, -32
QUOTA_EXHAUSTED, OUTSIDE_WINDOW, BAD_PARAMETER = -211, -230, -201
# OAuth codes: this fake's own numbers.
OAUTH_BAD_SECRET, OAUTH_BAD_CODE, OAUTH_BAD_VERIFIER, OAUTH_BAD_REFRESH = -14001, -14005, -14014, -14020

__all__ = ["Delivery", "FakeOAUser", "FakeZaloOAServer", "Seen"]


def big_id() -> str:
    """A Zalo-sized id: 19 decimal digits, far beyond 2^53 (9,007,199,254,740,992)."""
    return str(10**18 + secrets.randbelow(8 * 10**18))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Seen:
    """One message as the user sees it in the chat."""

    kind: str  # text | file | image | transaction
    message_id: str
    sent_at: datetime
    charge: str  # free | quota | transaction
    text: str = ""
    file_name: str = ""
    file_bytes: bytes = b""
    transaction: JsonDict | None = None


@dataclass
class FakeOAUser:
    user_id: str
    display_name: str
    following: bool = False
    last_interaction: datetime | None = None
    free_sent: int = 0
    seen: list[Seen] = field(default_factory=list)
    consumed: int = 0


@dataclass(frozen=True)
class Delivery:
    """One webhook attempt: `status` 0 when no answer came within the deadline or the connection failed."""

    body: bytes
    attempt: int
    status: int
    signature: str

    @property
    def payload(self) -> JsonDict:
        loaded: JsonDict = json.loads(self.body)
        return loaded


@dataclass
class _Refresh:
    expires_at: datetime
    used: bool = False


@dataclass
class _Code:
    challenge: str
    redirect_uri: str
    expires_at: datetime
    used: bool = False


class _ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FakeZaloOAServer:
    def __init__(self, *, app_id: str | None = None, app_secret: str = "fake-app-secret-0123456789",
                 oa_id: str | None = None, oa_secret_key: str = "fake-oa-secret-key-abcdef",
                 clock: Callable[[], datetime] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app_id = app_id or big_id()
        self.app_secret = app_secret
        self.oa_id = oa_id or big_id()
        self.oa_secret_key = oa_secret_key
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.host, self.port = host, port
        self.users: dict[str, FakeOAUser] = {}
        self.calls: list[tuple[str, JsonDict]] = []  # (path, what was asked) for every Open API call
        self.refused: list[tuple[str, int]] = []  # (path, code) of every refusal
        self.refresh_calls: list[str] = []  # the refresh tokens presented, in order
        self.quota: int | None = None  # paid messages left (cs beyond the free window, transaction); None: no limit
        self.free_per_interaction: int | None = None  # None: unlimited free replies inside 48 h
        self.numeric_ids = False
        self.echo_oa_sends = False
        self.webhook_url = ""
        self.answer_deadline_s = 2.0
        self.retry_delays_s: list[float] = [0.2, 0.5]
        self.deliveries: list[Delivery] = []
        self.gave_up: list[bytes] = []
        self._access: dict[str, datetime] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._issued_with: dict[str, str] = {}  # refresh token -> the access token issued with it
        # Whether a refresh also ends the access token issued with the spent refresh token (Zalo does
        # not say; off, the old access token lives its 25 hours).
        self.refresh_ends_old_access_token = False
        self._codes: dict[str, _Code] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # upload token -> (name, bytes)
        self._images: dict[str, bytes] = {}
        self._hosted: dict[str, tuple[bytes, str, bool]] = {}  # name -> (bytes, mime, answering)
        # Seconds Zalo's file host takes before it answers a download (a slow CDN).
        self.file_delay_s = 0.0
        # (path, code, message, [calls left to refuse], [calls to let through first])
        self._injected: list[tuple[str, int, str, list[int], list[int]]] = []
        self._rate: tuple[int, float] | None = None
        self._recent: deque[float] = deque()
        self._lose_refresh_answer = False
        # Called with the access token of every Open API call that presents a live one (a test checks
        # what the database holds at that moment).
        self.on_api_call: Callable[[str], None] | None = None
        self._ids = itertools.count(10**18 + 7)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle -------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeZaloOAServer is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/v3.0/oa/message/cs", self._cs_message)
        app.router.add_post("/v3.0/oa/message/transaction", self._transaction_message)
        app.router.add_post("/v2.0/oa/upload/file", self._upload_file)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_image)
        app.router.add_get("/v3.0/oa/user/detail", self._user_detail)
        app.router.add_post("/v2.0/oa/quota/message", self._quota)
        app.router.add_get("/v4/oa/permission", self._permission)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        app.router.add_get("/files/{name}", self._hosted_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZaloOAServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- faults and limits --------------------------------------------------------------------------------------

    def inject_error(self, path: str, code: int, message: str = "injected", times: int = 1, after: int = 0) -> None:
        """The next `times` calls of `path` (e.g. "/v3.0/oa/message/cs") are refused with `code`, once `after`
        more have gone through."""
        self._injected.append((path, code, message, [times], [after]))

    def set_rate_limit(self, calls: int | None, per_s: float = 1.0) -> None:
        """At most `calls` Open API calls in any `per_s` seconds (real time); more are refused with -32."""
        self._rate = None if calls is None else (calls, per_s)
        self._recent.clear()

    def set_quota(self, remaining: int | None) -> None:
        self.quota = remaining

    def lose_next_refresh_response(self) -> None:
        self._lose_refresh_answer = True

    def expire_access_tokens(self) -> None:
        """Zalo revoked every access token (before their time)."""
        self._access.clear()

    def revoke_refresh_tokens(self) -> None:
        """The admin removed the app's permission: every refresh token is refused from now on."""
        for state in self._refresh.values():
            state.used = True

    # --- the Open API -------------------------------------------------------------------------------------

    @staticmethod
    def _ok(data: Any) -> web.Response:
        return web.json_response({"error": 0, "message": "Success", "data": data})

    def _refuse(self, path: str, error: _ApiError) -> web.Response:
        self.refused.append((path, error.code))
        self._notify()
        return web.json_response({"error": error.code, "message": error.message})

    def _check_call(self, request: web.Request) -> None:
        token = request.headers.get("access_token", "")
        expires = self._access.get(token)
        if expires is None:
            raise _ApiError(TOKEN_INVALID, "Access token is invalid")
        if self.clock() >= expires:
            raise _ApiError(TOKEN_EXPIRED, "Access token has expired")
        if self.on_api_call is not None:
            self.on_api_call(token)
        for entry in self._injected:
            path, code, message, remaining, first = entry
            if path == request.path:
                if first[0] > 0:
                    first[0] -= 1
                    break
                remaining[0] -= 1
                if remaining[0] <= 0:
                    self._injected.remove(entry)
                raise _ApiError(code, message)
        if self._rate is not None:
            calls, per_s = self._rate
            now = time.monotonic()
            while self._recent and now - self._recent[0] > per_s:
                self._recent.popleft()
            if len(self._recent) >= calls:
                raise _ApiError(RATE_LIMITED, "Exceeded the rate limit")
            self._recent.append(now)

    async def _json_body(self, request: web.Request) -> JsonDict:
        try:
            body = await request.json()
        except ValueError:
            raise _ApiError(BAD_PARAMETER, "Body is not JSON") from None
        if not isinstance(body, dict):
            raise _ApiError(BAD_PARAMETER, "Body is not an object")
        return body

    def _recipient(self, body: JsonDict) -> FakeOAUser:
        recipient = body.get("recipient")
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        user = self.users.get(str(user_id)) if isinstance(user_id, str | int) else None
        if user is None:
            raise _ApiError(BAD_PARAMETER, "user_id is invalid")
        return user

    def _charge_paid(self) -> None:
        if self.quota is not None:
            if self.quota <= 0:
                raise _ApiError(QUOTA_EXHAUSTED, "Out of quota")
            self.quota -= 1

    def _message_id(self) -> str:
        return str(next(self._ids))

    def _deliver_to(self, user: FakeOAUser, seen: Seen) -> web.Response:
        user.seen.append(seen)
        self._notify()
        if self.echo_oa_sends and self.webhook_url:
            self._echo(user, seen)
        return self._ok({"message_id": seen.message_id, "user_id": user.user_id})

    async def _cs_message(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            body = await self._json_body(request)
            self.calls.append((request.path, body))
            user = self._recipient(body)
            now = self.clock()
            if user.last_interaction is None or now - user.last_interaction > CONSULTATION_WINDOW:
                raise _ApiError(OUTSIDE_WINDOW, "User has not interacted with the OA in the last 7 days")
            seen = self._consultation_content(body.get("message"), now)
            free = now - user.last_interaction <= FREE_WINDOW and (
                self.free_per_interaction is None or user.free_sent < self.free_per_interaction)
            if free:
                user.free_sent += 1
            else:
                self._charge_paid()
            return self._deliver_to(user, Seen(**{**seen, "charge": "free" if free else "quota"}))
        except _ApiError as error:
            return self._refuse(request.path, error)

    def _consultation_content(self, message: Any, now: datetime) -> JsonDict:
        if not isinstance(message, dict):
            raise _ApiError(BAD_PARAMETER, "message is required")
        attachment = message.get("attachment")
        text = message.get("text")
        base = {"message_id": self._message_id(), "sent_at": now}
        if attachment is None:
            if not isinstance(text, str) or not text.strip():
                raise _ApiError(BAD_PARAMETER, "text is required")
            if utf16_len(text) > TEXT_LIMIT:
                raise _ApiError(BAD_PARAMETER, f"text exceeds {TEXT_LIMIT} characters")
            return {**base, "kind": "text", "text": text}
        if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
            raise _ApiError(BAD_PARAMETER, "attachment is invalid")
        payload = attachment["payload"]
        if attachment.get("type") == "file":
            found = self._files.get(str(payload.get("token")))
            if found is None:
                raise _ApiError(BAD_PARAMETER, "file token is invalid")
            return {**base, "kind": "file", "file_name": found[0], "file_bytes": found[1]}
        if attachment.get("type") == "template" and payload.get("template_type") == "media":
            elements = payload.get("elements")
            element = elements[0] if isinstance(elements, list) and elements else {}
            data = self._images.get(str(element.get("attachment_id"))) if isinstance(element, dict) else None
            if data is None:
                raise _ApiError(BAD_PARAMETER, "attachment_id is invalid")
            if isinstance(text, str) and utf16_len(text) > TEXT_LIMIT:
                raise _ApiError(BAD_PARAMETER, f"text exceeds {TEXT_LIMIT} characters")
            return {**base, "kind": "image", "file_bytes": data, "text": text if isinstance(text, str) else ""}
        raise _ApiError(BAD_PARAMETER, "this fake knows text, file and image messages only")

    async def _transaction_message(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            body = await self._json_body(request)
            self.calls.append((request.path, body))
            user = self._recipient(body)
            message = body.get("message")
            attachment = message.get("attachment") if isinstance(message, dict) else None
            payload = attachment.get("payload") if isinstance(attachment, dict) else None
            if (not isinstance(payload, dict) or not isinstance(attachment, dict)
                    or attachment.get("type") != "template"
                    or not str(payload.get("template_type", "")).startswith("transaction_")
                    or not isinstance(payload.get("elements"), list) or not payload["elements"]):
                raise _ApiError(BAD_PARAMETER, "a transaction template is required")
            for element in payload["elements"]:
                content = element.get("content") if isinstance(element, dict) else None
                if isinstance(content, str) and utf16_len(content) > TEXT_LIMIT:
                    raise _ApiError(BAD_PARAMETER, f"content exceeds {TEXT_LIMIT} characters")
            now = self.clock()
            if not 6 <= now.astimezone(LOCAL).hour < 22:
                raise _ApiError(BAD_PARAMETER, "transaction messages are sent between 06:00 and 22:00 only")
            if user.last_interaction is None and not user.following:
                raise _ApiError(BAD_PARAMETER, "user has never interacted with the OA")
            self._charge_paid()
            header = next((e.get("content", "") for e in payload["elements"]
                           if isinstance(e, dict) and e.get("type") == "header"), "")
            return self._deliver_to(user, Seen("transaction", self._message_id(), now, "transaction",
                                               text=str(header), transaction=payload))
        except _ApiError as error:
            return self._refuse(request.path, error)

    async def _uploaded(self, request: web.Request) -> tuple[str, bytes]:
        try:
            form = await request.post()
        except ValueError:
            raise _ApiError(BAD_PARAMETER, "multipart body expected") from None
        part = form.get("file")
        if not isinstance(part, web.FileField):
            raise _ApiError(BAD_PARAMETER, "file is required")
        return part.filename, part.file.read()

    async def _upload_file(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            name, data = await self._uploaded(request)
            self.calls.append((request.path, {"name": name, "size": len(data)}))
            if PurePosixPath(name).suffix.lower() not in (".pdf", ".doc", ".docx"):
                raise _ApiError(BAD_PARAMETER, "only PDF, DOC and DOCX files are allowed")
            if len(data) > FILE_LIMIT:
                raise _ApiError(BAD_PARAMETER, "file exceeds 5MB")
            token = secrets.token_urlsafe(96)
            self._files[token] = (name, data)
            return self._ok({"token": token})
        except _ApiError as error:
            return self._refuse(request.path, error)

    async def _upload_image(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            name, data = await self._uploaded(request)
            self.calls.append((request.path, {"name": name, "size": len(data)}))
            if PurePosixPath(name).suffix.lower() not in (".jpg", ".jpeg", ".png"):
                raise _ApiError(BAD_PARAMETER, "only JPG and PNG images are allowed")
            if len(data) > IMAGE_LIMIT:
                raise _ApiError(BAD_PARAMETER, "image exceeds 1MB")
            attachment_id = secrets.token_urlsafe(48)
            self._images[attachment_id] = data
            return self._ok({"attachment_id": attachment_id})
        except _ApiError as error:
            return self._refuse(request.path, error)

    async def _user_detail(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            try:
                asked = json.loads(request.query.get("data", ""))
            except ValueError:
                raise _ApiError(BAD_PARAMETER, "data is not JSON") from None
            self.calls.append((request.path, asked if isinstance(asked, dict) else {}))
            user = self._recipient({"recipient": asked})
            last = user.last_interaction.astimezone(LOCAL).strftime("%d/%m/%Y") if user.last_interaction else ""
            # The user id as a bare JSON number, as the older profile API sent it: a client that
            # reads it as a float gets another user's id.
            body = ('{"error": 0, "message": "Success", "data": {"user_id": ' + user.user_id
                    + ', "display_name": ' + json.dumps(user.display_name, ensure_ascii=False)
                    + ', "user_is_follower": ' + json.dumps(user.following)
                    + ', "user_last_interaction_date": ' + json.dumps(last)
                    + ', "shared_info": {"phone": 84987654321}}}')
            return web.Response(text=body, content_type="application/json")
        except _ApiError as error:
            return self._refuse(request.path, error)

    async def _quota(self, request: web.Request) -> web.Response:
        try:
            self._check_call(request)
            self.calls.append((request.path, await self._json_body(request) if request.can_read_body else {}))
            remain = self.quota
            return self._ok({"quota_type": "sub_quota", "remain": remain, "total": remain, "expired_date": ""})
        except _ApiError as error:
            return self._refuse(request.path, error)

    # --- OAuth v4 ------------------------------------------------------------------------------------------

    def approve(self, permission_url: str) -> str:
        """The OA admin opens the permission URL and grants the app: the code Zalo hands the callback."""
        query = {key: values[0] for key, values in parse_qs(urlparse(permission_url).query).items()}
        if query.get("app_id") != self.app_id or not query.get("code_challenge") or not query.get("redirect_uri"):
            raise ValueError("the permission URL lacks app_id, redirect_uri or code_challenge")
        code = secrets.token_urlsafe(64)
        self._codes[code] = _Code(query["code_challenge"], query["redirect_uri"], self.clock() + CODE_LIFETIME)
        return code

    async def _permission(self, request: web.Request) -> web.Response:
        try:
            code = self.approve(str(request.url))
        except ValueError as error:
            return web.Response(status=400, text=str(error))
        state = request.query.get("state", "")
        target = f"{request.query['redirect_uri']}?{urlencode({'oa_id': self.oa_id, 'code': code, 'state': state})}"
        raise web.HTTPFound(target)

    @staticmethod
    def _oauth_error(code: int, name: str, description: str) -> web.Response:
        return web.json_response({"error": code, "error_name": name, "error_reason": description,
                                  "ref_doc": "https://developers.zalo.me/docs/", "error_description": description})

    def _issue(self) -> JsonDict:
        now = self.clock()
        access, refresh = secrets.token_urlsafe(180), secrets.token_urlsafe(180)
        self._access[access] = now + ACCESS_LIFETIME
        self._refresh[refresh] = _Refresh(now + REFRESH_LIFETIME)
        self._issued_with[refresh] = access
        # `expires_in` is a string, as Zalo sends it.
        expires_in = str(int(ACCESS_LIFETIME.total_seconds()))
        return {"access_token": access, "refresh_token": refresh, "expires_in": expires_in}

    async def _access_token(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("secret_key") != self.app_secret:
            return self._oauth_error(OAUTH_BAD_SECRET, "Invalid secret key", "secret_key is wrong")
        form = await request.post()
        if form.get("app_id") != self.app_id:
            return self._oauth_error(OAUTH_BAD_SECRET, "Invalid app id", "app_id is wrong")
        grant = form.get("grant_type")
        now = self.clock()
        if grant == "authorization_code":
            found = self._codes.get(str(form.get("code")))
            if found is None or found.used or now > found.expires_at:
                return self._oauth_error(OAUTH_BAD_CODE, "Invalid code", "the code is invalid, used or expired")
            found.used = True
            verifier = str(form.get("code_verifier", ""))
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != found.challenge:
                return self._oauth_error(OAUTH_BAD_VERIFIER, "Invalid code verifier", "code_verifier does not match")
            return web.json_response(self._issue())
        if grant == "refresh_token":
            presented = str(form.get("refresh_token", ""))
            self.refresh_calls.append(presented)
            self._notify()
            state = self._refresh.get(presented)
            if state is None or state.used or now > state.expires_at:
                return self._oauth_error(OAUTH_BAD_REFRESH, "Invalid refresh token",
                                         "the refresh token is invalid, used or expired")
            state.used = True
            if self.refresh_ends_old_access_token:
                self._access.pop(self._issued_with.get(presented, ""), None)
            issued = self._issue()
            if self._lose_refresh_answer:
                self._lose_refresh_answer = False
                # Rotated, and the answer never reaches the bot.
                if request.transport is not None:
                    request.transport.abort()
                return web.Response()
            return web.json_response(issued)
        return self._oauth_error(OAUTH_BAD_CODE, "Invalid grant type", "grant_type is required")

    def refresh_token_is_live(self, token: str) -> bool:
        state = self._refresh.get(token)
        return state is not None and not state.used and self.clock() <= state.expires_at

    def access_token_is_live(self, token: str) -> bool:
        expires = self._access.get(token)
        return expires is not None and self.clock() < expires

    # --- files the users send -------------------------------------------------------------------------------

    def host_user_file(self, data: bytes, name: str, mime: str = "application/pdf", *, answering: bool = True) -> str:
        key = f"{secrets.token_hex(8)}-{PurePosixPath(name).name}"
        self._hosted[key] = (data, mime, answering)
        return f"{self.base_url}/files/{key}"

    def expire_file(self, url: str) -> None:
        self._hosted.pop(url.rsplit("/", 1)[-1], None)

    async def _hosted_file(self, request: web.Request) -> web.StreamResponse:
        found = self._hosted.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        data, mime, answering = found
        if self.file_delay_s:
            await asyncio.sleep(self.file_delay_s)
        if not answering:
            if request.transport is not None:
                request.transport.abort()
            return web.Response()
        return web.Response(body=data, content_type=mime)

    # --- the users -------------------------------------------------------------------------------------------

    def add_user(self, display_name: str = "Nguyễn Thị Hồng Nhung", *, following: bool = False) -> FakeOAUser:
        user = FakeOAUser(big_id(), display_name, following=following)
        self.users[user.user_id] = user
        return user

    def _id(self, value: str) -> str | int:
        return int(value) if self.numeric_ids else value

    def _event(self, event_name: str, **fields: Any) -> JsonDict:
        timestamp = str(int(self.clock().timestamp() * 1000))
        return {"app_id": self._id(self.app_id), "user_id_by_app": self._id(big_id()), "event_name": event_name,
                "timestamp": timestamp, **fields}

    def _user_message(self, user: FakeOAUser, event_name: str, **message: Any) -> JsonDict:
        user.last_interaction = self.clock()
        user.free_sent = 0
        return self._event(event_name, sender={"id": self._id(user.user_id)}, recipient={"id": self._id(self.oa_id)},
                           message={"msg_id": self._id(self._message_id()), **message})

    def user_sends_text(self, user: FakeOAUser, text: str) -> JsonDict:
        return self.push(self._user_message(user, "user_send_text", text=text))

    def user_sends_file(self, user: FakeOAUser, data: bytes, name: str, *, answering: bool = True) -> JsonDict:
        url = self.host_user_file(data, name, answering=answering)
        payload = {"url": url, "name": name, "size": str(len(data)), "checksum": hashlib.md5(data).hexdigest(),
                   "type": PurePosixPath(name).suffix.lstrip(".").lower()}
        return self.push(self._user_message(user, "user_send_file", attachments=[{"type": "file", "payload": payload}]))

    def user_sends_image(self, user: FakeOAUser, data: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
                         text: str = "") -> JsonDict:
        url = self.host_user_file(data, "photo.jpg", "image/jpeg")
        attachments = [{"type": "image", "payload": {"url": url, "thumbnail": url}}]
        return self.push(self._user_message(user, "user_send_image", text=text, attachments=attachments))

    def user_sends_sticker(self, user: FakeOAUser) -> JsonDict:
        attachments = [{"type": "sticker", "payload": {"id": "bfe458bf64fa8da4d4eb",
                                                         "url": "https://zalo-api.zadn.vn/api/emoticon/sticker"}}]
        return self.push(self._user_message(user, "user_send_sticker", attachments=attachments))

    def user_sends_location(self, user: FakeOAUser, latitude: str = "10.7642473",
                            longitude: str = "106.6564448") -> JsonDict:
        attachments = [{"type": "location", "payload": {"coordinates": {"latitude": latitude, "longitude": longitude}}}]
        return self.push(self._user_message(user, "user_send_location", attachments=attachments))

    def follows(self, user: FakeOAUser) -> JsonDict:
        user.following, user.last_interaction, user.free_sent = True, self.clock(), 0
        return self.push(self._event("follow", oa_id=self._id(self.oa_id), follower={"id": self._id(user.user_id)},
                                     source="oa_profile"))

    def unfollows(self, user: FakeOAUser) -> JsonDict:
        user.following = False
        return self.push(self._event("unfollow", oa_id=self._id(self.oa_id), follower={"id": self._id(user.user_id)},
                                     source="oa_profile"))

    def clicks_chat_now(self, user: FakeOAUser) -> JsonDict:
        user.last_interaction, user.free_sent = self.clock(), 0
        return self.push(self._event("user_click_chatnow", oa_id=self._id(self.oa_id), user_id=self._id(user.user_id)))

    def submits_info(self, user: FakeOAUser, name: str, phone: str) -> JsonDict:
        user.last_interaction, user.free_sent = self.clock(), 0
        return self.push(self._event("user_submit_info", sender={"id": self._id(user.user_id)},
                                     recipient={"id": self._id(self.oa_id)},
                                     info={"name": name, "phone": phone, "address": "", "city": "", "district": ""}))

    def _echo(self, user: FakeOAUser, seen: Seen) -> None:
        name = {"text": "oa_send_text", "file": "oa_send_file", "image": "oa_send_image"}.get(seen.kind, "oa_send_text")
        self.push(self._event(name, sender={"id": self._id(self.oa_id)}, recipient={"id": self._id(user.user_id)},
                              message={"msg_id": self._id(seen.message_id), "text": seen.text}))

    # --- the webhook ------------------------------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        payload = json.loads(body)
        app_id, timestamp = str(payload["app_id"]).encode(), str(payload["timestamp"]).encode()
        basis = app_id + body + timestamp + self.oa_secret_key.encode()
        return "mac=" + hashlib.sha256(basis).hexdigest()

    def encode(self, payload: JsonDict) -> bytes:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    def push(self, payload: JsonDict, *, duplicate: bool = False) -> JsonDict:
        """Deliver the event to the webhook (in the background, with retries); with `duplicate`, the
        same body a second time at once, as Zalo sometimes does."""
        if self.webhook_url:
            body = self.encode(payload)
            for _ in range(2 if duplicate else 1):
                self._spawn(self._deliver_with_retries(body))
        self._notify()
        return payload

    def redeliver(self, payload: JsonDict) -> None:
        """The same event again (same body, same signature, same msg_id)."""
        self._spawn(self._deliver_with_retries(self.encode(payload)))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, body: bytes, *, signature: str | None = None, headers: dict[str, str] | None = None,
                      attempt: int = 1) -> Delivery:
        """One POST of `body` to the webhook now (optionally with a forged signature or extra headers)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        mac = self.sign(body) if signature is None else signature
        sent_headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac, **(headers or {})}
        status = 0
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self._session.post(self.webhook_url, data=body, headers=sent_headers,
                                          timeout=aiohttp.ClientTimeout(total=self.answer_deadline_s)) as response:
                await response.read()
                status = response.status
        delivery = Delivery(body, attempt, status, mac)
        self.deliveries.append(delivery)
        self._notify()
        return delivery

    async def _deliver_with_retries(self, body: bytes) -> None:
        delays = list(self.retry_delays_s)
        attempt = 1
        while True:
            delivery = await self.deliver(body, attempt=attempt)
            if delivery.status == 200:
                return
            if not delays:
                self.gave_up.append(body)
                self._notify()
                return
            await asyncio.sleep(delays.pop(0))
            attempt += 1

    # --- what the users see ----------------------------------------------------------------------------------

    def messages(self, user: FakeOAUser) -> list[Seen]:
        return list(user.seen)

    async def wait_for_message(self, user: FakeOAUser, predicate: Callable[[Seen], bool] | None = None,
                               timeout: float = 10.0) -> Seen:
        """The next message to the user after the last one consumed (skipping those the predicate rejects)."""
        deadline = time.monotonic() + timeout
        while True:
            while user.consumed < len(user.seen):
                seen = user.seen[user.consumed]
                user.consumed += 1
                if predicate is None or predicate(seen):
                    return seen
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                shown = "\n---\n".join(s.text for s in user.seen[-3:])
                raise TimeoutError(f"no matching message to {user.display_name} within {timeout}s; last:\n{shown}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s: {what}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def calls_to(self, path: str) -> list[JsonDict]:
        return [asked for called, asked in self.calls if called == path]
