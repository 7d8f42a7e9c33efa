"""A fake Zalo Bot Platform API server for end-to-end tests.

The real bot talks HTTP to it exactly as to ``bot-api.zaloplatforms.com``: ``POST {base}/bot{token}/{method}``
with a JSON body. The test plays the users: it pushes updates (``push_text``, ``push_image``, ...) and reads
what the users would see (``wait_for_message``, ``messages``).

Platform behaviours reproduced on purpose, because a real bot must cope with them:

* the envelope is ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N, "description": ...}``, and
  most errors arrive with HTTP 200 (only a wrong token, an unknown method and the idle poll use HTTP status);
* ``getUpdates`` takes only ``timeout`` (a string, seconds), answers ONE update (an object, not a list), has
  no offset (an update is gone once delivered), and answers HTTP 408 when the poll idles; a poll whose
  connection closed (the poller was killed) is handed no update, as a server that writes to a closed
  socket learns it at once;
* ``getUpdates`` is refused while a webhook is set; with a webhook set, pushed updates are POSTed to it with
  the secret in ``X-Bot-Api-Secret-Token`` (body wrapped in ``{ok, result}`` unless ``wrap_webhook=False``);
* ``sendMessage`` text must be 1..2,000 characters; ``setWebhook`` needs a secret of 8..256 characters;
* message ids are opaque strings, dates are milliseconds;
* refusals (``inject_error``) come as ``ok: false`` with HTTP 200 unless told otherwise; the plan's
  monthly quota (``set_quota``) refuses every send past it with ``ok: false`` and HTTP 200;
* a delivery can repeat (``redeliver``): the same update, same ``message_id``, queued again.
Only private chats are modelled: chat id == user id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.cloud import FakeCloud

JsonDict = dict[str, Any]
TEXT_LIMIT = 2000

__all__ = ["FakeZaloServer", "SentMessage", "WebhookDelivery"]


@dataclass(frozen=True)
class SentMessage:
    chat_id: str
    text: str
    kind: str = "text"  # text | photo
    photo: str | None = None
    message_id: str = ""


@dataclass(frozen=True)
class WebhookDelivery:
    update: JsonDict
    status: int
    body: str


@dataclass
class _Chat:
    sent: list[SentMessage] = field(default_factory=list)
    consumed: int = 0


class FakeZaloServer:
    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0, poll_cap_s: float = 2.0) -> None:
        self.token = token
        self.host = host
        self.port = port
        # The bot asks for 30 s polls; the fake idles at most this long so tests stop quickly.
        self.poll_cap_s = poll_cap_s
        self.calls: list[tuple[str, JsonDict]] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.wrap_webhook = True
        self.deliveries: list[WebhookDelivery] = []
        self.pushed: list[JsonDict] = []
        self._queue: list[JsonDict] = []
        self._chats: dict[str, _Chat] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[WebhookDelivery]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._injected: list[tuple[str, int, str, int, list[int]]] = []
        self.quota: int | None = None  # outbound messages left this month; None: unlimited
        self.refused: list[tuple[str, JsonDict]] = []

    # --- lifecycle ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeZaloServer is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle_api)
        app.router.add_get("/files/{name}", self._handle_file)
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

    async def __aenter__(self) -> FakeZaloServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- the API ------------------------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, http_status: int = 200) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=http_status)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized", 401)
        method = request.match_info["method"]
        try:
            raw = await request.text()
            params: JsonDict = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self._error(400, "Bad Request: body is not JSON")
        self.calls.append((method, params))
        self._notify()
        handler: Callable[[JsonDict], Awaitable[web.Response]] | None = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method}", 404)
        for entry in self._injected:
            name, code, description, status, remaining = entry
            if name == method and remaining[1] > 0:  # calls still to go through before the failure
                remaining[1] -= 1
                break
            if name == method:
                remaining[0] -= 1
                if remaining[0] <= 0:
                    self._injected.remove(entry)
                self.refused.append((method, params))
                return self._error(code, description, status)
        if method in ("sendMessage", "sendPhoto") and self.quota is not None:
            if self.quota <= 0:
                self.refused.append((method, params))
                return self._error(429, "Quota exceeded: the monthly message limit of this plan is reached")
            self.quota -= 1
        if method == "getUpdates":
            return await self._m_getUpdates(params, request)
        return await handler(params)

    # --- faults ---------------------------------------------------------------------------------------------

    def inject_error(self, method: str, code: int = 500, description: str = "Internal Server Error",
                     http_status: int = 200, times: int = 1, after: int = 0) -> None:
        """The next `times` calls of `method` answer `ok: false` with this code (HTTP 200 by default),
        once `after` calls of it went through (a turn's second message: `after=1`)."""
        self._injected.append((method, code, description, http_status, [times, after]))

    def set_quota(self, remaining: int | None) -> None:
        self.quota = remaining

    def redeliver(self, update: JsonDict) -> JsonDict:
        """The platform delivers the same update again (same message_id)."""
        return self.push_raw(update)

    async def _m_getMe(self, params: JsonDict) -> web.Response:
        return self._ok({"id": "1459232241454765289", "account_name": "bot.HsdtTest", "account_type": "BASIC",
                         "can_join_groups": False})

    async def _m_getUpdates(self, params: JsonDict, request: web.Request | None = None) -> web.Response:
        if self.webhook_url:
            return self._error(400, "Bad Request: getUpdates is not allowed while a webhook is set")
        try:
            timeout = float(params.get("timeout", "30"))
        except (TypeError, ValueError):
            return self._error(400, "Bad Request: timeout must be a number")
        deadline = time.monotonic() + min(timeout, self.poll_cap_s)
        while not self._queue or _gone(request):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _gone(request):
                # A poller that went away (its process killed) is handed nothing: the update waits for
                # the next poll instead of vanishing into a closed connection.
                return self._error(408, "Request timeout", 408)
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return self._ok(self._queue.pop(0))

    async def _m_setWebhook(self, params: JsonDict) -> web.Response:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return self._error(400, "Bad Request: url is invalid")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return self._error(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return self._ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _m_deleteWebhook(self, params: JsonDict) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return self._ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _m_getWebhookInfo(self, params: JsonDict) -> web.Response:
        return self._ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})

    def _record(self, message: SentMessage) -> web.Response:
        self._chats.setdefault(message.chat_id, _Chat()).sent.append(message)
        self._notify()
        return self._ok({"message_id": message.message_id, "date": int(time.time() * 1000)})

    async def _m_sendMessage(self, params: JsonDict) -> web.Response:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not chat_id:
            return self._error(400, "Bad Request: chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_LIMIT:
            return self._error(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
        return self._record(SentMessage(str(chat_id), text, message_id=secrets.token_hex(10)))

    async def _m_sendPhoto(self, params: JsonDict) -> web.Response:
        chat_id, photo = params.get("chat_id"), params.get("photo")
        if not chat_id or not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return self._error(400, "Bad Request: chat_id and a photo URL are required")
        caption = str(params.get("caption") or "")
        if len(caption) > TEXT_LIMIT:
            return self._error(400, "Bad Request: caption too long")
        return self._record(SentMessage(str(chat_id), caption, "photo", photo, secrets.token_hex(10)))

    async def _m_sendChatAction(self, params: JsonDict) -> web.Response:
        if not params.get("chat_id") or params.get("action") not in ("typing", "upload_photo"):
            return self._error(400, "Bad Request: chat_id and a known action are required")
        return web.json_response({"ok": True})

    async def _handle_file(self, request: web.Request) -> web.Response:
        found = self._files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        data, mime = found
        return web.Response(body=data, content_type=mime)

    # --- the users ----------------------------------------------------------------------------------------

    def _message(self, user_id: str, display_name: str, **content: Any) -> JsonDict:
        return {
            "from": {"id": user_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
            "message_id": secrets.token_hex(10),
            "date": int(time.time() * 1000),
            **content,
        }

    def push_raw(self, update: JsonDict) -> JsonDict:
        """Queue an update for getUpdates, or POST it to the webhook when one is set."""
        self.pushed.append(update)
        if self.webhook_url:
            task = asyncio.get_running_loop().create_task(self._deliver(update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._queue.append(update)
        self._notify()
        return update

    def push_text(self, user_id: str, text: str, display_name: str = "Nguyễn Thị Hồng Nhung") -> JsonDict:
        return self.push_raw({"event_name": "message.text.received",
                              "message": self._message(user_id, display_name, text=text)})

    def push_image(self, user_id: str, url: str = "https://example.invalid/a.jpg", caption: str = "") -> JsonDict:
        return self.push_raw({"event_name": "message.image.received",
                              "message": self._message(user_id, "Người dùng", photo=url, caption=caption)})

    def push_sticker(self, user_id: str, sticker: str = "0e078a2fb66a5f34067b") -> JsonDict:
        return self.push_raw({"event_name": "message.sticker.received",
                              "message": self._message(user_id, "Người dùng", sticker=sticker)})

    def push_voice(self, user_id: str, url: str = "https://example.invalid/v.aac") -> JsonDict:
        return self.push_raw({"event_name": "message.voice.received",
                              "message": self._message(user_id, "Người dùng", voice_url=url)})

    def push_unsupported(self, user_id: str | None) -> JsonDict:
        """What a user's file arrives as; with user_id None, the bare event with no message at all."""
        if user_id is None:
            return self.push_raw({"event_name": "message.unsupported.received"})
        return self.push_raw({"event_name": "message.unsupported.received",
                              "message": self._message(user_id, "Người dùng")})

    def host_file(self, data: bytes, name: str, mime: str = "application/pdf") -> str:
        self._files[name] = (data, mime)
        return f"{self.base_url}/files/{name}"

    def push_file(self, user_id: str, data: bytes, name: str) -> JsonDict:
        """A file event as some public clients describe it (not in the official docs)."""
        url = self.host_file(data, name)
        return self.push_raw({"event_name": "message.file.received", "message": self._message(
            user_id, "Người dùng", file={"url": url, "name": name, "size": len(data)})})

    async def _deliver(self, update: JsonDict, secret: str | None = None) -> WebhookDelivery:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = {"ok": True, "result": update} if self.wrap_webhook else update
        headers = {"X-Bot-Api-Secret-Token": self.webhook_secret if secret is None else secret}
        async with self._session.post(self.webhook_url, json=body, headers=headers) as response:
            delivery = WebhookDelivery(update, response.status, await response.text())
        self.deliveries.append(delivery)
        self._notify()
        return delivery

    async def deliver_webhook(self, update: JsonDict, secret: str | None = None) -> WebhookDelivery:
        """POST one update to the webhook now (optionally with a wrong secret) and return the answer."""
        self.pushed.append(update)
        return await self._deliver(update, secret)

    # --- what the users see -------------------------------------------------------------------------------

    def messages(self, chat_id: str) -> list[SentMessage]:
        return list(self._chats.get(chat_id, _Chat()).sent)

    def calls_of(self, method: str) -> list[JsonDict]:
        return [params for name, params in self.calls if name == method]

    async def wait_for_message(self, chat_id: str, predicate: Callable[[SentMessage], bool] | None = None,
                               timeout: float = 10.0) -> SentMessage:
        """The next message to the chat after the last one consumed (skipping those the predicate rejects)."""
        chat = self._chats.setdefault(chat_id, _Chat())
        deadline = time.monotonic() + timeout
        while True:
            while chat.consumed < len(chat.sent):
                message = chat.sent[chat.consumed]
                chat.consumed += 1
                if predicate is None or predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                shown = "\n---\n".join(m.text for m in chat.sent[-3:])
                raise TimeoutError(f"no matching message to {chat_id} within {timeout}s; last ones:\n{shown}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_until(self, condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s: {what}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)


def _gone(request: web.Request | None) -> bool:
    return request is not None and (request.transport is None or request.transport.is_closing())


class FakeZaloCloud(FakeCloud[FakeZaloServer]):
    """One Zalo Bot Platform host for several bots (``bot(token)``: each a ``FakeZaloServer`` with its own
    users, updates, webhook and quota), a call routed by the token in its path as the platform's host
    routes it; a token of no bot is refused 401 Unauthorized like the platform's."""

    name = "FakeZaloCloud"

    def __init__(self, *tokens: str, host: str = "127.0.0.1", poll_cap_s: float = 2.0) -> None:
        super().__init__({token: FakeZaloServer(token, host=host, poll_cap_s=poll_cap_s) for token in tokens}, host)

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.routed(_api_call, _unauthorized))
        return app


async def _api_call(bot: FakeZaloServer, request: web.Request) -> web.StreamResponse:
    return await bot._handle_api(request)


def _unauthorized() -> web.StreamResponse:
    return FakeZaloServer._error(401, "Unauthorized", 401)
