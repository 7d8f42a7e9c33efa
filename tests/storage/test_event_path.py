"""The statements every event runs: the chat lock taken with the tenant setting in one round trip, the
sender read without the ORM's loading, and a PostgreSQL plan for it that stays on primary keys when
the tables have no statistics yet (a Sở's roster just imported)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from hsdt.storage import repositories
from hsdt.storage.locks import chat_key, lock_chat
from hsdt.storage.tenancy import tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import seed

NOW = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)
NAMESPACE = 0x48534454


def _bind(engine: Engine, code: str, chat: str) -> None:
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(code)
        assert user is not None and user.id is not None
        uow.identities.bind("telegram", chat, user.id, None)


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_the_chat_lock_and_the_tenant_setting_are_one_statement(postgres_engine: Engine,
                                                                 postgres_owner: Engine) -> None:
    seed(postgres_engine, NOW)
    seen = _statements(postgres_engine)
    with UnitOfWork(postgres_engine) as uow:
        lock_chat(uow.session, "telegram", "42")
        assert len(seen) == 1 and "set_config" in seen[0] and "pg_advisory_xact_lock" in seen[0]
        conn = uow.session.connection()
        assert conn.exec_driver_sql("SELECT current_setting('hsdt.tenant', true)").scalar() == "1"
        # Another session cannot take this chat's lock while the transaction lasts.
        with postgres_owner.connect() as other:
            taken = other.execute(text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
                                  {"space": NAMESPACE, "key": chat_key("telegram", "42")}).scalar()
            assert taken is False
            other.rollback()
    with postgres_owner.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
                             {"space": NAMESPACE, "key": chat_key("telegram", "42")}).scalar() is True


def test_the_chat_lock_inside_a_begun_transaction_is_its_own_statement(postgres_engine: Engine,
                                                                       postgres_owner: Engine) -> None:
    seed(postgres_engine, NOW)
    with UnitOfWork(postgres_engine) as uow:
        assert uow.campaigns.active() is not None  # the transaction has begun
        lock_chat(uow.session, "telegram", "43")
        with postgres_owner.connect() as other:
            assert other.execute(text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
                                 {"space": NAMESPACE, "key": chat_key("telegram", "43")}).scalar() is False
            other.rollback()


def test_the_sender_is_the_models_the_orm_loads(engine: Engine) -> None:
    seed(engine, NOW)
    _bind(engine, "HT-HOASEN", "501")
    with UnitOfWork(engine) as uow:
        found = uow.identities.sender("telegram", "501", "e1")
        assert found is not None and found.campaign is not None and found.in_campaign and not found.marked
        user, unit, campaign = (uow.users.get(found.user.id or 0), uow.units.get(found.unit.id or 0),
                                uow.campaigns.get(found.campaign.id or 0))
        assert user is not None and unit is not None and campaign is not None
        assert found.user.model_dump() == user.model_dump()
        assert found.unit.model_dump() == unit.model_dump()
        assert found.campaign.model_dump() == campaign.model_dump()
        # Not in the session: the session never takes them for rows to write.
        assert found.user not in uow.session and found.campaign not in uow.session
        assert uow.identities.sender("telegram", "no-such-chat") is None


def test_the_sender_of_another_tenant_is_not_found(engine: Engine) -> None:
    from hsdt.services.tenants import create_tenant

    seed(engine, NOW)
    _bind(engine, "HT-HOASEN", "502")
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội")
    with tenant_scope(hanoi.id):
        seed(engine, NOW)
        with UnitOfWork(engine) as uow:
            assert uow.identities.sender("telegram", "502") is None


def test_the_senders_generic_plan_without_statistics_walks_primary_keys(postgres_engine: Engine,
                                                                        postgres_owner: Engine) -> None:
    """psycopg prepares a statement run five times, and PostgreSQL then keeps a generic plan. Before
    autovacuum has analysed a roster just imported, a plan that may choose its own order walked every
    unit of the Sở through the tenant's index on each event (the tables here are just filled: autovacuum
    has not analysed them)."""
    seed(postgres_engine, NOW)
    _bind(postgres_engine, "HT-HOASEN", "503")
    compiled = repositories._SENDER_AND_MARKER.compile(dialect=postgres_engine.dialect)
    values = {"channel": "telegram", "external_id": "503", "tenant_id": 1, "event_id": "x"}
    values.update({key: value.value for key, value in compiled.binds.items() if key not in values})
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:  # psycopg's %(name)s as PREPARE's $n
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    statement = re.sub(r"%\((\w+)\)s", numbered, compiled.string)
    arguments = ", ".join(_literal(values[name]) for name in names)
    with postgres_owner.connect() as conn:
        conn.exec_driver_sql(f"PREPARE sender AS {statement}")
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE sender({arguments})"))
        conn.rollback()
    assert "app_user_pkey" in plan and "unit_pkey" in plan, plan
    assert "uq_unit_code" not in plan and "Seq Scan on unit" not in plan, plan


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def test_a_turn_writes_its_conversation_with_its_marker(engine: Engine, tmp_path: Path) -> None:
    """The conversation's new state and the event's marker: one statement on PostgreSQL once the state has a
    row (the first turn inserts it), two on SQLite; on both the same rows."""
    from hsdt.events import Incoming, Kind
    from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
    from hsdt.handlers.features import build_router
    from hsdt.storage.models import ConversationState

    seed(engine, NOW)
    _bind(engine, "HT-HOASEN", "504")
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path), clock=lambda: NOW, router=build_router())
    seen = _statements(engine)
    try:
        for number in (1, 2):
            replies = dispatcher.handle_sync(Incoming(channel="telegram", user_ref="504", event_id=f"t{number}",
                                                      kind=Kind.COMMAND, text="/tudanhgia"))
            assert replies and "Tiêu chí" in replies[-1].text
    finally:
        dispatcher.close()
    together = [s for s in seen if "UPDATE conversation_state" in s and "INSERT INTO processed_event" in s]
    assert len(together) == (1 if engine.dialect.name == "postgresql" else 0)
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code("HT-HOASEN")
        assert user is not None
        state = uow.session.get(ConversationState, user.id)
        assert state is not None and state.version == 2 and state.flow != "idle"
        assert state.pending_screen is not None and state.pending_turn == 2
        for number in (1, 2):
            assert uow.events.stored("telegram", f"t{number}") is not None
        tenants = uow.session.connection().execute(
            text("SELECT DISTINCT tenant_id FROM processed_event WHERE event_id IN ('t1', 't2')")).scalars().all()
        assert tenants == [1]
