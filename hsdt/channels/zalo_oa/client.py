"""A thin async client for the Zalo Official Account Open API (v3 messages, v2 uploads), on aiohttp.

Endpoints and payloads as Zalo's own SDKs build them (zalo-php-sdk `ZaloEndPoint`/`MessageBuilder`,
zalo-java-sdk, ZaloDotNetSDK):

* `POST /v3.0/oa/message/cs` consultation messages: `{recipient: {user_id}, message: {text}}`, a file
  `{attachment: {type: "file", payload: {token}}}`, an image (template `media` with an
  `attachment_id`);
* `POST /v3.0/oa/message/transaction`: template `transaction_*` with `language`, `elements`
  (header, text, table) and `buttons`;
* `POST /v2.0/oa/upload/file` and `/v2.0/oa/upload/image`: multipart `file`, answer `data.token` /
  `data.attachment_id`;
* `GET /v3.0/oa/user/detail?data={"user_id": ...}`; `POST /v2.0/oa/quota/message`.

The access token travels in the `access_token` header (never in the URL). Every answer is the
envelope `{error, message, data}` with HTTP 200 also for refusals: `error` decides (see `errors`).
A refused token (-216/-220) makes the client ask its `TokenSource` for a fresh one and call once
more; every other refusal is raised typed. Content the platform would refuse is refused before
sending (`limits`). Ids stay strings end to end (`ids.ZaloId`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError

from hsdt.channels.http_session import SessionHolder
from hsdt.channels.zalo_oa.errors import TokenRejected, ZaloOAApiError, ZaloOAError, ZaloOANetworkError, api_error
from hsdt.channels.zalo_oa.ids import LooseInt, LooseText, ZaloId
from hsdt.channels.zalo_oa.limits import check_document, check_image, check_text
from hsdt.channels.zalo_oa.settings import DEFAULT_API_BASE, ZaloOASettings

log = logging.getLogger(__name__)

CS_MESSAGE = "/v3.0/oa/message/cs"
TRANSACTION_MESSAGE = "/v3.0/oa/message/transaction"
UPLOAD_FILE = "/v2.0/oa/upload/file"
UPLOAD_IMAGE = "/v2.0/oa/upload/image"
USER_DETAIL = "/v3.0/oa/user/detail"
MESSAGE_QUOTA = "/v2.0/oa/quota/message"

_SENDS = frozenset({CS_MESSAGE, TRANSACTION_MESSAGE})
_M = TypeVar("_M", bound=BaseModel)


class TokenSource(Protocol):
    """Where the client gets the OA access token (the token keeper, in the app)."""

    async def access_token(self) -> str: ...

    async def token_rejected(self, token: str) -> None:
        """Zalo refused `token`: make the next `access_token()` return a fresh one if it can."""
        ...


class StaticToken:
    """A fixed token (a test, a one-off command): a refused one stays refused."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token

    async def token_rejected(self, token: str) -> None:
        return None


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MessageQuota(_Lenient):
    """A quota as Zalo reports it; every field is optional because answers differ between versions."""

    quota_type: str | None = None
    remain: LooseInt | None = None
    total: LooseInt | None = None
    expired_date: LooseText | None = None
    owner_type: str | None = None


class SentMessage(_Lenient):
    message_id: ZaloId
    user_id: ZaloId | None = None
    quota: MessageQuota | None = None


class SharedInfo(_Lenient):
    name: LooseText | None = None
    phone: LooseText | None = None
    address: LooseText | None = None
    city: LooseText | None = None
    district: LooseText | None = None


class UserDetail(_Lenient):
    user_id: ZaloId
    user_id_by_app: ZaloId | None = None
    display_name: str = ""
    user_alias: str | None = None
    user_is_follower: bool | None = None
    # "dd/mm/yyyy": a day, not a time, so the channel's own record of interactions is what counts.
    user_last_interaction_date: str | None = None
    avatar: str | None = None
    shared_info: SharedInfo | None = None

    @property
    def last_interaction_day(self) -> date | None:
        if not self.user_last_interaction_date:
            return None
        try:
            return datetime.strptime(self.user_last_interaction_date, "%d/%m/%Y").date()
        except ValueError:
            return None


class TransactionTemplate(StrEnum):
    """`template_type` of a transaction message, as the SDKs name them."""

    INTERNAL = "transaction_internal"
    EDUCATION = "transaction_education"
    EVENT = "transaction_event"
    ACCOUNT = "transaction_account"


@dataclass(frozen=True)
class OpenUrlButton:
    title: str
    url: str

    def payload(self) -> dict[str, Any]:
        return {"title": self.title, "image_icon": "", "type": "oa.open.url", "payload": {"url": self.url}}


@dataclass(frozen=True)
class TransactionMessage:
    """A transaction message: a header, paragraphs, an optional key/value table and link buttons."""

    header: str
    paragraphs: tuple[str, ...] = ()
    table: tuple[tuple[str, str], ...] = ()
    buttons: tuple[OpenUrlButton, ...] = ()
    template: TransactionTemplate = TransactionTemplate.INTERNAL
    language: str = "VI"

    def payload(self) -> dict[str, Any]:
        elements: list[dict[str, Any]] = [{"type": "header", "align": "left", "content": self.header}]
        elements += [{"type": "text", "align": "left", "content": text} for text in self.paragraphs]
        if self.table:
            elements.append({"type": "table", "content": [{"key": k, "value": v} for k, v in self.table]})
        return {"type": "template", "payload": {
            "template_type": self.template.value, "language": self.language,
            "elements": elements, "buttons": [button.payload() for button in self.buttons],
        }}


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    json_body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    # Multipart bodies are built afresh for each attempt: aiohttp consumes a FormData once.
    form: Callable[[], aiohttp.FormData] | None = field(default=None)
    timeout_s: float = 15.0


class ZaloOAClient(SessionHolder):
    def __init__(self, tokens: TokenSource, api_base: str = DEFAULT_API_BASE, *,
                 session: aiohttp.ClientSession | None = None, timeout_s: float = 15.0,
                 upload_timeout_s: float = 60.0) -> None:
        self.tokens = tokens
        self.api_base = api_base.rstrip("/")
        self.timeout_s = timeout_s
        self.upload_timeout_s = upload_timeout_s
        super().__init__(session)

    @classmethod
    def from_settings(cls, settings: ZaloOASettings, tokens: TokenSource,
                      session: aiohttp.ClientSession | None = None) -> ZaloOAClient:
        return cls(tokens, settings.api_base, session=session, timeout_s=settings.request_timeout_s,
                   upload_timeout_s=settings.upload_timeout_s)

    # --- the transport ---------------------------------------------------------------------------------

    async def _call(self, request: _Request) -> Any:
        """The `data` of a successful call. A refused token is refreshed and the call made once more."""
        token = await self.tokens.access_token()
        try:
            return await self._once(request, token)
        except TokenRejected:
            await self.tokens.token_rejected(token)
            fresh = await self.tokens.access_token()
            if fresh == token:
                raise
            log.info("zalo oa: access token refused on %s, sent again with a refreshed one", request.path)
            return await self._once(request, fresh)

    async def _once(self, request: _Request, token: str) -> Any:
        url = f"{self.api_base}{request.path}"
        headers = {"access_token": token}
        body: aiohttp.FormData | None = request.form() if request.form is not None else None
        try:
            async with self._http().request(
                request.method, url, json=request.json_body, params=request.params, data=body, headers=headers,
                timeout=aiohttp.ClientTimeout(total=request.timeout_s),
            ) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError:
            raise ZaloOANetworkError(request.path, f"timed out after {request.timeout_s:.0f} s",
                                     maybe_delivered=request.path in _SENDS) from None
        except aiohttp.ClientConnectorError as error:
            raise ZaloOANetworkError(request.path, f"cannot connect: {error.os_error}", maybe_delivered=False) from None
        except aiohttp.ClientError as error:
            # Cut after connecting: the request may have reached Zalo.
            raise ZaloOANetworkError(request.path, type(error).__name__,
                                     maybe_delivered=request.path in _SENDS) from None
        return _envelope(request.path, status, raw)

    # --- messages ----------------------------------------------------------------------------------------

    async def _send(self, path: str, user_id: str, message: dict[str, Any]) -> SentMessage:
        body = {"recipient": {"user_id": user_id}, "message": message}
        data = await self._call(_Request("POST", path, json_body=body, timeout_s=self.timeout_s))
        return _model(SentMessage, path, data)

    async def send_text(self, user_id: str, text: str) -> SentMessage:
        """A consultation text message (refused here above 2,000 characters)."""
        return await self._send(CS_MESSAGE, user_id, {"text": check_text(text)})

    async def upload_file(self, data: bytes, name: str) -> str:
        """Uploads a PDF/DOC/DOCX (at most 5 MB) and returns the file token a file message sends."""
        document = check_document(data, name)

        def form() -> aiohttp.FormData:
            # Raw UTF-8 file names, as browsers send them (aiohttp would percent-encode "Phụ lục 1.pdf").
            built = aiohttp.FormData(quote_fields=False)
            built.add_field("file", document.data, filename=document.name, content_type=document.mime)
            return built

        answer = await self._call(_Request("POST", UPLOAD_FILE, form=form, timeout_s=self.upload_timeout_s))
        return _string_field(UPLOAD_FILE, answer, "token")

    async def send_file(self, user_id: str, file_token: str) -> SentMessage:
        return await self._send(CS_MESSAGE, user_id, {"attachment": {"type": "file", "payload": {"token": file_token}}})

    async def send_document(self, user_id: str, data: bytes, name: str) -> SentMessage:
        """Upload, then the file message: what a user receives as a file in the chat."""
        return await self.send_file(user_id, await self.upload_file(data, name))

    async def upload_image(self, data: bytes, name: str) -> str:
        """Uploads a JPEG/PNG (at most 1 MB) and returns its attachment id."""
        image = check_image(data, name)

        def form() -> aiohttp.FormData:
            # Raw UTF-8 file names, as browsers send them (aiohttp would percent-encode "Phụ lục 1.pdf").
            built = aiohttp.FormData(quote_fields=False)
            built.add_field("file", image.data, filename=image.name, content_type=image.mime)
            return built

        answer = await self._call(_Request("POST", UPLOAD_IMAGE, form=form, timeout_s=self.upload_timeout_s))
        return _string_field(UPLOAD_IMAGE, answer, "attachment_id")

    async def send_image(self, user_id: str, attachment_id: str, caption: str = "") -> SentMessage:
        message: dict[str, Any] = {"attachment": {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment_id}]}}}
        if caption:
            message["text"] = check_text(caption)
        return await self._send(CS_MESSAGE, user_id, message)

    async def send_transaction(self, user_id: str, message: TransactionMessage) -> SentMessage:
        """A transaction message (reaches users silent for more than 7 days; only 06:00-21:59)."""
        for text in (message.header, *message.paragraphs):
            check_text(text)
        return await self._send(TRANSACTION_MESSAGE, user_id, {"attachment": message.payload()})

    # --- reading ----------------------------------------------------------------------------------------

    async def user_detail(self, user_id: str) -> UserDetail:
        data = await self._call(_Request("GET", USER_DETAIL, params={"data": json.dumps({"user_id": user_id})},
                                         timeout_s=self.timeout_s))
        return _model(UserDetail, USER_DETAIL, data)

    async def message_quota(self, message_id: str | None = None) -> MessageQuota:
        """The OA's consultation quota, or (with a user's `message_id`) the free replies left to it."""
        body = {"message_id": message_id} if message_id else {}
        data = await self._call(_Request("POST", MESSAGE_QUOTA, json_body=body, timeout_s=self.timeout_s))
        if isinstance(data, list):  # some versions answer a list of quota assets
            data = data[0] if data else {}
        return _model(MessageQuota, MESSAGE_QUOTA, data)


def _envelope(path: str, status: int, raw: bytes) -> Any:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("error"), int) or isinstance(body.get("error"), bool):
        raise ZaloOANetworkError(path, f"not a Zalo envelope (HTTP {status})", maybe_delivered=path in _SENDS)
    code: int = body["error"]
    if code != 0:
        raise api_error(path, code, str(body.get("message") or ""))
    return body.get("data")


def _model(model: type[_M], path: str, data: Any) -> _M:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        raise ZaloOAApiError(path, 0, f"unexpected answer: {error.error_count()} field(s) wrong") from None


def _string_field(path: str, data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ZaloOAApiError(path, 0, f"the answer has no {name}")
    return value


__all__ = [
    "MessageQuota", "OpenUrlButton", "SentMessage", "StaticToken", "TokenSource", "TransactionMessage",
    "TransactionTemplate", "UserDetail", "ZaloOAClient", "ZaloOAError",
]
