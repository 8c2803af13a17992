"""one pending moderation decision per comment (a partial unique index)

Revision ID: 0017_moderation_pending
Revises: 0016_publication_plan
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_moderation_pending'
down_revision: str | None = '0016_publication_plan'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # A pending row left twice for one comment (before this index) is settled by the API as interrupted; the
    # older duplicates are refused here first so the index can be built.
    op.execute("UPDATE moderation_action SET status = 'refused', error = 'Прервано: повторная запись' "
               "WHERE status = 'pending' AND id NOT IN (SELECT MAX(id) FROM moderation_action "
               "WHERE status = 'pending' GROUP BY account_id, comment_id)")
    op.create_index('uq_moderation_pending', 'moderation_action', ['account_id', 'comment_id'], unique=True,
                    postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index('uq_moderation_pending', table_name='moderation_action')
