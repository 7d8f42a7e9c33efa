"""typed conversation state: schema-versioned JSON, the screen last shown, a version on submissions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:20:00
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATE = sa.table('conversation_state', sa.column('user_id', sa.Integer), sa.column('flow', sa.String),
                  sa.column('data', sa.JSON))


def _busy(flow: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The first release's keys (cid, mode, sel, ret, sid, k, ver, pend) in the schema-2 shape."""
    if not isinstance(data.get('cid'), str):
        return None
    mode = data.get('mode', 'q')
    common = {'flow': flow, 'criterion': data['cid'], 'mode': mode, 'to_review': bool(data.get('ret'))}
    if flow == 'sa':
        return {**common, 'selection': [str(o) for o in data.get('sel') or []]}
    if flow == 'insp' and isinstance(data.get('sid'), int) and data.get('k') in ('district', 'cross'):
        pending = data.get('pend')
        return {**common, 'school': data['sid'], 'kind': data['k'], 'shown_version': int(data.get('ver') or 0),
                **({'pending_points': float(pending)} if pending is not None else {})}
    return None


def _convert(flow: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Unreadable rows reset to idle: the answers are in their own table, so none is lost."""
    if flow in ('sa', 'insp'):
        busy = _busy(flow, data)
        if busy is not None:
            return flow, {'v': 2, **busy}
        return 'idle', {'v': 2, 'flow': 'idle'}
    resume = data.get('resume') or {}
    inner = _busy(resume.get('flow', ''), resume.get('data') or {}) if isinstance(resume, dict) else None
    return 'idle', {'v': 2, 'flow': 'idle', **({'resume': inner} if inner else {})}


def upgrade() -> None:
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_screen', sa.String(length=64), nullable=True))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    for user_id, flow, data in bind.execute(sa.select(_STATE.c.user_id, _STATE.c.flow, _STATE.c.data)).all():
        if isinstance(data, dict) and data.get('v') == 2:
            continue
        new_flow, new_data = _convert(flow, data if isinstance(data, dict) else {})
        bind.execute(_STATE.update().where(_STATE.c.user_id == user_id).values(flow=new_flow, data=new_data))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('conversation_state', schema=None) as batch_op:
        batch_op.drop_column('shown_screen')
