"""zalo_oa_inbox: OA webhook events recorded before the webhook answers, applied once (by the next worker
if the one that received them died)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-03 20:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'zalo_oa_inbox',
        sa.Column('oa_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('event', sa.JSON(), nullable=False),
        sa.Column('received_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('claimed_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('applied_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('oa_id', 'event_id'),
    )
    op.create_index('ix_zalo_oa_inbox_unapplied', 'zalo_oa_inbox', ['oa_id', 'applied_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_zalo_oa_inbox_unapplied', table_name='zalo_oa_inbox')
    op.drop_table('zalo_oa_inbox')
