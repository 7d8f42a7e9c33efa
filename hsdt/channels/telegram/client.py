"""The Bot API client as the bot uses it: aiogram's session (skipping copies of updates in flight),
every send waiting for the bot's send budget, and Bot API failures as the channel-neutral outcomes."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar, cast

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import (
    DeleteWebhook,
    EditMessageText,
    GetFile,
    GetMe,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
)
from aiogram.methods.base import Response, TelegramMethod
from pydantic import BaseModel, ConfigDict

from hsdt.channels.contract import RecipientBlocked, RetryLater, SendRefused
from hsdt.channels.ratelimit import SendBudget
from hsdt.channels.telegram.updates import TgUpdate

T = TypeVar("T")


class SentRef(BaseModel):
    """What the bot reads of a message it sent or edited: its id. aiogram would parse the whole message
    back (its chat, sender and every button) into a dozen models per call, for nothing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


class SendText(TelegramMethod[SentRef]):
    """sendMessage as the replies use it (the bot has no default parse mode or link preview: `make_bot`)."""

    __returning__: ClassVar[Any] = SentRef
    __api_method__: ClassVar[str] = "sendMessage"

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None  # the keyboard's JSON (`render.rendered`)


class EditText(TelegramMethod[SentRef | bool]):
    """editMessageText as the replies use it (True instead of the message for inline messages only)."""

    __returning__: ClassVar[Any] = SentRef | bool
    __api_method__: ClassVar[str] = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None


class FetchUpdates(TelegramMethod[list[TgUpdate]]):
    """getUpdates as the bot polls: its answer read as the bot's own update models (`updates.py`)."""

    __returning__: ClassVar[Any] = list[TgUpdate]
    __api_method__: ClassVar[str] = "getUpdates"

    offset: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class AnswerPress(TelegramMethod[bool]):
    """answerCallbackQuery as the bot uses it: the press acknowledged, no text."""

    __returning__: ClassVar[Any] = bool
    __api_method__: ClassVar[str] = "answerCallbackQuery"

    callback_query_id: str


# aiogram builds `Response[<type>]` for every answer; pydantic keeps parametrised models only weakly,
# so without a reference they are collected and rebuilt (~80 ms each, measured) again and again.
_RESPONSE_TYPES = [Response[method.__returning__]  # type: ignore[name-defined]  # a type chosen at run time
                   for method in (SendMessage, EditMessageText, GetFile, GetMe,
                                  SetMyCommands, DeleteWebhook, SendDocument, SendPhoto, SendChatAction,
                                  SendText, EditText, AnswerPress, FetchUpdates)]
_FETCHED = Response[list[TgUpdate]]
# The answers to our own calls that succeeded, read without aiogram's `Response[<type>]` built per call
# (pydantic's lookup of a parametrised model, a union's above all, cost as much as reading the answer).
_TAKEN: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {
    SendText: Response[SentRef], EditText: Response[SentRef | bool], AnswerPress: Response[bool]}


class PollingSession(AiohttpSession):
    """aiogram's session, except that
    - a call without a file goes as a JSON body (the Bot API takes JSON), not as aiogram's form, whose
      urlencoding of every field (the keyboard's JSON escaped character by character) was about a
      quarter of each request's CPU (profiled); a call with a file is aiogram's multipart form as before;
    - a getUpdates answer drops the updates `skip` names before they are parsed. While a chat's update
      is in flight Telegram sends it again with every poll (it is not confirmed until it commits);
      parsing each copy into aiogram's models cost more CPU than handling the answers did."""

    skip: Callable[[int], bool] | None = None

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The call's parameters as JSON, the same ones aiogram's form would carry (None and "" left out,
        bot defaults applied); None when the call uploads a file."""
        if isinstance(method, SendText | EditText | AnswerPress | FetchUpdates):
            # Our own calls have no bot defaults and no files: pydantic writes them, five times faster.
            return method.model_dump_json(exclude_none=True).encode()
        files: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            params[key] = prepared
        return None if files else self.json_dumps(params).encode()

    async def make_request(self, bot: Bot, method: TelegramMethod[T], timeout: int | None = None) -> T:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            limit = aiohttp.ClientTimeout(total=self.timeout if timeout is None else timeout)  # as aiogram's number
            async with session.post(url, data=body, headers={"Content-Type": "application/json"},
                                    timeout=limit) as resp:
                raw = await resp.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except aiohttp.ClientError as error:
            raise TelegramNetworkError(method=method, message=f"{type(error).__name__}: {error}") from error
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw)
        return cast(T, response.result)

    def check_response(self, bot: Bot, method: TelegramMethod[T], status_code: int,
                       content: str) -> Response[T]:
        taken = _TAKEN.get(type(method)) if status_code == 200 else None
        if taken is not None:
            # Our own call, taken: read as its answer type. Anything else (a refusal, flood control, an
            # unexpected body) is left to aiogram's check, which raises what it means.
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                data = self.json_loads(content)
                if isinstance(data, dict) and data.get("ok") is True:
                    return cast("Response[T]", taken.model_validate(data, context={"bot": bot}))
        if isinstance(method, FetchUpdates) and status_code == 200:
            # Read once: the updates in flight dropped from the data, the rest validated from it (aiogram
            # would read the text again). Anything unexpected is left to aiogram's own check.
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                data = self.json_loads(content)
                result = data.get("result") if data.get("ok") else None
                if isinstance(result, list):
                    skip = self.skip
                    if skip is not None:
                        data["result"] = [u for u in result if not (
                            isinstance(u, dict) and isinstance(u.get("update_id"), int) and skip(u["update_id"]))]
                    # Quoted: `Response[T]` evaluated builds a pydantic model on every call.
                    return cast("Response[T]", _FETCHED.model_validate(data))
        return super().check_response(bot, method, status_code, content)


# The methods that put a message on the platform, counted against the bot's rate limit.
SENDS = (SendMessage, EditMessageText, SendDocument, SendPhoto, SendText, EditText)


class SendBudgetMiddleware(BaseRequestMiddleware):
    """Every message the bot sends, a reply or a reminder, first waits for a slot of the bot's budget."""

    def __init__(self, budget: SendBudget) -> None:
        self.budget = budget

    async def __call__(self, make_request: NextRequestMiddlewareType[T], bot: Bot,
                       method: TelegramMethod[T]) -> Response[T]:
        if isinstance(method, SENDS):
            await self.budget.acquire()
        return await make_request(bot, method)


def make_bot(token: str, api_base: str | None) -> Bot:
    session = PollingSession(api=TelegramAPIServer.from_base(api_base)) if api_base else PollingSession()
    return Bot(token=token, session=session)


def classify(error: BaseException) -> BaseException:
    """A Bot API failure as the channel-neutral outcome: retry (flood control, 5xx, network) or refused."""
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(float(error.retry_after), "flood control")
    if isinstance(error, TelegramForbiddenError):
        return RecipientBlocked(error.message)
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        return SendRefused(error.message)
    if isinstance(error, TelegramAPIError | aiohttp.ClientError | TimeoutError | OSError):
        return RetryLater(None, type(error).__name__)
    return error


async def call(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return await make()
    except Exception as error:
        mapped = classify(error)
        if mapped is error:
            raise
        raise mapped from error
