"""dashboard: used one-time sign-in links and browser sessions

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01 20:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0011'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('used_dashboard_link',
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('used_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('used_dashboard_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_dashboard_link_user_id'), ['user_id'], unique=False)
    op.create_table('dashboard_session',
    sa.Column('token_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    with op.batch_alter_table('dashboard_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dashboard_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_session_user_id'))
    op.drop_table('dashboard_session')
    with op.batch_alter_table('used_dashboard_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_dashboard_link_user_id'))
    op.drop_table('used_dashboard_link')
