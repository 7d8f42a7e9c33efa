"""several workers: the last applied event of each conversation, for ordering across processes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:30:00

Existing conversations start without a last event (any next event is in order). Existing processed
events keep their bare ids; the channel that owns them renames them into its bot's namespace at its
next start (`EventRepository.adopt_legacy`), since only it knows the bot.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_event_stream', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_event_seq', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.drop_column('last_event_seq')
        batch_op.drop_column('last_event_stream')
