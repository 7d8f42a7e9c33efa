"""Alembic environment: the engine is handed in by `hsdt.storage.db.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hsdt.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from hsdt.storage.db import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url", ""))

with engine.connect() as connection:
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild tables others point at; SQLite checks foreign keys on the DROP of the old
        # copy, so they are off while migrating (the pragma is ignored inside a transaction: set it before)
        # and checked once at the end.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    connection.commit()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
