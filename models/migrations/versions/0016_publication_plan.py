"""publication schedule of official accounts (Order items 3, 4, 7)

Revision ID: 0016_publication_plan
Revises: 0014_rating
Create Date: 2026-12-02 18:13:03.349606
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016_publication_plan'
down_revision: str | None = '0014_rating'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('publication_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('planned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('material', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('post_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['social_account.id'], ),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('publication_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_plan_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_plan_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_plan_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_plan_planned_at'), ['planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_plan_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('publication_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_plan_status'))
        batch_op.drop_index(batch_op.f('ix_publication_plan_planned_at'))
        batch_op.drop_index(batch_op.f('ix_publication_plan_person_id'))
        batch_op.drop_index(batch_op.f('ix_publication_plan_body_id'))
        batch_op.drop_index(batch_op.f('ix_publication_plan_account_id'))

    op.drop_table('publication_plan')
