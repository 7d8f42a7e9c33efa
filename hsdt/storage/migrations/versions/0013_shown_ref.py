"""conversation_state.shown_ref: where the screen last shown to a user is, so it can be edited in place

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_ref', sqlmodel.sql.sqltypes.AutoString(length=84), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.drop_column('shown_ref')
