"""zalo_oa: OAuth tokens per Official Account, each OA user's last interaction, messages per OA and month

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-03 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0021'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'zalo_oa_token',
        sa.Column('oa_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column('refresh_token', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column('access_expires_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('refresh_expires_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('state_detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('state_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('oa_id'),
    )
    op.create_table(
        'zalo_oa_user',
        sa.Column('oa_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('last_interaction_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('free_sent', sa.Integer(), nullable=False),
        sa.Column('following', sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint('oa_id', 'user_id'),
    )
    op.create_table(
        'zalo_oa_usage',
        sa.Column('oa_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('free', sa.Integer(), nullable=False),
        sa.Column('quota', sa.Integer(), nullable=False),
        sa.Column('transaction', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('oa_id', 'month'),
    )


def downgrade() -> None:
    op.drop_table('zalo_oa_usage')
    op.drop_table('zalo_oa_user')
    op.drop_table('zalo_oa_token')
