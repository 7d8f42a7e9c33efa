"""Fixtures for reminder tests: the demo roster plus a second principal, everyone enrolled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver, Clock

TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def people(engine: Engine, clock: Clock, dispatcher: Dispatcher, codes: dict[str, str]) -> dict[str, ChatDriver]:
    """Every demo user and HT-SAOMAI (principal of MN-SAOMAI), enrolled on channel "test"."""
    with UnitOfWork(engine) as uow:
        result = apply_roster(
            uow, [UnitRow("MN-SAOMAI", "Trường Mầm non Sao Mai", "school", "PGD-HB")],
            [UserRow("HT-SAOMAI", "Đỗ Thị Mai", "principal", "MN-SAOMAI")],
            invite_ttl=timedelta(days=30), now=clock(),
        )
    all_codes = dict(codes)
    all_codes.update({user.code: code for user, code, _ in result.invites})
    drivers = {}
    for number, user_code in enumerate(sorted(all_codes), start=1):
        driver = ChatDriver(dispatcher, f"u{number}")
        driver.enrol(all_codes[user_code])
        drivers[user_code] = driver
    return drivers


def user_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(code)
        assert user is not None and user.id is not None
        return user.id
