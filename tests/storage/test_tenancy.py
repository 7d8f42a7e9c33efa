"""Tenants: every Sở's rows carry it, every query of a unit of work is held to it, and on PostgreSQL the
row-level security policies hold a raw query to it too (the tests connect as a role that does not own
the tables, as the workers do)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, StatementError

from hsdt.services.tenants import TenantError, create_tenant, find_tenant, sole_tenant
from hsdt.storage.models import Unit
from hsdt.storage.roles import check_role
from hsdt.storage.tenancy import DEFAULT_TENANT, NoTenant, TenantOwned, tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import empty_postgres, seed

NOW = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)
TENANT_TABLES = sorted(str(cls.__tablename__) for cls in TenantOwned.__subclasses__())


def _two_sos(engine: Engine) -> tuple[int, dict[str, str], dict[str, str]]:
    """The demo roster in the first tenant and again, same codes, in a second one."""
    first = seed(engine, NOW)
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội")
    with tenant_scope(hanoi.id):
        second = seed(engine, NOW)
    return hanoi.id, first, second


def test_each_tenant_finds_only_its_own_rows_by_code_id_and_invite(engine: Engine) -> None:
    hanoi, first, second = _two_sos(engine)
    with UnitOfWork(engine, DEFAULT_TENANT) as uow:
        mine = uow.units.by_code("MN-HOASEN")
        own_campaign = uow.campaigns.active()
        assert mine is not None and own_campaign is not None
        principal = uow.users.by_code("HT-HOASEN")
        assert principal is not None
    with UnitOfWork(engine, hanoi) as uow:
        theirs = uow.units.by_code("MN-HOASEN")
        assert theirs is not None and theirs.id != mine.id and theirs.tenant_id == hanoi
        # The first Sở's ids and invite codes are not found here, as if they did not exist.
        assert uow.units.get(mine.id or 0) is None
        assert uow.users.get(principal.id or 0) is None
        assert uow.campaigns.get(own_campaign.id or 0) is None
        assert uow.invites.get(first["HT-HOASEN"]) is None
        assert uow.invites.get(second["HT-HOASEN"]) is not None
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.id != own_campaign.id
        assert uow.units.member_ids(own_campaign.id or 0) == set()
        assert {u.tenant_id for u in uow.units.of_kind("school")} == {hanoi}


def test_rows_are_stamped_with_the_unit_of_works_tenant_and_refused_outside_one(engine: Engine) -> None:
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with UnitOfWork(engine, hanoi) as uow:
        unit = uow.units.add(Unit(code="SO", name="Sở Giáo dục và Đào tạo Hà Nội", kind="so"))
        assert unit.tenant_id == hanoi
    # A tenant table written outside any unit of work is refused before it reaches the database.
    with pytest.raises(StatementError, match="outside a unit of work") as refused, engine.begin() as conn:
        conn.execute(insert(Unit).values(code="X", name="X", kind="so", uses_erecords=True))
    assert isinstance(refused.value.orig, NoTenant)


def test_tenants_are_created_found_and_a_command_never_guesses_among_several(engine: Engine) -> None:
    assert sole_tenant(engine).id == DEFAULT_TENANT
    create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội")
    assert find_tenant(engine, "hanoi").province == "Hà Nội"
    with pytest.raises(TenantError) as unknown:
        find_tenant(engine, "hue")
    assert unknown.value.known == ("default", "hanoi")
    with pytest.raises(TenantError) as ambiguous:
        sole_tenant(engine)
    assert ambiguous.value.reason == "ambiguous"
    for bad in ("Ha Noi", "", "x"):
        with pytest.raises(TenantError):
            create_tenant(engine, bad, "Sở", "")
    with pytest.raises(TenantError):
        create_tenant(engine, "hanoi", "again", "")


# --- PostgreSQL: row-level security --------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_engine: Engine, postgres_owner: Engine) -> Iterator[Engine]:
    yield postgres_engine
    empty_postgres(postgres_owner)


def _counts(engine: Engine, tenant: int | None, where: str = "") -> dict[str, int]:
    """Rows of every tenant table a raw query sees in `tenant`'s transaction (None: no unit of work)."""
    sql = {t: text(f"SELECT count(*) FROM {t} {where}") for t in TENANT_TABLES}
    if tenant is None:
        with engine.connect() as conn:
            return {t: int(conn.execute(q).scalar() or 0) for t, q in sql.items()}
    with UnitOfWork(engine, tenant) as uow:
        return {t: int(uow.session.execute(q).scalar() or 0) for t, q in sql.items()}


def test_the_workers_role_is_bound_by_the_policies(postgres_engine: Engine, postgres_owner: Engine) -> None:
    app, owner = check_role(postgres_engine), check_role(postgres_owner)
    assert app is not None and app.bound_by_policies
    assert owner is not None and not owner.bound_by_policies


def test_a_raw_query_in_one_tenants_transaction_sees_no_row_of_another(pg: Engine, postgres_owner: Engine) -> None:
    engine = pg
    hanoi, _, _ = _two_sos(engine)
    with postgres_owner.connect() as conn:
        everything = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in TENANT_TABLES}
    assert everything["unit"] > 0 and everything["app_user"] > 0
    # In Hà Nội's transaction, the statement asking for the other Sở's rows by name gets none...
    assert set(_counts(engine, hanoi, f"WHERE tenant_id <> {hanoi}").values()) == {0}
    # ...and its own are half of each seeded table.
    seen = _counts(engine, hanoi)
    assert seen["unit"] * 2 == everything["unit"] and seen["invite_code"] * 2 == everything["invite_code"]
    # A connection that named no tenant sees nothing at all (fails closed).
    assert set(_counts(engine, None).values()) == {0}


@pytest.mark.parametrize("statement", [
    "INSERT INTO unit (tenant_id, code, name, kind, uses_erecords) VALUES (:other, 'X', 'X', 'so', true)",
    "UPDATE unit SET tenant_id = :other",
])
def test_a_row_cannot_be_written_into_another_tenant(pg: Engine, statement: str) -> None:
    hanoi, _, _ = _two_sos(pg)
    with pytest.raises(DBAPIError, match="row-level security"), UnitOfWork(pg, DEFAULT_TENANT) as uow:
        uow.session.execute(text(statement), {"other": hanoi})


def test_every_tenant_table_has_its_policy(postgres_owner: Engine) -> None:
    with postgres_owner.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, p.polname FROM pg_class c "
            "LEFT JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'")).all()
        tables = set(inspect(conn).get_table_names())
    protected = {name for name, enabled, policy in rows if enabled and policy == "tenant_isolation"}
    assert protected == set(TENANT_TABLES)
    # What stays outside: the tenants themselves and their channels (read to route an update before any
    # tenant is in scope), the rubric texts, the workers' own bookkeeping.
    assert tables - protected == {"tenant", "tenant_channel", "rubric_version", "worker_lease", "send_budget",
                                  "apscheduler_jobs", "alembic_version"}
