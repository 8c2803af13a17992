"""rating: the quarterly rating of bodies and organisations (Order, items 11–13)

Revision ID: 0014_rating
Revises: 0013_weekly_note
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_rating'
down_revision: str | None = '0013_weekly_note'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('body_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('body_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('formula_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('quarter', 'body_id', name='uq_body_rating')
    )
    with op.batch_alter_table('body_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_rating_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_rating_quarter'), ['quarter'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('body_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_body_rating_quarter'))
        batch_op.drop_index(batch_op.f('ix_body_rating_body_id'))
    op.drop_table('body_rating')
