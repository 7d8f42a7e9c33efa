"""What answering a question came to, as the questionnaire controller reports it.

As JavaRosa's `FormEntryController` answers ANSWER_OK / REQUIRED_BUT_EMPTY / CONSTRAINT_VIOLATED, a
flow's `save` (and the engine's `answer`, which reads typed text first) returns one of these; the
engine picks the screens from it and never guesses whether anything was stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hsdt.scoring import InvalidAnswer, Rescore
from hsdt.scoring.assessment import StoredAnswer


@dataclass(frozen=True)
class Saved:
    """The answer is stored (it is the assessment's change of this event)."""

    answer: StoredAnswer


@dataclass(frozen=True)
class Invalid:
    """Not an answer to this question: ``code`` (:data:`~hsdt.scoring.ANSWER_ERROR_CODES` or
    :data:`~hsdt.scoring.RESCORE_ERROR_CODES`) and its params say why. Nothing was stored."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, error: InvalidAnswer) -> Invalid:
        return cls(error.code, dict(error.params))


@dataclass(frozen=True)
class NeedsComment:
    """An inspector's points other than the school's, without a comment that says why (``value.comment``
    is what was given: too short, or empty). Nothing was stored; the points wait for their comment."""

    value: Rescore


@dataclass(frozen=True)
class Locked:
    """The assessment was submitted meanwhile: nothing can change it."""

    submitted_at: datetime | None


@dataclass(frozen=True)
class Conflict:
    """Someone else changed these points since they were shown (``current``: what they are now)."""

    current: StoredAnswer | None


Outcome = Saved | Invalid | NeedsComment | Locked | Conflict
