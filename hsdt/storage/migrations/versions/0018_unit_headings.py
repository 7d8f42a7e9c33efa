"""unit heading facts (official name, short name, parent body, place, signer) for the official forms;
campaign.rubric_confirmed; the commune staff's title ("Cán bộ quản lý cấp xã" read as school managers)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0018'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNIT_TEXTS = ('official_name', 'short_name', 'parent_body', 'signer_authority', 'signer_title')
# The commune staff's title as campaigns stored it, and what it reads now (hsdt.texts.levels).
_OLD_STAFF = 'Cán bộ quản lý cấp xã'
_NEW_STAFF = 'Cán bộ Phòng Văn hóa – Xã hội'


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        for name in _UNIT_TEXTS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('place_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rubric_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
    level = sa.table('unit_level', sa.column('staff', sa.String))
    op.execute(level.update().where(level.c.staff == _OLD_STAFF).values(staff=_NEW_STAFF))


def downgrade() -> None:
    level = sa.table('unit_level', sa.column('staff', sa.String))
    op.execute(level.update().where(level.c.staff == _NEW_STAFF).values(staff=_OLD_STAFF))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('rubric_confirmed')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('place_name')
        for name in reversed(_UNIT_TEXTS):
            batch_op.drop_column(name)
