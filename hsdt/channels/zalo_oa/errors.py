"""What can go wrong talking to a Zalo Official Account, as exceptions a channel can act on.

The Open API answers HTTP 200 with `{"error": <negative>, "message": ...}` when it refuses; the
codes a channel must tell apart get a class each:

| code      | class              | what the channel does                                        |
|-----------|--------------------|--------------------------------------------------------------|
| -216/-220 | `TokenRejected`    | the client refreshes the token and sends again, once          |
| -32       | `RateLimited`      | keep the message, send it again later                          |
| -211      | `QuotaExhausted`   | keep it; the OA's message quota is used up (operators alerted) |
| -230      | `OutsideWindow`    | the user has been silent 7+ days: transaction message, or     |
|           |                    | another channel, or report the user unreachable               |
| -201      | `InvalidParameter` | a bug or a refusal of content: do not retry as is              |

No message of these exceptions ever contains a token (the client sends the access token in a
header, never in a URL, so transport errors cannot quote it either).
"""

from __future__ import annotations

from enum import StrEnum


class ZaloOAError(Exception):
    """Any failure of a Zalo OA call."""


class ZaloOANetworkError(ZaloOAError):
    """No usable answer (connection refused or cut, timeout, not JSON). For a send, whether Zalo
    delivered the message is unknown: `maybe_delivered` says whether the request may have reached it."""

    def __init__(self, endpoint: str, detail: str, *, maybe_delivered: bool) -> None:
        super().__init__(f"{endpoint}: {detail}")
        self.endpoint = endpoint
        self.maybe_delivered = maybe_delivered


class ZaloOAApiError(ZaloOAError):
    """Zalo answered and refused (`error` < 0)."""

    def __init__(self, endpoint: str, code: int, message: str) -> None:
        super().__init__(f"{endpoint}: {code} {message}")
        self.endpoint = endpoint
        self.code = code
        self.message = message


class TokenRejected(ZaloOAApiError):
    """The access token is invalid or expired (-216, -220; -124 in older answers)."""


class RateLimited(ZaloOAApiError):
    """Too many calls (-32): nothing was sent."""


class QuotaExhausted(ZaloOAApiError):
    """The OA's message quota is used up (-211): nothing was sent."""


class OutsideWindow(ZaloOAApiError):
    """The user has not interacted within the consultation window (-230): nothing was sent."""


class InvalidParameter(ZaloOAApiError):
    """A parameter was refused (-201)."""


TOKEN_CODES = frozenset({-216, -220, -124})

_BY_CODE: dict[int, type[ZaloOAApiError]] = {
    -32: RateLimited,
    -211: QuotaExhausted,
    -230: OutsideWindow,
    -201: InvalidParameter,
    **{code: TokenRejected for code in TOKEN_CODES},
}


def api_error(endpoint: str, code: int, message: str) -> ZaloOAApiError:
    return _BY_CODE.get(code, ZaloOAApiError)(endpoint, code, message)


class Refusal(StrEnum):
    """Why the client refused content before sending it (what the platform would refuse)."""

    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE = "file_type"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TYPE = "image_type"
    EMPTY_FILE = "empty_file"


class ContentRefused(ZaloOAError):
    """Refused before sending: Zalo would refuse it. Nothing was sent; `reason` says why and `limit`
    gives the limit it broke (characters or bytes), for the user's message."""

    def __init__(self, reason: Refusal, detail: str, limit: int | None = None) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.limit = limit


class OAuthError(ZaloOAError):
    """A token call failed."""


class OAuthRefused(OAuthError):
    """The OAuth server answered with an error (a used or expired refresh token, a wrong code or
    code verifier, a wrong app secret). `code` is Zalo's number, `name` its `error_name`."""

    def __init__(self, code: int, name: str, description: str) -> None:
        super().__init__(f"OAuth refused: {code} {name}: {description}")
        self.code = code
        self.name = name
        self.description = description


class OAuthUnavailable(OAuthError):
    """No answer from the OAuth server (network, timeout, 5xx, not JSON). For a refresh the outcome
    is unknown: Zalo may have rotated the refresh token and the answer been lost."""
