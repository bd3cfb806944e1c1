"""scheduler lease: the one active scheduler process

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-23 09:32:42
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0007'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fencing_token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )


def downgrade() -> None:
    op.drop_table('scheduler_lease')
