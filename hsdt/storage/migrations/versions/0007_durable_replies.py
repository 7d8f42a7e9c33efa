"""durable replies: an event's rendered replies are stored with its processed-event marker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('replies', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('settled_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.create_index('ix_processed_event_unsettled', ['channel', 'settled_at'], unique=False)
    # Events applied before replies were stored: their replies went out (or were lost) long ago.
    op.execute("UPDATE processed_event SET settled_at = processed_at WHERE settled_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_event_unsettled')
        batch_op.drop_column('last_error')
        batch_op.drop_column('settled_at')
        batch_op.drop_column('sent')
        batch_op.drop_column('replies')
        batch_op.drop_column('user_ref')
