"""The bot process on either database, for the end-to-end tests of reply delivery."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.unit_of_work import UnitOfWork
from tests.bot.test_telegram_e2e import BotProcess, running
from tests.conftest import POSTGRES_URL, postgres_schema_engine, seed

M = TypeVar("M", bound=SQLModel)


@dataclass
class Database:
    url: str
    engine: Engine
    codes: dict[str, str]

    def rows(self, model: type[M]) -> list[M]:
        with UnitOfWork(self.engine) as uow:
            return list(uow.session.exec(select(model)).all())


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
    else:
        schema = f"hsdt_e2e_{uuid.uuid4().hex[:10]}"
        engine = postgres_schema_engine(schema)
        url = engine.url.render_as_string(hide_password=False)
    codes = seed(engine, datetime.now(UTC))
    yield Database(url, engine, codes)
    engine.dispose()
    if schema is not None:
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.asynccontextmanager
async def run_bot(process: BotProcess, database: Database, **env: str) -> AsyncIterator[BotProcess]:
    process.env.update({"DATABASE_URL": database.url, **env})
    async with running(process):
        yield process
