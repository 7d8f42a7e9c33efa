"""The Sở as the process's own services and the national view read them (reminders, metrics, the
Ministry's report): from the one table every tenant may read, names only. The operator's use cases
are `hsdt.services.tenants`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hsdt.storage.models import Tenant, TenantKind


@dataclass(frozen=True)
class Department:
    """A Sở (a DEPARTMENT tenant), as named in the `tenant` table."""

    id: int
    name: str
    province: str


def departments(engine: Engine) -> list[Department]:
    """Every Sở, in the order they were created; the Ministry's tenant runs no campaign and is none of them."""
    with Session(engine) as session:
        rows = session.exec(select(Tenant).where(Tenant.kind == TenantKind.DEPARTMENT).order_by(col(Tenant.id)))
        return [Department(row.id or 0, row.name, row.province) for row in rows]


def department_ids(engine: Engine) -> list[int]:
    return [department.id for department in departments(engine)]
