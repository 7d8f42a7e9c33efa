"""`hsdt db upgrade`: the database migrated to this code's head; `hsdt db grant-app ROLE`: the role the
workers connect as given the data rights (PostgreSQL), so the row-level security binds it."""

from __future__ import annotations

import argparse
import os
import sys

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import cli as tc

    db = sub.add_parser("db", help=tc.HELP_DB)
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=tc.HELP_DB_UPGRADE)
    grant = db_sub.add_parser("grant-app", help=tc.HELP_DB_GRANT)
    grant.add_argument("role", help=tc.HELP_DB_GRANT_ROLE)
    db.set_defaults(handler=cmd_db)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.storage.db import current_revision, make_engine, upgrade
    from hsdt.texts import cli as tc

    engine = make_engine(settings.migration_url)
    try:
        upgrade(engine)
        if args.db_command == "upgrade":
            print(tc.DB_AT_REVISION.format(revision=current_revision(engine)))
            return 0
        if engine.dialect.name != "postgresql":
            print(tc.DB_GRANT_SQLITE, file=sys.stderr)
            return 2
        from hsdt.storage.roles import grant_app_role

        try:
            # A new role's password, if it needs one, comes from the environment, never the command line.
            grant_app_role(engine, args.role, create_with_password=os.environ.get("HSDT_APP_ROLE_PASSWORD"))
        except ValueError:
            print(tc.DB_GRANT_BAD_ROLE.format(role=args.role), file=sys.stderr)
            return 2
        print(tc.DB_GRANTED.format(role=args.role))
        return 0
    finally:
        engine.dispose()
