"""Buttons of the inspectors' re-scoring and cross-inspection (prefix "ins")."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet
from hsdt.scoring.assessment import AssessmentKind

PREFIX = "ins"
# How a button names the kind of inspection: "d" the managing unit's re-score, "c" cross-inspection.
KIND_CODES = {"d": AssessmentKind.RESCORE, "c": AssessmentKind.CROSS}
CODE_OF_KIND = {kind: code for code, kind in KIND_CODES.items()}


@dataclass(frozen=True)
class Open(Action):
    prefix = PREFIX
    code = "open"


@dataclass(frozen=True)
class Pick(Action):
    prefix = PREFIX
    code = "p"
    school: int
    kind: str  # a key of KIND_CODES


@dataclass(frozen=True)
class Accept(Action):
    """Take the school's own points for this criterion."""

    prefix = PREFIX
    code = "a"
    criterion: str


@dataclass(frozen=True)
class CancelInput(Action):
    prefix = PREFIX
    code = "x"


@dataclass(frozen=True)
class Reopen(Action):
    prefix = PREFIX
    code = "ro"


ACTIONS = ActionSet(PREFIX, Open, Pick, Accept, CancelInput, Reopen)
