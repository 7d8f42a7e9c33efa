"""inspection: assignments of inspectors to schools, reopen records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:54:57.585232
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['inspector_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'inspector_id', 'school_id', 'kind', name='uq_assignment_scope')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_school_id'), ['school_id'], unique=False)

    op.create_table('reopen_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reopen_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reopen_record_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reopen_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reopen_record_school_id'))
    op.drop_table('reopen_record')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_school_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_inspector_id'))
    op.drop_table('assignment')
