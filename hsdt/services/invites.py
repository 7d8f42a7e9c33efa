"""One-time invite codes: a user's open code reused, new ones hard to misread (no 0/O/1/I/L)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from hsdt.storage.keys import stored_id
from hsdt.storage.models import InviteCode, User
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

# No 0/O/1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_invite(uow: UnitOfWork, user: User, now: datetime, ttl: timedelta) -> InviteCode:
    """Reuse the user's open code, so re-importing a roster does not mint new ones."""
    assert user.id is not None
    existing = uow.invites.open_for_user(user.id, now)
    if existing is not None:
        return existing
    return uow.invites.add(InviteCode(code=new_code(), user_id=user.id, expires_at=now + ttl))


def open_invites(uow: UnitOfWork, user_codes: list[str], *, invite_ttl: timedelta,
                 now: datetime | None = None) -> list[tuple[User, str]]:
    """Codes for the given users who have not joined yet (reusing open codes)."""
    now = now or utcnow()
    found: list[tuple[User, str]] = []
    for code in user_codes:
        user = uow.users.by_code(code)
        if user is None or uow.identities.of_user(stored_id(user.id)):
            continue
        found.append((user, issue_invite(uow, user, now, invite_ttl).code))
    return found
