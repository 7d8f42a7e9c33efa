"""message usage: outbound chat messages per channel and month

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_usage',
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('warned_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('channel', 'month')
    )


def downgrade() -> None:
    op.drop_table('message_usage')
