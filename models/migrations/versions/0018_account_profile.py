"""official accounts: description, main photo and the link on the body's site (the Order, item 8)

Revision ID: 0018_account_profile
Revises: 0017_moderation_pending
Create Date: 2026-12-02 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_account_profile'
down_revision: str | None = '0017_moderation_pending'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('account_week', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_description', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('has_photo', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('on_site', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('profile_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('account_week', schema=None) as batch_op:
        batch_op.drop_column('profile_note')
        batch_op.drop_column('on_site')
        batch_op.drop_column('has_photo')
        batch_op.drop_column('has_description')
