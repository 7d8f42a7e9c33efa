"""Buttons of the campaign choice (prefix "dot"): which đợt kiểm tra a user works in."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "dot"


@dataclass(frozen=True)
class Choose(Action):
    """Work in campaign `campaign` (its id; refused unless the user's unit takes part in it)."""

    prefix = PREFIX
    code = "c"
    campaign: int


@dataclass(frozen=True)
class Switch(Action):
    """Show the choice again (the menu's "Đổi đợt kiểm tra")."""

    prefix = PREFIX
    code = "s"


ACTIONS = ActionSet(PREFIX, Choose, Switch)
