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


# Plain ALTER TABLE ADD/DROP COLUMN, not a batch: SQLite (3.35+) does both in place, and rebuilding `unit` or
# `campaign` (which other tables reference) would fail its foreign keys.
def upgrade() -> None:
    for name in _UNIT_TEXTS:
        op.add_column('unit', sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('unit', sa.Column('place_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    op.add_column('campaign', sa.Column('rubric_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
    level = sa.table('unit_level', sa.column('staff', sa.String))
    op.execute(level.update().where(level.c.staff == _OLD_STAFF).values(staff=_NEW_STAFF))


def downgrade() -> None:
    level = sa.table('unit_level', sa.column('staff', sa.String))
    op.execute(level.update().where(level.c.staff == _NEW_STAFF).values(staff=_OLD_STAFF))
    op.drop_column('campaign', 'rubric_confirmed')
    op.drop_column('unit', 'place_name')
    for name in reversed(_UNIT_TEXTS):
        op.drop_column('unit', name)
