"""worker_lease: one row per live worker, renewed while it runs; processed_event.owner: the worker
that sends a turn's replies (another takes them only once that worker's lease is gone), and .turn
(a chat's turns sent in the order they applied);
conversation_state.pending_screen/pending_turn: the screen the last committed turn put up

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
        batch_op.add_column(sa.Column('turn', sa.Integer(), nullable=True))
        batch_op.create_index('ix_processed_event_chat', ['channel', 'user_ref', 'processed_at'], unique=False)
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_screen', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('pending_turn', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.drop_column('pending_turn')
        batch_op.drop_column('pending_screen')
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_event_chat')
        batch_op.drop_column('turn')
        batch_op.drop_column('owner')
    op.drop_table('worker_lease')
