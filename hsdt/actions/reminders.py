"""Buttons of the reminders (prefix "rem"): the campaign calendar a reminder offers."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "rem"


@dataclass(frozen=True)
class Calendar(Action):
    prefix = PREFIX
    code = "lich"


ACTIONS = ActionSet(PREFIX, Calendar)
