"""`hsdt tenant new/list`, and the `--tenant` every command that acts for one Sở takes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import tenants as tt

    tenant = sub.add_parser("tenant", help=tt.HELP_TENANT)
    tenant_sub = tenant.add_subparsers(dest="tenant_command", required=True)
    new = tenant_sub.add_parser("new", help=tt.HELP_TENANT_NEW)
    new.add_argument("code", help=tt.HELP_TENANT_CODE)
    new.add_argument("--name", required=True, help=tt.HELP_TENANT_NAME)
    new.add_argument("--province", default="", help=tt.HELP_TENANT_PROVINCE)
    new.add_argument("--bo", action="store_true", dest="ministry", help=tt.HELP_TENANT_MINISTRY)
    tenant_sub.add_parser("list", help=tt.HELP_TENANT_LIST)
    tenant.set_defaults(handler=cmd_tenant)


def cmd_tenant(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.services.tenants import TenantError, all_tenants, create_tenant
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.models import TenantKind
    from hsdt.texts import tenants as tt

    engine = make_engine(settings.migration_url)
    upgrade(engine)
    try:
        if args.tenant_command == "new":
            kind = TenantKind.MINISTRY if args.ministry else TenantKind.DEPARTMENT
            try:
                created = create_tenant(engine, args.code, args.name, args.province, kind)
            except TenantError as error:
                print(explain(error), file=sys.stderr)
                return 2
            print(tt.TENANT_CREATED.format(name=created.name, code=created.code))
            return 0
        print(tt.TENANT_LIST_HEADER)
        for found in all_tenants(engine):
            kind_text = tt.KIND_MINISTRY if found.kind is TenantKind.MINISTRY else tt.KIND_DEPARTMENT
            print(tt.TENANT_LINE.format(code=found.code, name=found.name, province=found.province, kind=kind_text))
        return 0
    finally:
        engine.dispose()


def explain(error: Exception) -> str:
    """A TenantError in the operator's words."""
    from hsdt.services.tenants import TenantError
    from hsdt.texts import tenants as tt

    if not isinstance(error, TenantError):
        return str(error)
    known = ", ".join(error.known) or "—"
    return {
        "bad_code": tt.TENANT_BAD_CODE.format(code=error.code),
        "exists": tt.TENANT_EXISTS.format(code=error.code),
        "unknown": tt.TENANT_UNKNOWN.format(code=error.code, known=known),
        "ambiguous": tt.TENANT_NEEDED.format(known=known),
    }[error.reason]


def take_tenant_option(argv: list[str]) -> tuple[list[str], str | None]:
    """`--tenant CODE` (or `--tenant=CODE`) wherever it stands, taken out of the arguments."""
    rest: list[str] = []
    code: str | None = None
    items = iter(argv)
    for item in items:
        if item == "--tenant":
            code = next(items, "")
        elif item.startswith("--tenant="):
            code = item.split("=", 1)[1]
        else:
            rest.append(item)
    return rest, code


def resolve(settings: Settings, code: str | None) -> int:
    """The tenant a command acts for: the one named, else the only Sở there is. Raises TenantError."""
    from sqlalchemy import inspect, make_url

    from hsdt.services.tenants import find_tenant, sole_tenant
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.tenancy import DEFAULT_TENANT

    url = make_url(settings.migration_url)
    if code is None and url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return DEFAULT_TENANT  # no database yet: the command makes it, with its one Sở (and may fail first)
    engine = make_engine(settings.migration_url)
    try:
        if code is None:
            with engine.connect() as conn:
                if not inspect(conn).has_table("tenant"):
                    return DEFAULT_TENANT  # not migrated yet: one Sở, the first
        else:
            upgrade(engine)  # named on a database not yet migrated: its tenants are there after
        return (find_tenant(engine, code) if code else sole_tenant(engine)).id
    finally:
        engine.dispose()
