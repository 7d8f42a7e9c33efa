"""The invite codes a command prints for the people who have not joined yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hsdt.storage.models import User
    from hsdt.texts.levels import Levels


def print_invites(rows: list[tuple[User, str]], title: str, levels: Levels | None = None) -> None:
    from hsdt.texts import role_name

    print(title)
    for user, code in rows:
        print(f"  {code}  {user.full_name} — {role_name(user.role, levels)} ({user.code})")
