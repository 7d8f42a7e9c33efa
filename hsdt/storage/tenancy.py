"""Tenants: every province's Department (Sở) is one, and every row it owns carries its id.

A unit of work belongs to one tenant. Its session
- stamps the tenant on every row it inserts (the `tenant_id` column's default reads it from the
  connection's execution options, so ORM and Core inserts alike carry it);
- adds `tenant_id = <tenant>` to every ORM query (`with_loader_criteria` on `TenantOwned`); the few
  Core statements on tenant tables name the tenant themselves;
- on PostgreSQL sets `hsdt.tenant` for its transaction, which the row-level security policies read:
  a query that forgot its tenant still sees only that tenant's rows, and without the setting none.

Which tenant: the one the unit of work is given, else the one in scope (`tenant_scope`, set where an
event enters: a channel bound to its Sở, a web route, `--tenant` on the CLI), else the first tenant,
which is the only one of a one-Sở deployment (SQLite, or an upgraded database).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Integer, column
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

# The first tenant: the Sở of a one-Sở deployment, and the one an upgraded database's rows belong to.
DEFAULT_TENANT = 1
# The PostgreSQL setting the row-level security policies read (set per transaction).
SETTING = "hsdt.tenant"
# The execution option on a unit of work's connection that names its tenant (read by the column default).
OPTION = "hsdt_tenant"

_scoped: ContextVar[int | None] = ContextVar("hsdt_tenant", default=None)


class NoTenant(RuntimeError):
    """A row of a tenant table was written outside any tenant's unit of work."""


def current_tenant() -> int:
    """The tenant in scope, else the first one."""
    scoped = _scoped.get()
    return DEFAULT_TENANT if scoped is None else scoped


def scoped_tenant() -> int | None:
    """The tenant set by `tenant_scope`, None outside one."""
    return _scoped.get()


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Units of work opened inside (also in tasks and threads started with this context) belong to
    `tenant_id` unless given another."""
    token = _scoped.set(tenant_id)
    try:
        yield
    finally:
        _scoped.reset(token)


def tenant_of_statement(context: Any) -> int:
    tenant = context.execution_options.get(OPTION)
    if tenant is None:
        raise NoTenant("a tenant table was written outside a unit of work (no tenant on the connection)")
    return int(tenant)


class TenantOwned(SQLModel):
    """The base of a table whose rows belong to one tenant (see the module's doc)."""

    tenant_id: int = Field(default=None, foreign_key="tenant.id", nullable=False, sa_type=Integer,
                                  sa_column_kwargs={"default": tenant_of_statement})



def prepare_criteria() -> None:
    """Called once every table is declared (`hsdt.storage.models`): `with_loader_criteria(TenantOwned, ...)`
    first calls its lambda with this base itself, to analyse it, so the base gets a stand-in column
    (the tables' own replaces it in each query). Not before: the tables would take it for a default."""
    type.__setattr__(TenantOwned, "tenant_id", column("tenant_id", Integer))


def scope_connection(connection: Connection, tenant: int | None = None, *,
                     then_lock: tuple[int, int] | None = None) -> Connection:
    """A connection outside a unit of work (a claim held across a send) put in `tenant`'s scope the way a
    unit of work's is: its inserts carry the tenant, and PostgreSQL's policies show it only its rows.
    Call it inside the transaction (the setting ends with it). `then_lock`: a transaction-scoped
    advisory lock (its two keys) taken by the same statement (`hsdt.storage.locks.lock_chat`)."""
    chosen = current_tenant() if tenant is None else tenant
    connection.execution_options(**{OPTION: chosen})
    if connection.dialect.name == "postgresql":
        # The driver's own statement: SQLAlchemy's construction and caching would cost more than the call,
        # made at the start of every transaction.
        if then_lock is None:
            connection.exec_driver_sql(_SET_TENANT, (str(chosen),))
        else:
            connection.exec_driver_sql(_SET_TENANT_AND_LOCK, (str(chosen), *then_lock))
    return connection


_SET_TENANT = f"SELECT set_config('{SETTING}', %s, true)"
_SET_TENANT_AND_LOCK = f"SELECT set_config('{SETTING}', %s, true), pg_advisory_xact_lock(%s, %s)"
