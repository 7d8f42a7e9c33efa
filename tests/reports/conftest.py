"""The report tests' city: Hoa Sen re-scored (B1 lower), Sao Mai cross-inspected, Hoa Mai submitted,
Tuổi Thơ nothing (the same as the role tests')."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from tests.inspection.fixtures import add_people, rescore, submit_self


@pytest.fixture
def city(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> dict[str, str]:
    people = {**codes, **add_people(engine, dispatcher.clock())}
    submit_self(engine, "MN-HOASEN")
    submit_self(engine, "MN-SAOMAI", {"C2": {"option": "full"}})
    submit_self(engine, "MN-HOAMAI", {"D1": {"percent": 50}})
    rescore(engine, "MN-HOASEN", "district", "CB-HB-01", {"B1": 4.0})
    rescore(engine, "MN-SAOMAI", "cross", "CB-TN-01", {"A1": 2.0})
    return people
