"""Shared fixtures: a migrated database on each backend, and the handlers on top of it."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.scoring import load_rubric_text
from hsdt.services.campaigns import ensure_campaign, install_rubric
from hsdt.services.demo import DEMO_USERS, seed_demo
from hsdt.services.invites import open_invites
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.roles import grant_app_role
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import RUBRIC_2024, Clock
from tests.required_tools import switch_on, unavailable

POSTGRES_URL = os.environ.get("HSDT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = switch_on("HSDT_REQUIRE_POSTGRES")

# Property tests keep their example counts; what goes is hypothesis's per-example deadline (200 ms):
# tests never assert timings, and on a loaded 2-core machine running four test workers an example may
# take longer without anything being wrong. `print_blob` lets a failure found in CI be replayed.
settings.register_profile("hsdt", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hsdt"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Bots are forked from a server that imports them once (tests/bot/launcher.py): started here, its
    imports overlap the first tests, and only where a collected test module uses it."""
    launcher = sys.modules.get("tests.bot.launcher")
    if launcher is not None and session.items and not session.config.option.collectonly:
        launcher.warm()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.needs("chromium")`: skipped where the program is missing, failed if its switch is on."""
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            problem = unavailable(name)
            if problem is None:
                continue
            reason, required = problem
            if required:
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)


# The role the tests' bot code connects as: it owns no table, so PostgreSQL's row-level security binds it
# as it binds the workers in production (the owner, here the server's superuser, migrates).
APP_ROLE = "hsdt_app"


def _postgres_engines(schema: str) -> tuple[Engine, Engine]:
    """A schema of our own in the test database, so concurrent test runs cannot disturb each other:
    (the app role's engine, the owner's)."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (HSDT_REQUIRE_POSTGRES or HSDT_REQUIRE_ALL) but {POSTGRES_URL} "
                        f"failed: {error}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL} ({type(error).__name__}); set HSDT_TEST_POSTGRES_URL")
    finally:
        admin.dispose()
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    owner = make_engine(url.render_as_string(hide_password=False))
    upgrade(owner)
    for attempt in range(5):  # test processes starting at once may race to create the role
        try:
            grant_app_role(owner, APP_ROLE)
            break
        except Exception:
            if attempt == 4:
                raise
    app = make_engine(url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False))
    return app, owner


def postgres_schema_engine(schema: str) -> Engine:
    """A new schema of its own, migrated, and an engine on it as the workers' role (the caller drops the
    schema)."""
    app, owner = _postgres_engines(schema)
    owner.dispose()
    return app


@pytest.fixture(scope="session")
def postgres_pair() -> Iterator[tuple[Engine, Engine]]:
    schema = f"hsdt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    app, owner = _postgres_engines(schema)
    yield app, owner
    app.dispose()
    owner.dispose()
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_pair: tuple[Engine, Engine]) -> Engine:
    """The test schema as the bot's workers see it (a role bound by the row-level security)."""
    return postgres_pair[0]


@pytest.fixture(scope="session")
def postgres_owner(postgres_pair: tuple[Engine, Engine]) -> Engine:
    """The test schema as its owner sees it (migrations, emptying it between tests)."""
    return postgres_pair[1]


def empty_postgres(owner: Engine) -> None:
    """Every table emptied but the first tenant (the migration made it; every test's rows belong to it
    unless told otherwise)."""
    with owner.connect() as conn:
        existing = set(inspect(conn).get_table_names())
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables
                       if t.name in existing and t.name != "tenant")
    with owner.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM tenant WHERE id <> 1"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('tenant', 'id'), 1)"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file brought to the head revision once per test process; each test gets a copy (the
    same file `upgrade` would leave, without running the migrations hundreds of times)."""
    path = tmp_path_factory.mktemp("migrated") / "head.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
    return path


def fresh_sqlite(migrated: Path, path: Path) -> Engine:
    shutil.copyfile(migrated, path)
    wal = migrated.with_name(f"{migrated.name}-wal")
    if wal.exists():  # not expected after dispose(); copied with the file if SQLite left it
        shutil.copyfile(wal, path.with_name(f"{path.name}-wal"))
    return make_engine(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = fresh_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path / "test.sqlite3")
        yield engine
        engine.dispose()
        return
    engine, owner = request.getfixturevalue("postgres_pair")
    yield engine
    empty_postgres(owner)


@pytest.fixture
def sqlite_engine(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Engine]:
    engine = fresh_sqlite(migrated_sqlite, tmp_path / "test.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 12, 10, 2, 0, tzinfo=UTC))


def seed(engine: Engine, now: datetime) -> dict[str, str]:
    """Rubric, campaign and the demo roster; returns invite codes by user code."""
    source = RUBRIC_2024.read_text(encoding="utf-8")
    with UnitOfWork(engine) as uow:
        version = install_rubric(uow, load_rubric_text(source, source="default"), source)
        # The tests run in the 2024-2025 campaign of the notice.
        ensure_campaign(uow, version, tz="Asia/Ho_Chi_Minh", today=date(2024, 12, 10))
        seed_demo(uow, invite_ttl=timedelta(days=30), now=now)
        invites = open_invites(uow, [u.code for u in DEMO_USERS], invite_ttl=timedelta(days=30), now=now)
    return {user.code: code for user, code in invites}


@pytest.fixture
def codes(engine: Engine, clock: Clock) -> dict[str, str]:
    return seed(engine, clock())


@pytest.fixture
def dispatcher(engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str]) -> Dispatcher:
    return Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                      router=build_router())
