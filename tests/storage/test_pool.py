"""PostgreSQL connections in the pool: a connection the server cut while it sat idle is replaced
before an event uses it (instead of a ping on every checkout)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from hsdt.storage import db
from tests.conftest import POSTGRES_URL


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_cut_while_idle_is_replaced_before_use(postgres_owner: Engine,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(POSTGRES_URL)
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # used moments ago: the same pooled connection, no ping
        with postgres_owner.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had sat idle
        second = _backend_pid(engine)
        assert second != first
    finally:
        engine.dispose()
