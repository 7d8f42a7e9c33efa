"""conversation_state.shown_turn: the turn whose screen is on record as shown, so a late confirmation of
an older turn (a redelivered copy sent by another worker) cannot put its question back

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_turn', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.drop_column('shown_turn')
