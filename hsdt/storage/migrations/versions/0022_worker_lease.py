"""worker_lease: one row per live worker, renewed while it runs; processed_event.owner: the worker
that sends a turn's replies (another takes them only once that worker's lease is gone)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 19:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'worker_lease',
        sa.Column('worker_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('started_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('worker_id'),
    )
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_column('owner')
    op.drop_table('worker_lease')
