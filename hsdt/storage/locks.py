"""Per-chat serialisation across bot processes: a transaction-scoped advisory lock on PostgreSQL.

Taken first in an event's transaction and released by its commit or rollback, so two workers that
get events of one chat apply them one after the other (and a redelivered copy waits, then finds the
first copy's marker). SQLite has one writer and one bot process: nothing to take there.

`SoleLock`: what only one process may do at a time for as long as it runs (polling one bot token).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# "HSDT". The two-key form never meets the leader lock's single 64-bit key (PostgreSQL tells them apart).
_NAMESPACE = 0x48534454
_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def chat_key(channel: str, user_ref: str) -> int:
    digest = hashlib.blake2b(f"{channel}\x00{user_ref}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


# Where `lock_chat` leaves the lock for the transaction's first statement (`session.info`).
CHAT_LOCK = "hsdt_chat_lock"


def lock_chat(session: Session, channel: str, user_ref: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        session.connection()  # SQLite: the transaction begins with the database's write lock
        return
    keys = (_NAMESPACE, chat_key(channel, user_ref))
    if not session.in_transaction():
        # Taken by the statement that puts the new transaction in its tenant (`unit_of_work`): one round
        # trip less on every event.
        session.info[CHAT_LOCK] = keys
        session.connection()
        return
    # On the connection, not through the session: the ORM's execution path costs more than the lock.
    session.connection().execute(_LOCK, {"space": keys[0], "key": keys[1]})


def hold_session_lock(engine: Engine, statement: str, params: dict[str, int]) -> Connection | None:
    """A session advisory lock (`statement`: a `pg_try_advisory_lock` call) on a connection of its own,
    which the caller keeps for as long as it holds the lock; None when another session holds it."""
    conn = engine.connect()
    try:
        won = bool(conn.execute(text(statement), params).scalar())
        conn.commit()  # a session lock: it outlives the transaction
    except Exception:
        conn.close()
        raise
    if not won:
        conn.close()
        return None
    return conn


def drop_session_lock(conn: Connection | None) -> None:
    """Close the DBAPI connection itself: back in the pool it would keep the lock alive."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.invalidate()
            conn.close()


def hold_file_lock(path: str, mode: int = 0o600) -> int | None:
    """An exclusive `flock` on `path` (freed by the kernel when the process dies); the open descriptor,
    or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def drop_file_lock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# "POLL": the sole-poller locks' space, apart from the chat locks' and the leader's keys.
_POLL_SPACE = 0x504F4C4C


class SoleLock:
    """Held by one process for as long as it runs (one poller per bot token): on PostgreSQL a session
    advisory lock on a connection of its own, keyed by the schema and `name` (advisory locks belong to
    the database, so two deployments in two schemas do not exclude each other); on SQLite an exclusive
    `flock` on a file beside the database. Both end with the process, so a killed holder frees it."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._conn: Connection | None = None
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as probe:
                schema = str(probe.execute(text("SELECT current_schema()")).scalar_one())
            digest = hashlib.blake2b(f"{schema}\x00{self.name}".encode(), digest_size=4).digest()
            self._conn = hold_session_lock(self.engine, "SELECT pg_try_advisory_lock(:space, :key)",
                                           {"space": _POLL_SPACE, "key": int.from_bytes(digest, "big", signed=True)})
            return self._conn is not None
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # a database in memory belongs to this process alone
        digest_hex = hashlib.blake2b(self.name.encode(), digest_size=6).hexdigest()
        self._fd = hold_file_lock(f"{database}.{digest_hex}.lock")
        return self._fd is not None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        drop_session_lock(conn)
        fd, self._fd = self._fd, None
        drop_file_lock(fd)
