"""`hsdt db upgrade`: the database migrated to this code's head."""

from __future__ import annotations

import argparse

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from hsdt.texts import cli as tc

    db = sub.add_parser("db", help=tc.HELP_DB)
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=tc.HELP_DB_UPGRADE)
    db.set_defaults(handler=cmd_db)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.storage.db import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    from hsdt.texts import cli as tc

    print(tc.DB_AT_REVISION.format(revision=current_revision(engine)))
    return 0
