"""campaigns as data (school year, notice fields, re-score due, closing), unit levels, campaign
members, and the roster's position, cluster and tax code of a unit

An existing database's campaign becomes the first campaign row as it is: its answers, scores,
assignments, evidence and reminders keep their campaign id; its units all take part in it; its levels
are named as in 2024 (Phòng GD&ĐT quận/huyện), the structure it was run with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hsdt.storage.types
from hsdt.texts.campaigns import NOTICE_2024_ISSUER, NOTICE_2024_ISSUER_PARENT, NOTICE_2024_PLACE
from hsdt.texts.levels import STRUCTURES, Structure

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILLED = ('school_year', 'rescore_due', 'issuer', 'issuer_parent', 'place')
# Placeholders that only let NOT NULL columns be added to existing rows; every row is then filled.
_PLACEHOLDER = sa.text("''")
_PLACEHOLDER_TIME = sa.text("'1970-01-01 00:00:00+00:00'")


def upgrade() -> None:
    bind = op.get_bind()
    # NOT NULL columns come with a placeholder default and are filled below. SQLite keeps the default
    # (dropping it would rebuild `campaign`, which every campaign-scoped table references); the
    # application always writes these columns.
    # Plain ADD COLUMN (no batch): a batch would rebuild `campaign` on SQLite.
    op.add_column('campaign', sa.Column('school_year', sa.String(length=9), nullable=False,
                                        server_default=_PLACEHOLDER))
    op.add_column('campaign', sa.Column('rescore_due', hsdt.storage.types.UTCDateTime(timezone=True),
                                        nullable=False, server_default=_PLACEHOLDER_TIME))
    op.add_column('campaign', sa.Column('notice_no', sa.String(length=60), nullable=True))
    op.add_column('campaign', sa.Column('notice_date', sa.Date(), nullable=True))
    op.add_column('campaign', sa.Column('issuer', sa.String(), nullable=False, server_default=_PLACEHOLDER))
    op.add_column('campaign', sa.Column('issuer_parent', sa.String(), nullable=False, server_default=_PLACEHOLDER))
    op.add_column('campaign', sa.Column('place', sa.String(length=60), nullable=False, server_default=_PLACEHOLDER))
    op.add_column('campaign', sa.Column('closed_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('unit', sa.Column('position', sa.Integer(), nullable=True))
    op.add_column('unit', sa.Column('cluster', sa.String(length=60), nullable=True))
    op.add_column('unit', sa.Column('tax_code', sa.String(length=20), nullable=True))
    op.create_table('unit_level',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('singular', sa.String(), nullable=False),
    sa.Column('plural', sa.String(), nullable=False),
    sa.Column('short', sa.String(), nullable=False),
    sa.Column('staff', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.PrimaryKeyConstraint('campaign_id', 'kind')
    )
    op.create_table('campaign_unit',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_id')
    )
    with op.batch_alter_table('campaign_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_unit_unit_id'), ['unit_id'], unique=False)

    campaign = sa.table('campaign', sa.column('id', sa.Integer), sa.column('record_start', sa.Date),
                        sa.column('school_year', sa.String), sa.column('issuer', sa.String),
                        sa.column('issuer_parent', sa.String), sa.column('place', sa.String))
    unit = sa.table('unit', sa.column('id', sa.Integer))
    level = sa.table('unit_level', sa.column('campaign_id', sa.Integer), sa.column('kind', sa.String),
                     sa.column('singular', sa.String), sa.column('plural', sa.String),
                     sa.column('short', sa.String), sa.column('staff', sa.String))
    member = sa.table('campaign_unit', sa.column('campaign_id', sa.Integer), sa.column('unit_id', sa.Integer))
    unit_ids = [row.id for row in bind.execute(sa.select(unit.c.id))]
    levels_2024 = STRUCTURES[Structure.DISTRICT]
    for row in bind.execute(sa.select(campaign.c.id, campaign.c.record_start)).all():
        # A school year starts in September: records from 09/2024 belong to 2024-2025.
        start = row.record_start.year if row.record_start.month >= 9 else row.record_start.year - 1
        bind.execute(campaign.update().where(campaign.c.id == row.id).values(
            school_year=f"{start}-{start + 1}", issuer=NOTICE_2024_ISSUER,
            issuer_parent=NOTICE_2024_ISSUER_PARENT, place=NOTICE_2024_PLACE))
        for kind, name in levels_2024.names.items():
            bind.execute(level.insert().values(campaign_id=row.id, kind=kind, singular=name.singular,
                                               plural=name.plural, short=name.short, staff=name.staff))
        if unit_ids:
            bind.execute(member.insert(), [{"campaign_id": row.id, "unit_id": uid} for uid in unit_ids])
    bind.execute(sa.text("UPDATE campaign SET rescore_due = deadline"))
    if bind.dialect.name != 'sqlite':
        for column in _FILLED:
            op.alter_column('campaign', column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('campaign_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_unit_unit_id'))
    op.drop_table('campaign_unit')
    op.drop_table('unit_level')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('tax_code')
        batch_op.drop_column('cluster')
        batch_op.drop_column('position')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for column in ('closed_at', 'place', 'issuer_parent', 'issuer', 'notice_date', 'notice_no',
                       'rescore_due', 'school_year'):
            batch_op.drop_column(column)
