"""social accounts: an administrator's user token for VK discussion boards

Revision ID: 0012_admin_token
Revises: 0011_idempotency
Create Date: 2026-12-02 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_admin_token'
down_revision: str | None = '0011_idempotency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('social_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin_token_cipher', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('admin_user_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('admin_token_scopes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('admin_token_checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('social_account', schema=None) as batch_op:
        batch_op.drop_column('admin_token_checked_at')
        batch_op.drop_column('admin_token_scopes')
        batch_op.drop_column('admin_user_id')
        batch_op.drop_column('admin_token_cipher')
