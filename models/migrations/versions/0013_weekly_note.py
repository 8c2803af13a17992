"""weekly_note: P16, the ЦУР's weekly analytic note, one row per ISO week

Revision ID: 0013_weekly_note
Revises: 0015_account_checks
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013_weekly_note'
down_revision: str | None = '0015_account_checks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('weekly_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('period_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('period_end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('generated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('week')
    )
    with op.batch_alter_table('weekly_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_note_period_start'), ['period_start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('weekly_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_note_period_start'))
    op.drop_table('weekly_note')
