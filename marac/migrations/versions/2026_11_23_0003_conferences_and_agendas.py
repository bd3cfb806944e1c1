"""conferences and agendas

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conference_series',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('nth', sa.Integer(), nullable=True),
    sa.Column('interval_weeks', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('holiday_policy', sa.String(length=10), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('chair_user_id', sa.Uuid(), nullable=True),
    sa.Column('max_cases', sa.Integer(), nullable=True),
    sa.Column('minutes_per_case', sa.Integer(), nullable=False),
    sa.Column('cutoff_working_days', sa.Integer(), nullable=False),
    sa.Column('publication_working_days', sa.Integer(), nullable=False),
    sa.Column('pack_working_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('materialised_until', sa.Date(), nullable=True),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_conference_series_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chair_user_id'], ['app_user.id'], name=op.f('fk_conference_series_chair_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conference_series'))
    )
    with op.batch_alter_table('conference_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conference_series_area_id'), ['area_id'], unique=False)

    op.create_table('conference',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('starts_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'published', 'held', 'closed', 'cancelled', name='conference_status', native_enum=False, length=40), nullable=False),
    sa.Column('extraordinary', sa.Boolean(), nullable=False),
    sa.Column('rescheduled', sa.Boolean(), nullable=False),
    sa.Column('moved_for_holiday', sa.String(length=200), nullable=True),
    sa.Column('flagged_holiday', sa.String(length=200), nullable=True),
    sa.Column('cut_off', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('publish_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('packs_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('max_cases', sa.Integer(), nullable=True),
    sa.Column('minutes_per_case', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('chair_user_id', sa.Uuid(), nullable=True),
    sa.Column('ical_uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('agenda_version', sa.Integer(), nullable=False),
    sa.Column('published_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('held_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_conference_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chair_user_id'], ['app_user.id'], name=op.f('fk_conference_chair_user_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['conference_series.id'], name=op.f('fk_conference_series_id_conference_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conference')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_conference_ical_uid')),
    sa.UniqueConstraint('series_id', 'occurrence_date', name=op.f('uq_conference_series_id_occurrence_date'))
    )
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.create_index('ix_conference_area_status_starts', ['area_id', 'status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conference_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_conference_status_publish_at', ['status', 'publish_at'], unique=False)

    op.create_table('series_agency',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_series_agency_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['conference_series.id'], name=op.f('fk_series_agency_series_id_conference_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'agency_id', name=op.f('pk_series_agency'))
    )
    with op.batch_alter_table('series_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_agency_agency_id'), ['agency_id'], unique=False)

    op.create_table('series_representative',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['conference_series.id'], name=op.f('fk_series_representative_series_id_conference_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_series_representative_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'user_id', name=op.f('pk_series_representative'))
    )
    with op.batch_alter_table('series_representative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_representative_user_id'), ['user_id'], unique=False)

    op.create_table('agenda_item',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('carried_over', sa.Boolean(), nullable=False),
    sa.Column('notification_only', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Enum('heard', 'deferred', 'withdrawn', name='agenda_outcome', native_enum=False, length=40), nullable=True),
    sa.Column('minutes_enc', sa.Text(), nullable=True),
    sa.Column('outcome_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_agenda_item_case_id_marac_case')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_agenda_item_conference_id_conference'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_agenda_item_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item')),
    sa.UniqueConstraint('conference_id', 'referral_id', name=op.f('uq_agenda_item_conference_id_referral_id'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_item_referral_id'), ['referral_id'], unique=False)

    op.create_table('agenda_version',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Uuid(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_agenda_version_conference_id_conference'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_version')),
    sa.UniqueConstraint('conference_id', 'number', name=op.f('uq_agenda_version_conference_id_number'))
    )
    op.create_table('attendance',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('present', 'apologies', 'deputy', name='attendance_status', native_enum=False, length=40), nullable=False),
    sa.Column('deputy_name', sa.String(length=160), nullable=True),
    sa.Column('recorded_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_attendance_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_attendance_conference_id_conference'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_attendance_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('conference_id', 'agency_id', name=op.f('uq_attendance_conference_id_agency_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_agency_id'), ['agency_id'], unique=False)

    op.create_table('conference_notice',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('conference_id', sa.Uuid(), nullable=True),
    sa.Column('referral_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('overflow', 'no_conference', 'urgent_referral', 'agenda_published', 'carried_over', 'moved', name='notice_kind', native_enum=False, length=40), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_conference_notice_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_conference_notice_conference_id_conference'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_conference_notice_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conference_notice')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_conference_notice_dedupe_key'))
    )
    with op.batch_alter_table('conference_notice', schema=None) as batch_op:
        batch_op.create_index('ix_conference_notice_area_ack', ['area_id', 'acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conference_notice_sent_at'), ['sent_at'], unique=False)

    op.create_table('research_status',
    sa.Column('agenda_item_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'nothing_held', 'information_held', 'shared', name='research_state', native_enum=False, length=40), nullable=False),
    sa.Column('note_enc', sa.Text(), nullable=True),
    sa.Column('updated_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_research_status_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_research_status_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_status')),
    sa.UniqueConstraint('agenda_item_id', 'agency_id', name=op.f('uq_research_status_agenda_item_id_agency_id'))
    )
    with op.batch_alter_table('research_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_status_agency_id'), ['agency_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('research_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_status_agency_id'))

    op.drop_table('research_status')
    with op.batch_alter_table('conference_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conference_notice_sent_at'))
        batch_op.drop_index('ix_conference_notice_area_ack')

    op.drop_table('conference_notice')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_agency_id'))

    op.drop_table('attendance')
    op.drop_table('agenda_version')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_referral_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_item_case_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('series_representative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_representative_user_id'))

    op.drop_table('series_representative')
    with op.batch_alter_table('series_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_agency_agency_id'))

    op.drop_table('series_agency')
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.drop_index('ix_conference_status_publish_at')
        batch_op.drop_index(batch_op.f('ix_conference_series_id'))
        batch_op.drop_index('ix_conference_area_status_starts')

    op.drop_table('conference')
    with op.batch_alter_table('conference_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conference_series_area_id'))

    op.drop_table('conference_series')
