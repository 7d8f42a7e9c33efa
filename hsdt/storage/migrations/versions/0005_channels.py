"""channels: numbered chat menus (Zalo) and used one-time upload links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 04:55:37.659656
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_menu',
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('upload', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'external_id')
    )
    op.create_table('used_upload_link',
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('used_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('used_upload_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_upload_link_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('used_upload_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_upload_link_user_id'))
    op.drop_table('used_upload_link')
    op.drop_table('chat_menu')
