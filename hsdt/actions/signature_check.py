"""Buttons of the signature check (prefix "chk"), and the purpose of a file sent only to be checked."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "chk"


@dataclass(frozen=True)
class Open(Action):
    prefix = PREFIX
    code = "open"


@dataclass(frozen=True)
class CheckOnly(Action):
    """The purpose of a file sent through an upload link only to be checked (a document's payload)."""

    prefix = PREFIX
    code = "file"


ACTIONS = ActionSet(PREFIX, Open, CheckOnly)
