"""Buttons of the web dashboard's sign-in link (prefix "bdk")."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "bdk"


@dataclass(frozen=True)
class Open(Action):
    prefix = PREFIX
    code = "open"


ACTIONS = ActionSet(PREFIX, Open)
