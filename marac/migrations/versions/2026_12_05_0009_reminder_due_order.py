"""reminder sweep: the due-reminder index in the sweep's own order

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-05 14:20:00

The sweep reads unfinished reminders ordered by ``(scheduled_at, id)`` and continues each batch after
the last row of the one before.  With ``scheduled_at`` alone in the index, every batch sorted its rows
and SQLite scanned again from the start of the due rows; with both columns the index gives the order
and the continuation point directly.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNFINISHED = 'sent_at IS NULL AND cancelled_at IS NULL'


def _create(columns: list[str]) -> None:
    with op.batch_alter_table('action_reminder', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_action_reminder_due',
            sqlite_where=sa.text(_UNFINISHED),
            postgresql_where=sa.text(_UNFINISHED),
        )
        batch_op.create_index(
            'ix_action_reminder_due',
            columns,
            unique=False,
            sqlite_where=sa.text(_UNFINISHED),
            postgresql_where=sa.text(_UNFINISHED),
        )


def upgrade() -> None:
    _create(['scheduled_at', 'id'])


def downgrade() -> None:
    _create(['scheduled_at'])
