"""Buttons of the main menu itself (prefix "m"): show the menu again, and the instructions."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "m"


@dataclass(frozen=True)
class Menu(Action):
    prefix = PREFIX
    code = "menu"


@dataclass(frozen=True)
class Help(Action):
    prefix = PREFIX
    code = "help"


ACTIONS = ActionSet(PREFIX, Menu, Help)
