"""Alembic environment: the engine is handed in by `hsdt.storage.db.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hsdt.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from hsdt.storage.db import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url", ""))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
