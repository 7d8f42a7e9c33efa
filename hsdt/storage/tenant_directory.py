"""The tenants as the process's own services need them (reminders, metrics): every Sở, read from the
one table every tenant may read. The operator's use cases are `hsdt.services.tenants`."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hsdt.storage.models import Tenant, TenantKind


def department_ids(engine: Engine) -> list[int]:
    """The Sở (the Ministry's tenant runs no campaign of its own), oldest first."""
    with Session(engine) as session:
        found = session.exec(select(Tenant.id).where(Tenant.kind == TenantKind.DEPARTMENT)
                             .order_by(col(Tenant.id))).all()
    return [int(tenant_id) for tenant_id in found if tenant_id is not None]
