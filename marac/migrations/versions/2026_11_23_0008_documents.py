"""briefing packs as issued, and the coordinator's pack relevance marks

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-23 09:38:39
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0008'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('briefing_pack',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('recipient_user_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('agenda_version', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('generated_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('announced_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notification_key', sa.String(length=200), nullable=True),
    sa.Column('superseded_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_briefing_pack_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_briefing_pack_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_briefing_pack_conference_id_conference'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['app_user.id'], name=op.f('fk_briefing_pack_recipient_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_pack')),
    sa.UniqueConstraint('conference_id', 'recipient_user_id', 'number', name=op.f('uq_briefing_pack_conference_id_recipient_user_id_number')),
    sa.UniqueConstraint('reference', name=op.f('uq_briefing_pack_reference'))
    )
    with op.batch_alter_table('briefing_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_pack_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_pack_recipient_user_id'), ['recipient_user_id'], unique=False)

    op.create_table('pack_relevance',
    sa.Column('agenda_item_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('marked_by', sa.Uuid(), nullable=True),
    sa.Column('marked_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_pack_relevance_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_pack_relevance_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agenda_item_id', 'agency_id', name=op.f('pk_pack_relevance'))
    )
    with op.batch_alter_table('pack_relevance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_relevance_agency_id'), ['agency_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pack_relevance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_relevance_agency_id'))

    op.drop_table('pack_relevance')
    with op.batch_alter_table('briefing_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_pack_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_pack_area_id'))

    op.drop_table('briefing_pack')
