"""Zalo's message windows, and the interactions and counts they are computed from (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.channels.zalo_oa.windows import Route, WindowPolicy, next_transaction_time, route_for, transaction_open
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.storage.zalo_oa_models import MessageCharge

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)
OA, USER = "4318212003209823791", "8123456789012345678"


def test_routes_follow_the_windows() -> None:
    unlimited = WindowPolicy(HANOI)
    eight = WindowPolicy(HANOI, free_per_interaction=8)
    assert route_for(None, 0, T0, unlimited) is Route.TRANSACTION  # never interacted
    assert route_for(T0, 50, T0 + timedelta(hours=48), unlimited) is Route.FREE
    assert route_for(T0, 7, T0 + timedelta(hours=1), eight) is Route.FREE
    assert route_for(T0, 8, T0 + timedelta(hours=1), eight) is Route.QUOTA
    assert route_for(T0, 0, T0 + timedelta(hours=48, seconds=1), unlimited) is Route.QUOTA
    assert route_for(T0, 0, T0 + timedelta(days=7), unlimited) is Route.QUOTA
    assert route_for(T0, 0, T0 + timedelta(days=7, seconds=1), unlimited) is Route.TRANSACTION


def test_transaction_messages_wait_for_the_day() -> None:
    policy = WindowPolicy(HANOI)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2024, 12, 10, hour, minute, tzinfo=HANOI)

    assert transaction_open(at(6), policy) and transaction_open(at(21, 59), policy)
    assert not transaction_open(at(22), policy) and not transaction_open(at(5, 59), policy)
    assert next_transaction_time(at(10), policy) == at(10)
    assert next_transaction_time(at(22, 30), policy) == datetime(2024, 12, 11, 6, 0, tzinfo=HANOI)
    assert next_transaction_time(at(3), policy) == at(6)
    utc_night = datetime(2024, 12, 10, 16, 0, tzinfo=UTC)  # 23:00 in Hà Nội
    opening = next_transaction_time(utc_night, policy)
    assert opening.tzinfo is UTC and opening == datetime(2024, 12, 10, 23, 0, tzinfo=UTC)


def test_interactions_only_move_forward_and_restart_the_free_count(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.zalo_oa.record_interaction(OA, USER, T0, following=True)
        uow.zalo_oa.record_sent(OA, USER, MessageCharge.FREE, "2024-12")
        uow.zalo_oa.record_sent(OA, USER, MessageCharge.FREE, "2024-12")
    with UnitOfWork(engine) as uow:
        user = uow.zalo_oa.user(OA, USER)
        assert user is not None and (user.last_interaction_at, user.free_sent, user.following) == (T0, 2, True)
        uow.zalo_oa.record_interaction(OA, USER, T0 - timedelta(hours=1))  # a late, older event
    with UnitOfWork(engine) as uow:
        user = uow.zalo_oa.user(OA, USER)
        assert user is not None and (user.last_interaction_at, user.free_sent) == (T0, 2)
        uow.zalo_oa.record_interaction(OA, USER, T0 + timedelta(hours=3))
        uow.zalo_oa.set_following(OA, USER, False)
    with UnitOfWork(engine) as uow:
        user = uow.zalo_oa.user(OA, USER)
        assert user is not None
        assert (user.last_interaction_at, user.free_sent, user.following) == (T0 + timedelta(hours=3), 0, False)


def test_messages_are_counted_by_cost_and_in_the_channel_total(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        for charge in (MessageCharge.FREE, MessageCharge.QUOTA, MessageCharge.QUOTA, MessageCharge.TRANSACTION):
            uow.zalo_oa.record_sent(OA, USER, charge, "2024-12")
        uow.zalo_oa.record_sent(OA, USER, MessageCharge.QUOTA, "2025-01")
    with UnitOfWork(engine) as uow:
        december = uow.zalo_oa.usage(OA, "2024-12")
        assert december is not None and (december.free, december.quota, december.transaction) == (1, 2, 1)
        assert uow.usage.count("zalo_oa", "2024-12") == 4 and uow.usage.count("zalo_oa", "2025-01") == 1
        user = uow.zalo_oa.user(OA, USER)
        assert user is not None and user.free_sent == 1 and user.last_interaction_at is None
