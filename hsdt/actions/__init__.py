"""Typed button actions: small frozen dataclasses packed into the callback data a button carries.

`"sa:o:C1:full"` is `Choose(criterion="C1", option="full").pack()`: a feature prefix, an action code,
then the fields in order. Packed actions fit Telegram's 64-byte callback limit (checked on pack).
The action types sit below every feature, so a reminder or the upload page can build or read the
buttons of the feature that handles them without importing it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self

MAX_BYTES = 64
SEP = ":"


class ActionTooLong(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Action:
    prefix: ClassVar[str]
    code: ClassVar[str]

    def pack(self) -> str:
        parts = [self.prefix, self.code, *(_text(getattr(self, f.name)) for f in dataclasses.fields(self))]
        packed = SEP.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ActionTooLong(packed)
        return packed

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The action `data` packs, or None when it is not one of these (an old or foreign button)."""
        parts = data.split(SEP)
        fields = dataclasses.fields(cls)
        if len(parts) != 2 + len(fields) or parts[0] != cls.prefix or parts[1] != cls.code:
            return None
        values: dict[str, Any] = {}
        for f, raw in zip(fields, parts[2:], strict=True):
            if f.type in ("int", int):
                if not raw.isdigit():
                    return None
                values[f.name] = int(raw)
            elif raw == "":
                return None
            else:
                values[f.name] = raw
        return cls(**values)


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
        self._by_code = {t.code: t for t in types}

    def unpack(self, data: str) -> Action | None:
        head, _, rest = data.partition(SEP)
        if head != self.prefix:
            return None
        kind = self._by_code.get(rest.split(SEP, 1)[0])
        return kind.unpack(data) if kind is not None else None
