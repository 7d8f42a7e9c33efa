"""Which worker processes are alive, so a starting worker re-sends only the turns of dead ones.

Each `hsdt run` process holds a lease row (`worker_lease`) that it renews every few seconds and
deletes when it stops cleanly. Each committed turn names the worker that committed it
(`processed_event.owner`, taken from `OWNER` in the event's transaction). A turn whose replies are
unsent belongs to its worker while that worker's lease is live; once the lease expired (the process
died) or was deleted (it stopped, and what it could not send in its drain time is left behind), any
worker may take the turn, and one does: taking it is one `SELECT … FOR UPDATE SKIP LOCKED` and an
update of its owner in the same transaction, so two workers never take the same turn.

Expiry is read on the database's clock (PostgreSQL), so the workers' clocks never matter. On SQLite
there is one process, which takes every unsent turn at its start.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from hsdt.storage.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)

# The worker committing events in this context (set once by the runner, inherited by every task and
# by the database threads the dispatcher hands its transactions to); None: a process outside the
# fleet (the terminal chat, a test), whose turns any worker may send.
OWNER: contextvars.ContextVar[str | None] = contextvars.ContextVar("hsdt_worker", default=None)


class WorkerLease(SQLModel, table=True):
    """One live worker process: alive while `expires_at` (database clock) is ahead."""

    __tablename__ = "worker_lease"
    worker_id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


LEASES = SQLModel.metadata.tables[WorkerLease.__tablename__]


def new_worker_id() -> str:
    """Readable in the table (host and pid) and unique across restarts (a pid is reused)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def db_now(conn: Connection) -> ColumnElement[datetime]:
    """Now, on the database's clock where there is one to share (PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        return func.clock_timestamp()
    return bindparam("now_py", utcnow(), type_=UTCDateTime)


def live(conn: Connection, owner: ColumnElement[str | None]) -> ColumnElement[bool]:
    """`owner` holds a lease that has not expired."""
    return (select(literal(1)).select_from(LEASES)
            .where(LEASES.c.worker_id == owner, LEASES.c.expires_at > db_now(conn)).exists())


class Lease:
    """This process's lease: `renew()` every `ttl_s / 3` keeps it alive, `release()` ends it."""

    def __init__(self, engine: Engine, worker_id: str | None = None, ttl_s: float = 15.0) -> None:
        self.engine = engine
        self.worker_id = worker_id or new_worker_id()
        self.ttl_s = ttl_s
        self._fresh_until: float | None = None  # this process's monotonic clock

    @property
    def renew_every_s(self) -> float:
        return self.ttl_s / 3

    def fresh(self) -> bool:
        """Whether the lease surely holds for a while yet, by this process's own clock: until a third of its
        time before it could expire, counted from when the last renewal that succeeded began (the
        database's expiry is later). A worker whose renewals fail (the database out of its reach) stops
        sending before another worker may take its turns."""
        return self._fresh_until is not None and time.monotonic() < self._fresh_until

    def renew(self) -> None:
        began = time.monotonic()
        self._renew()
        self._fresh_until = began + self.ttl_s - self.renew_every_s

    def _renew(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                expires: ColumnElement[datetime] = func.clock_timestamp() + func.make_interval(
                    0, 0, 0, 0, 0, 0, bindparam("ttl", self.ttl_s))
                stmt = pg_insert(LEASES).values(worker_id=self.worker_id, started_at=func.clock_timestamp(),
                                                expires_at=expires)
                conn.execute(stmt.on_conflict_do_update(index_elements=[LEASES.c.worker_id],
                                                        set_={"expires_at": expires}))
            else:
                until = utcnow() + timedelta(seconds=self.ttl_s)
                lite = sqlite_insert(LEASES).values(worker_id=self.worker_id, started_at=utcnow(), expires_at=until)
                conn.execute(lite.on_conflict_do_update(index_elements=[LEASES.c.worker_id],
                                                        set_={"expires_at": until}))
            # Leases of workers dead for a day: nobody reads them any more.
            conn.execute(delete(LEASES).where(
                LEASES.c.expires_at < utcnow() - timedelta(days=1)))

    def release(self) -> None:
        """A clean stop: what this worker leaves unsent is anyone's to send, at once."""
        self._fresh_until = None
        with self.engine.begin() as conn:
            conn.execute(delete(LEASES).where(LEASES.c.worker_id == self.worker_id))

    def live_workers(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(LEASES.c.worker_id).where(LEASES.c.expires_at > db_now(conn)))
            return [row[0] for row in rows]
