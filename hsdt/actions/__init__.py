"""Typed button actions: small frozen dataclasses packed into the callback data a button carries.

`"sa:o:C1:full"` is `Choose(criterion="C1", option="full").pack()`: a feature prefix, an action code,
then the fields in order. Packed actions fit Telegram's 64-byte callback limit (checked on pack).
The action types sit below every feature, so a reminder or the upload page can build or read the
buttons of the feature that handles them without importing it. This package is the one place that
reads packed data: `prefix_of` says which feature a button belongs to, each type reads its own.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar, Self

MAX_BYTES = 64
SEP = ":"

# The feature a packed action belongs to: the text before the first separator.
_PREFIX = re.compile(r"([^:]+)(?::|$)")
_FIELD = "([^:]+)"
_NUMBER = "([0-9]+)"


class ActionTooLong(ValueError):
    pass


def prefix_of(data: str | None) -> str | None:
    """The prefix of a packed action (``"sa"`` of ``"sa:o:C1:full"``); None for empty data."""
    found = _PREFIX.match(data or "")
    return found.group(1) if found is not None else None


def pack_fields(*parts: object) -> str:
    """Parts joined into callback data, refused when a part holds the separator or the whole is too long."""
    packed = SEP.join(_text(part) for part in parts)
    if len(packed.encode()) > MAX_BYTES:
        raise ActionTooLong(packed)
    return packed


@dataclasses.dataclass(frozen=True)
class Action:
    prefix: ClassVar[str]
    code: ClassVar[str]

    def pack(self) -> str:
        return pack_fields(self.prefix, self.code, *(getattr(self, f.name) for f in dataclasses.fields(self)))

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        """The action `data` packs, or None when it is not one of these (an old or foreign button)."""
        found = _pattern(cls).fullmatch(data or "")
        if found is None:
            return None
        values: dict[str, Any] = {
            f.name: int(raw) if _is_int(f) else raw
            for f, raw in zip(dataclasses.fields(cls), found.groups(), strict=True)
        }
        return cls(**values)


def _is_int(field: dataclasses.Field[Any]) -> bool:
    return field.type in ("int", int)


_PATTERNS: dict[type[Action], re.Pattern[str]] = {}


def _pattern(kind: type[Action]) -> re.Pattern[str]:
    """What a packed action of `kind` looks like: its prefix, its code, then one part per field."""
    found = _PATTERNS.get(kind)
    if found is None:
        groups = [_NUMBER if _is_int(f) else _FIELD for f in dataclasses.fields(kind)]
        found = _PATTERNS[kind] = re.compile(SEP.join([re.escape(kind.prefix), re.escape(kind.code), *groups]))
    return found


def _text(value: object) -> str:
    text = str(value)
    if SEP in text:
        raise ValueError(f"{SEP!r} inside an action field: {text!r}")
    return text


class ActionSet:
    """The actions of one feature, to read a pressed button back into one of them."""

    def __init__(self, prefix: str, *types: type[Action]) -> None:
        wrong = [t.__name__ for t in types if t.prefix != prefix]
        if wrong:
            raise ValueError(f"actions {wrong} do not carry the prefix {prefix!r}")
        self.prefix = prefix
        self.types = types

    def unpack(self, data: str | None) -> Action | None:
        if prefix_of(data) != self.prefix:
            return None
        return next((found for kind in self.types if (found := kind.unpack(data)) is not None), None)
