"""Tenants as the operator manages them: a Sở (or the Ministry) is created, listed, and found by code.

The `tenant` table is the one table every tenant reads (a channel or a web route is routed to its
tenant by it, before any tenant is in scope), so it holds names only, nothing a Sở owns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hsdt.storage.models import Tenant, TenantKind
from hsdt.storage.tenancy import DEFAULT_TENANT

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class TenantError(ValueError):
    """A tenant that cannot be created or found; the message names what is wrong (English: the CLI
    words it for the operator from `reason`)."""

    def __init__(self, reason: str, code: str, known: Sequence[str] = ()) -> None:
        super().__init__(f"{reason}: {code}")
        self.reason = reason
        self.code = code
        self.known = tuple(known)


@dataclass(frozen=True)
class TenantInfo:
    id: int
    code: str
    name: str
    province: str
    kind: TenantKind


def _info(row: Tenant) -> TenantInfo:
    assert row.id is not None
    return TenantInfo(row.id, row.code, row.name, row.province, TenantKind(row.kind))


def all_tenants(engine: Engine) -> list[TenantInfo]:
    with Session(engine) as session:
        return [_info(row) for row in session.exec(select(Tenant).order_by(col(Tenant.id))).all()]


def create_tenant(engine: Engine, code: str, name: str, province: str,
                  kind: TenantKind = TenantKind.DEPARTMENT) -> TenantInfo:
    if not CODE.match(code):
        raise TenantError("bad_code", code)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if session.exec(select(Tenant).where(Tenant.code == code)).first() is not None:
            raise TenantError("exists", code)
        row = Tenant(code=code, name=name.strip(), province=province.strip(), kind=kind)
        session.add(row)
        session.flush()
        return _info(row)


def find_tenant(engine: Engine, code: str) -> TenantInfo:
    """The tenant with `code`; TenantError("unknown") naming the codes there are otherwise."""
    tenants = all_tenants(engine)
    for tenant in tenants:
        if tenant.code == code:
            return tenant
    raise TenantError("unknown", code, [t.code for t in tenants])


def tenant_by_id(engine: Engine, tenant_id: int) -> TenantInfo | None:
    with Session(engine) as session:
        row = session.get(Tenant, tenant_id)
        return _info(row) if row is not None else None


def sole_tenant(engine: Engine) -> TenantInfo:
    """The tenant of a command given none: the only Sở there is. With several, TenantError("ambiguous")
    names them: which Sở a command acts for is never guessed."""
    departments = [t for t in all_tenants(engine) if t.kind is TenantKind.DEPARTMENT]
    if len(departments) == 1:
        return departments[0]
    if not departments:
        found = tenant_by_id(engine, DEFAULT_TENANT)
        if found is not None:
            return found
    raise TenantError("ambiguous", "", [t.code for t in departments])
