"""tenant: a province's Sở (or the Ministry); tenant_id on every table a Sở owns, the existing rows
given to a first tenant; codes unique per tenant; on PostgreSQL, row-level security on those tables,
keyed by the `hsdt.tenant` setting each unit of work sets for its transaction.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 23:00:00.000000
"""
import warnings
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import hsdt.storage.types

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    'campaign', 'unit_level', 'campaign_unit', 'unit', 'app_user', 'invite_code', 'chat_identity', 'answer',
    'answer_audit', 'submission', 'evidence', 'conversation_state', 'processed_event', 'outbox_message',
    'assignment', 'reopen_record', 'reminder_calendar', 'reminder_mute', 'blocked_identity', 'fired_reminder',
    'chat_menu', 'used_upload_link', 'used_dashboard_link', 'dashboard_session', 'message_usage',
    'zalo_oa_token', 'zalo_oa_user', 'zalo_oa_usage', 'zalo_oa_inbox',
)
# Codes unique in the whole database until now, unique per tenant from here. The names are PostgreSQL's
# own for an inline UNIQUE; on SQLite the naming convention gives the unnamed constraints the same.
PER_TENANT = {
    'campaign': ('campaign_code_key', 'uq_campaign_code', ['tenant_id', 'code']),
    'unit': ('unit_code_key', 'uq_unit_code', ['tenant_id', 'code']),
    'app_user': ('app_user_code_key', 'uq_app_user_code', ['tenant_id', 'code']),
    'outbox_message': ('outbox_message_dedupe_key_key', 'uq_outbox_dedupe_key', ['tenant_id', 'dedupe_key']),
    'chat_identity': ('uq_chat_identity_channel_ext', 'uq_chat_identity_channel_ext',
                      ['tenant_id', 'channel', 'external_id']),
}
NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}
POLICY = "tenant_isolation"
# NULLIF: a transaction that set no tenant sees no row and writes none (fails closed).
CURRENT = "NULLIF(current_setting('hsdt.tenant', true), '')::int"


def upgrade() -> None:
    # SQLite's copy of message_usage is declared with the old key before the new one replaces it.
    warnings.filterwarnings("ignore", message=".*_alembic_tmp_message_usage.*primary_key")
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    tenant = op.create_table(
        'tenant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('province', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('created_at', hsdt.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    # The first tenant: the Sở this database has served so far, named as its roster names it.
    so_name = bind.execute(sa.text("SELECT name FROM unit WHERE kind = 'so' ORDER BY id LIMIT 1")).scalar()
    place = bind.execute(sa.text("SELECT place FROM campaign ORDER BY id DESC LIMIT 1")).scalar()
    op.bulk_insert(tenant, [{'id': 1, 'code': 'default', 'name': so_name or 'Sở Giáo dục và Đào tạo',
                             'province': place or '', 'kind': 'so',
                             'created_at': hsdt.storage.types.utcnow()}])
    if not sqlite:  # the next tenant created gets id 2
        op.execute("SELECT setval(pg_get_serial_sequence('tenant', 'id'), 1)")
    for table in TENANT_TABLES:
        with op.batch_alter_table(table, recreate='always' if sqlite else 'auto',
                                  naming_convention=NAMING) as batch_op:
            batch_op.add_column(sa.Column('tenant_id', sa.Integer(), nullable=False, server_default=sa.text('1')))
            batch_op.create_foreign_key(f'fk_{table}_tenant_id_tenant', 'tenant', ['tenant_id'], ['id'])
            if table in PER_TENANT:
                old, new, columns = PER_TENANT[table]
                batch_op.drop_constraint(old, type_='unique')
                batch_op.create_unique_constraint(new, columns)
            if table == 'message_usage':  # each Sở counts its own messages
                if not sqlite:
                    batch_op.drop_constraint('message_usage_pkey', type_='primary')
                batch_op.create_primary_key('message_usage_pkey', ['tenant_id', 'channel', 'month'])
        if not sqlite:  # the rows to come name their tenant themselves (the model's default)
            op.alter_column(table, 'tenant_id', server_default=None)
            op.execute(f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY')
            op.execute(f'CREATE POLICY {POLICY} ON {table} USING (tenant_id = {CURRENT}) '
                       f'WITH CHECK (tenant_id = {CURRENT})')


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    others = bind.execute(sa.text("SELECT count(*) FROM tenant WHERE id <> 1")).scalar()
    if others:
        raise RuntimeError("the database holds more than one tenant: a one-Sở schema cannot keep them")
    for table in reversed(TENANT_TABLES):
        if not sqlite:
            op.execute(f'DROP POLICY IF EXISTS {POLICY} ON {table}')
            op.execute(f'ALTER TABLE {table} DISABLE ROW LEVEL SECURITY')
        with op.batch_alter_table(table, recreate='always' if sqlite else 'auto',
                                  naming_convention=NAMING) as batch_op:
            if table == 'message_usage':
                if not sqlite:
                    batch_op.drop_constraint('message_usage_pkey', type_='primary')
                batch_op.create_primary_key('message_usage_pkey', ['channel', 'month'])
            if table in PER_TENANT:
                old, new, columns = PER_TENANT[table]
                batch_op.drop_constraint(new, type_='unique')
                batch_op.create_unique_constraint(old, columns[1:])
            batch_op.drop_constraint(f'fk_{table}_tenant_id_tenant', type_='foreignkey')
            batch_op.drop_column('tenant_id')
    op.drop_table('tenant')
