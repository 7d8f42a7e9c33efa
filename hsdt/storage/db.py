"""Engine creation and schema migration. SQLite by default, PostgreSQL through the URL."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Execution option marking an engine whose transactions only read (see `read_only`).
READ_ONLY = "hsdt_read_only"


# A pooled PostgreSQL connection idle longer than this is tested before use (see `_ping_when_idle`).
PING_AFTER_IDLE_S = 10.0


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, echo=echo)
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=10)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle: `pool_pre_ping` costs a round trip
    on every event, while a connection checked in moments ago is alive. One idle for a while may
    have been cut (server restart, a firewall's timeout); it is replaced before the event uses it."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as error:
            # The pool discards this connection and checks out a fresh one.
            raise DisconnectionError(f"pooled connection failed its ping: {error}") from error


def _make_sqlite_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        _private_file(Path(parsed.database))
    # The pool hands out the connection returned last: SQLite keeps its page cache per connection and drops
    # it when another connection wrote since, so taking turns between pooled connections read the pages
    # of every transaction again (about 4% of the bot's CPU per answer in bench_e2e, measured).
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below); pysqlite's implicit transactions defer the
        # write lock, and a deferred reader that later writes fails at once with SQLITE_BUSY.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # One writer at a time, decided at BEGIN, so concurrent events queue instead of failing.
        # A reader takes no lock at all: in WAL mode it sees a snapshot and never waits for the writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def _private_file(path: Path) -> None:
    """The database holds every school's answers: only the bot's own user may read it. SQLite gives
    its -wal and -shm files the database file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def read_only(engine: Engine) -> Engine:
    """The same engine for transactions that only read (reports): on SQLite a deferred BEGIN, so the
    read never queues behind (or holds up) the one writer; on PostgreSQL a READ ONLY transaction."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return engine.execution_options(**options)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str:
    """The newest revision the code knows (what `upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "the migration history has no single head"
    return head


def current_revision(engine: Engine) -> str | None:
    """The applied revision (comma-separated if a branch ever leaves several heads)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None
