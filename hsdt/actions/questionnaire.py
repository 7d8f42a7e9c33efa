"""The navigation every questionnaire shares (back, skip, list, jump, review, ...), under each
questionnaire's own prefix: `Nav("sa", Step.BACK).pack() == "sa:b"`, `Jump("ins", "A1").pack() == "ins:j:A1"`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from hsdt.actions import SEP


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
        return f"{self.flow}{SEP}{self.step}"

    @classmethod
    def unpack(cls, flow: str, data: str) -> Self | None:
        head, _, code = data.partition(SEP)
        if head != flow or code not in Step._value2member_map_:
            return None
        return cls(flow, Step(code))


@dataclass(frozen=True)
class Jump:
    flow: str
    criterion: str

    def pack(self) -> str:
        return f"{self.flow}{SEP}j{SEP}{self.criterion}"

    @classmethod
    def unpack(cls, flow: str, data: str) -> Self | None:
        parts = data.split(SEP)
        if len(parts) != 3 or parts[0] != flow or parts[1] != "j" or not parts[2]:
            return None
        return cls(flow, parts[2])


@dataclass(frozen=True)
class QuestionScreen:
    """The key of a question as shown (`Reply.screen`), to tell which question a typed answer meant."""

    flow: str
    scope: str  # which assessment: the school (and kind) the question belongs to
    criterion: str

    def pack(self) -> str:
        return f"{self.flow}{SEP}q{SEP}{self.scope}{SEP}{self.criterion}"

    @classmethod
    def unpack(cls, flow: str, data: str | None) -> Self | None:
        parts = (data or "").split(SEP)
        if len(parts) != 4 or parts[0] != flow or parts[1] != "q":
            return None
        return cls(flow, parts[2], parts[3])
