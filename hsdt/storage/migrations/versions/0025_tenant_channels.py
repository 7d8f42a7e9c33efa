"""tenant_channel: each Sở's own Telegram bot, Zalo bot and Zalo Official Account (global like `tenant`:
routing reads it before any tenant is in scope, so no row-level security)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 23:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tenant_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('token', sa.Text(), nullable=True),
        sa.Column('webhook_secret', sa.Text(), nullable=True),
        sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column('app_secret', sa.Text(), nullable=True),
        sa.Column('oa_secret_key', sa.Text(), nullable=True),
        sa.Column('redirect_uri', sa.Text(), nullable=True),
        sa.Column('created_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name='fk_tenant_channel_tenant_id_tenant'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'account', name='uq_tenant_channel_kind_account'),
    )
    op.create_index('ix_tenant_channel_tenant_id', 'tenant_channel', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tenant_channel_tenant_id', table_name='tenant_channel')
    op.drop_table('tenant_channel')
