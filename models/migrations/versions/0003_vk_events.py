"""VK Callback API inbox: accepted events by event_id, pending until their workflow has started

Revision ID: 0003_vk_events
Revises: 0002_read_model
Create Date: 2026-11-29 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003_vk_events'
down_revision: str | None = '0002_read_model'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vk_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('vk_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vk_event_event_id'), ['event_id'], unique=True)
        batch_op.create_index('ix_vk_event_status_received', ['status', 'received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('vk_event', schema=None) as batch_op:
        batch_op.drop_index('ix_vk_event_status_received')
        batch_op.drop_index(batch_op.f('ix_vk_event_event_id'))

    op.drop_table('vk_event')
