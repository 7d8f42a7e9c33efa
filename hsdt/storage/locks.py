"""Per-chat serialisation across bot processes: a transaction-scoped advisory lock on PostgreSQL.

Taken first in an event's transaction and released by its commit or rollback, so two workers that
get events of one chat apply them one after the other (and a redelivered copy waits, then finds the
first copy's marker). SQLite has one writer and one bot process: nothing to take there.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import Session

# "HSDT". The two-key form never meets the leader lock's single 64-bit key (PostgreSQL tells them apart).
_NAMESPACE = 0x48534454
_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def chat_key(channel: str, user_ref: str) -> int:
    digest = hashlib.blake2b(f"{channel}\x00{user_ref}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_chat(session: Session, channel: str, user_ref: str) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    # On the connection, not through the session: the ORM's execution path costs more than the lock (every event).
    connection.execute(_LOCK, {"space": _NAMESPACE, "key": chat_key(channel, user_ref)})
