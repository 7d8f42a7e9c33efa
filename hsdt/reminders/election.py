"""Electing the one process that schedules and sends, when several bot workers run.

PostgreSQL: a session advisory lock held on a dedicated connection (it dies with the connection, so a
crashed leader frees it at once). Advisory locks belong to the database, not to a schema, so the key is
derived from the schema the application's tables live in: two deployments (or test runs) sharing one
database in schemas of their own each elect their own leader. SQLite: an exclusive `flock` on a file
next to the database (freed by the kernel when the process dies).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from hsdt.storage.locks import drop_file_lock, drop_session_lock, hold_file_lock, hold_session_lock

log = logging.getLogger(__name__)

# "HSDT" and the feature number: one lock for the scheduler/sender of this application (schema "public").
ADVISORY_KEY = 0x48534454_0005


def advisory_key(schema: str) -> int:
    """The leader key of the application whose tables are in `schema`: "HSDT" in the high half, so it
    stays positive and apart from the chat locks' two-key form; "public" keeps the historical key, so a
    rolling upgrade never has two leaders."""
    if schema == "public":
        return ADVISORY_KEY
    low = int.from_bytes(hashlib.blake2b(schema.encode(), digest_size=4).digest(), "big")
    return (ADVISORY_KEY >> 32 << 32) | low


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class PostgresLeaderLock:
    def __init__(self, engine: Engine, key: int | None = None) -> None:
        """`key` None: the key of the schema the engine's connections work in (`advisory_key`)."""
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        if self.key is None:
            with self.engine.connect() as probe:
                self.key = advisory_key(str(probe.execute(text("SELECT current_schema()")).scalar_one()))
        self._conn = hold_session_lock(self.engine, "SELECT pg_try_advisory_lock(:key)", {"key": self.key})
        return self._conn is not None

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = self._conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key"),
                {"key": self.key},
            ).scalar()
            self._conn.commit()
            return bool(held)
        except Exception:
            log.warning("leader connection lost; leadership given up")
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._conn.commit()
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        drop_session_lock(conn)


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = hold_file_lock(str(self.path), 0o644)
        if fd is None:
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        drop_file_lock(fd)


def leader_lock_for(engine: Engine) -> LeaderLock:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLeaderLock(engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileLeaderLock(Path(f"{url.database}.leader.lock"))
    raise ValueError(f"no leader lock for {url.get_backend_name()} databases")
