"""Buttons of the self-assessment (prefix "sa"), and the purpose of a file sent as evidence."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "sa"


@dataclass(frozen=True)
class Open(Action):
    prefix = PREFIX
    code = "open"


@dataclass(frozen=True)
class Choose(Action):
    prefix = PREFIX
    code = "o"
    criterion: str
    option: str


@dataclass(frozen=True)
class Toggle(Action):
    prefix = PREFIX
    code = "t"
    criterion: str
    option: str


@dataclass(frozen=True)
class MultiDone(Action):
    prefix = PREFIX
    code = "d"
    criterion: str


@dataclass(frozen=True)
class Keep(Action):
    prefix = PREFIX
    code = "k"
    criterion: str


@dataclass(frozen=True)
class EvidenceDone(Action):
    prefix = PREFIX
    code = "ed"
    criterion: str


@dataclass(frozen=True)
class RemoveEvidence(Action):
    prefix = PREFIX
    code = "rm"
    criterion: str
    evidence: int


@dataclass(frozen=True)
class EvidenceFor(Action):
    """The purpose of a file sent as evidence for a school's criterion (an upload link's document)."""

    prefix = PREFIX
    code = "ev"
    school: int
    criterion: str


ACTIONS = ActionSet(PREFIX, Open, Choose, Toggle, MultiDone, Keep, EvidenceDone, RemoveEvidence, EvidenceFor)
