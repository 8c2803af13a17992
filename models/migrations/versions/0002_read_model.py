"""read model: messages, events, drafts, deadlines, notification outbox, police notices

Revision ID: 0002_read_model
Revises: 0001_registry
Create Date: 2026-11-29 19:16:12.318378
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002_read_model'
down_revision: str | None = '0001_registry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('deadline_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('window', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.Column('breached', sa.Boolean(), nullable=False),
    sa.Column('used_minutes', sa.Integer(), nullable=True),
    sa.Column('overrun_minutes', sa.Integer(), nullable=True),
    sa.Column('escalated_to', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workflow_id', 'deadline_id', name='uq_deadline')
    )
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_body'), ['body'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_breached'), ['breached'], unique=False)
        batch_op.create_index('ix_deadline_status_due', ['status', 'due'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_step'), ['step'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('draft_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('measures_taken', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('return_reasons', sa.JSON(), nullable=False),
    sa.Column('return_comment', sa.Text(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workflow_id', 'draft_id', name='uq_draft')
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_body'), ['body'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('post_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('comment_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('author_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('importance', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('bodies', sa.JSON(), nullable=False),
    sa.Column('route_order', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('publishing_body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('posted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('detected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('next_deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answer_due', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('breached', sa.Boolean(), nullable=False),
    sa.Column('breaches_count', sa.Integer(), nullable=False),
    sa.Column('significant', sa.Boolean(), nullable=False),
    sa.Column('repeat_of', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('answer_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('events_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network', 'external_id', name='uq_message_network_external_id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_breached'), ['breached'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_detected_at'), ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_location'), ['location'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_repeat_of'), ['repeat_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_significant'), ['significant'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_state'), ['state'], unique=False)
        batch_op.create_index('ix_message_state_next_deadline', ['state', 'next_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_topic'), ['topic'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_workflow_id'), ['workflow_id'], unique=True)

    op.create_table('message_body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('contributed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workflow_id', 'body', name='uq_message_body')
    )
    with op.batch_alter_table('message_body', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_body_body'), ['body'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_body_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('message_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('actor_body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workflow_id', 'seq', name='uq_message_event_seq')
    )
    with op.batch_alter_table('message_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_event_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_key'), ['key'], unique=True)
        batch_op.create_index(batch_op.f('ix_notification_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('police_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('ground', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('curator_id', sa.Integer(), nullable=False),
    sa.Column('curator_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('message_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('raw_payload', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('flagged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('police_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_police_notice_workflow_id'), ['workflow_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('police_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_police_notice_workflow_id'))

    op.drop_table('police_notice')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_notification_sent_at'))
        batch_op.drop_index(batch_op.f('ix_notification_key'))

    op.drop_table('notification')
    with op.batch_alter_table('message_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_event_workflow_id'))

    op.drop_table('message_event')
    with op.batch_alter_table('message_body', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_body_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_message_body_body'))

    op.drop_table('message_body')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_message_topic'))
        batch_op.drop_index('ix_message_state_next_deadline')
        batch_op.drop_index(batch_op.f('ix_message_state'))
        batch_op.drop_index(batch_op.f('ix_message_significant'))
        batch_op.drop_index(batch_op.f('ix_message_repeat_of'))
        batch_op.drop_index(batch_op.f('ix_message_location'))
        batch_op.drop_index(batch_op.f('ix_message_detected_at'))
        batch_op.drop_index(batch_op.f('ix_message_breached'))

    op.drop_table('message')
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_draft_body'))

    op.drop_table('draft')
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_step'))
        batch_op.drop_index('ix_deadline_status_due')
        batch_op.drop_index(batch_op.f('ix_deadline_breached'))
        batch_op.drop_index(batch_op.f('ix_deadline_body'))

    op.drop_table('deadline')
