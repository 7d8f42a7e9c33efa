"""Zalo's ids, kept as the exact text Zalo sent, whether it sent a JSON string or a JSON number.

User ids, OA ids, app ids and message ids are integers beyond 2^53. Zalo's documented payloads
quote most of them as strings, but integrations report bare numbers too (PHP needs
`JSON_BIGINT_AS_STRING` for its webhook bodies). Python's `json.loads` reads a bare integer as an
exact `int` (never a float), so `ZaloId` turns that int back into its digits; a float (a number
written with a fraction or an exponent) has already lost digits and is refused rather than guessed.
Code compares and stores ids only as these strings, never as numbers.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints


def _id_text(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("an id is not a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError("an id sent as a float has lost its digits")
    return value


ZaloId = Annotated[
    str, BeforeValidator(_id_text), StringConstraints(min_length=1, max_length=64, strip_whitespace=True)
]


def _int_from_text(value: object) -> object:
    """Counts and times Zalo sends as strings ("expires_in": "90000", "timestamp": "1700000000000")."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


LooseInt = Annotated[int, BeforeValidator(_int_from_text)]


def _text_from_scalar(value: object) -> object:
    """Free text Zalo sometimes sends as a number (a phone number in `shared_info`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


LooseText = Annotated[str, BeforeValidator(_text_from_scalar)]
