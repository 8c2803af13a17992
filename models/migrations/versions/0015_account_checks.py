"""official accounts: weekly publications (A8), moderation trail (A9)

Revision ID: 0015_account_checks
Revises: 0012_admin_token
Create Date: 2026-12-02 06:41:05.979156
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015_account_checks'
down_revision: str | None = '0012_admin_token'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('account_week',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=True),
    sa.Column('meets', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['social_account.id'], ),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'week', name='uq_account_week')
    )
    with op.batch_alter_table('account_week', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_week_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_week_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_week_week'), ['week'], unique=False)

    op.create_table('moderation_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('comment_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('comment_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('text_snapshot', sa.Text(), nullable=True),
    sa.Column('commented_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('ban_requested', sa.Boolean(), nullable=False),
    sa.Column('ban_forever', sa.Boolean(), nullable=False),
    sa.Column('ban_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('banned', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['social_account.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_action_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_action_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_action_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_action_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_action_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_action_status'))
        batch_op.drop_index(batch_op.f('ix_moderation_action_person_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_action_created_at'))
        batch_op.drop_index(batch_op.f('ix_moderation_action_comment_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_action_account_id'))

    op.drop_table('moderation_action')
    with op.batch_alter_table('account_week', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_week_week'))
        batch_op.drop_index(batch_op.f('ix_account_week_body_id'))
        batch_op.drop_index(batch_op.f('ix_account_week_account_id'))

    op.drop_table('account_week')
