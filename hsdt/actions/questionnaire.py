"""The navigation every questionnaire shares (back, skip, list, jump, review, ...), under each
questionnaire's own prefix: `Nav("sa", Step.BACK).pack() == "sa:b"`, `Jump("ins", "A1").pack() == "ins:j:A1"`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from hsdt.actions import pack_fields

_NAV = re.compile(r"([^:]+):([a-z]+)")
_JUMP = re.compile(r"([^:]+):j:([^:]+)")
_SCREEN = re.compile(r"([^:]+):q:([^:]+):([^:]+)")


class Step(StrEnum):
    BACK = "b"
    SKIP = "s"
    LIST = "l"
    REVIEW = "r"
    EDIT = "e"
    CONTINUE = "c"
    SUBMIT = "sub"
    CONFIRM = "ok"
    CANCEL_SUBMIT = "no"
    HELP = "h"


@dataclass(frozen=True)
class Nav:
    flow: str
    step: Step

    def pack(self) -> str:
        return pack_fields(self.flow, self.step)

    @classmethod
    def unpack(cls, flow: str, data: str) -> Self | None:
        found = _NAV.fullmatch(data)
        if found is None or found.group(1) != flow or found.group(2) not in Step._value2member_map_:
            return None
        return cls(flow, Step(found.group(2)))


@dataclass(frozen=True)
class Jump:
    flow: str
    criterion: str

    def pack(self) -> str:
        return pack_fields(self.flow, "j", self.criterion)

    @classmethod
    def unpack(cls, flow: str, data: str) -> Self | None:
        found = _JUMP.fullmatch(data)
        if found is None or found.group(1) != flow:
            return None
        return cls(flow, found.group(2))


@dataclass(frozen=True)
class QuestionScreen:
    """The key of a question as shown (`Reply.screen`), to tell which question a typed answer meant."""

    flow: str
    scope: str  # which assessment: the school (and kind) the question belongs to
    criterion: str

    def pack(self) -> str:
        return pack_fields(self.flow, "q", self.scope, self.criterion)

    @classmethod
    def unpack(cls, flow: str, data: str | None) -> Self | None:
        found = _SCREEN.fullmatch(data or "")
        if found is None or found.group(1) != flow:
            return None
        return cls(flow, found.group(2), found.group(3))
