"""A thin async client for the Zalo Bot Platform API (about a dozen JSON calls on aiohttp).

Every call is `POST {base}/bot<TOKEN>/<method>` with a JSON body. Answers are `{ok, result}` or
`{ok: false, error_code, description}`, and errors can come with HTTP 200: `ok` decides, not the
status. An idle long poll answers 408. The token is part of the URL, so no URL and no aiohttp error
text that may contain it ever leaves this module unredacted (and `hsdt.redaction` scrubs
every log line besides).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from hsdt.channels.contract import RecipientBlocked, RetryLater, SendRefused
from hsdt.channels.http_session import SessionHolder
from hsdt.channels.ratelimit import SendBudget

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://bot-api.zaloplatforms.com"
TEXT_LIMIT = 2000
POLL_TIMEOUT_S = 30


class ZaloError(Exception):
    """Any failure of a Zalo call; the message never contains the token."""


class ZaloApiError(ZaloError):
    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"{method}: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


class ZaloNetworkError(ZaloError):
    pass


def redact(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text


class ZaloBotClient(SessionHolder):
    def __init__(self, token: str, base_url: str = DEFAULT_BASE, session: aiohttp.ClientSession | None = None) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        super().__init__(session)
        # Waited on before every message sent (the bot's rate limit, shared by the workers).
        self.budget: SendBudget | None = None

    @property
    def token(self) -> str:
        return self._token

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float = 30.0) -> Any:
        """The `result` of a successful call; ZaloApiError for `ok: false` (whatever the HTTP status)."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            async with self._http().post(
                url, json=payload or {}, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except TimeoutError:
            raise ZaloNetworkError(f"{method}: timed out after {timeout:.0f} s") from None
        except aiohttp.ClientError as error:
            raise ZaloNetworkError(f"{method}: {redact(str(error), self._token)}") from None
        if not isinstance(body, dict):
            if status == 408:
                raise ZaloApiError(method, 408, "Request timeout")
            raise ZaloApiError(method, status, f"not a JSON envelope (HTTP {status})")
        if not body.get("ok"):
            code = body.get("error_code")
            description = redact(str(body.get("description") or ""), self._token)
            raise ZaloApiError(method, int(code) if isinstance(code, int) else status, description)
        return body.get("result")

    async def _object(self, method: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """A method whose `result` is a JSON object; anything else (a bare `true`) reads as empty."""
        result = await self.call(method, payload)
        return result if isinstance(result, dict) else {}

    # --- the methods -----------------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        return await self._object("getMe")

    async def get_updates(self, timeout: int = POLL_TIMEOUT_S) -> dict[str, Any] | None:
        """ONE update (the platform returns a single object, not a list), or None when the poll idled."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 15)
        except ZaloApiError as error:
            if error.error_code == 408:
                return None
            raise
        if isinstance(result, list):  # tolerate a list, should the platform ever batch
            return result[0] if result else None
        return result or None

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        return await self._object("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict[str, Any]:
        return await self._object("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return await self._object("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        if self.budget is not None:
            await self.budget.acquire()
        return await self._object("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption[:TEXT_LIMIT]
        if self.budget is not None:
            await self.budget.acquire()
        return await self._object("sendPhoto", payload)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def classify(error: BaseException, quota_wait_s: float = 60.0) -> BaseException:
    """A Zalo failure as the channel-neutral outcome. `ok:false` arrives with HTTP 200 too. A quota or
    flood refusal says "not now", not "never": the reply is kept and tried again."""
    if isinstance(error, ZaloApiError):
        text = error.description.lower()
        if error.error_code == 429 or "quota" in text:
            log.error("zalo refused a send for now (%s); the reply is kept and retried in %.0f s; "
                      "check the plan's message quota", error, quota_wait_s)
            return RetryLater(quota_wait_s, str(error))
        if error.error_code == 403:
            return RecipientBlocked(str(error))
        if error.error_code in (400, 404):
            return SendRefused(str(error))
        return RetryLater(None, str(error))
    if isinstance(error, ZaloError | aiohttp.ClientError | TimeoutError | OSError):
        return RetryLater(None, str(error))
    return error
