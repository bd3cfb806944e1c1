"""actions: status reports, reassignments, reminders and status requests

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('action_status_request',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('sent_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action_count', sa.Integer(), nullable=False),
    sa.Column('notification_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_action_status_request_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_action_status_request_conference_id_conference'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conference_id', 'agency_id', name=op.f('pk_action_status_request'))
    )
    with op.batch_alter_table('action_status_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_status_request_agency_id'), ['agency_id'], unique=False)

    op.create_table('marac_action',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('agenda_item_id', sa.Uuid(), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('description_enc', sa.Text(), nullable=False),
    sa.Column('owner_agency_id', sa.Uuid(), nullable=False),
    sa.Column('owner_user_id', sa.Uuid(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'completed', 'not_possible', 'not_done', 'cancelled', name='action_status', native_enum=False, length=20), nullable=False),
    sa.Column('deadline_version', sa.Integer(), nullable=False),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_marac_action_agenda_item_id_agenda_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_marac_action_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_marac_action_case_id_marac_case')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_marac_action_conference_id_conference')),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], name=op.f('fk_marac_action_owner_agency_id_agency')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['app_user.id'], name=op.f('fk_marac_action_owner_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marac_action')),
    sa.UniqueConstraint('area_id', 'reference', name=op.f('uq_marac_action_area_id_reference'))
    )
    with op.batch_alter_table('marac_action', schema=None) as batch_op:
        batch_op.create_index('ix_marac_action_area_status_deadline', ['area_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_marac_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marac_action_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index('ix_marac_action_owner_agency_status', ['owner_agency_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_marac_action_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('action_reassignment',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('from_agency_id', sa.Uuid(), nullable=True),
    sa.Column('from_user_id', sa.Uuid(), nullable=True),
    sa.Column('to_agency_id', sa.Uuid(), nullable=False),
    sa.Column('to_user_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('assigned_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['marac_action.id'], name=op.f('fk_action_reassignment_action_id_marac_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_reassignment'))
    )
    with op.batch_alter_table('action_reassignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_reassignment_action_id'), ['action_id'], unique=False)

    op.create_table('action_reminder',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('deadline_version', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('notification_key', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['marac_action.id'], name=op.f('fk_action_reminder_action_id_marac_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_reminder')),
    sa.UniqueConstraint('action_id', 'kind', 'deadline_version', name=op.f('uq_action_reminder_action_id_kind_deadline_version'))
    )
    with op.batch_alter_table('action_reminder', schema=None) as batch_op:
        batch_op.create_index('ix_action_reminder_due', ['scheduled_at'], unique=False, sqlite_where=sa.text('sent_at IS NULL AND cancelled_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL AND cancelled_at IS NULL'))

    op.create_table('action_status_report',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'completed', 'not_possible', 'not_done', 'cancelled', name='action_report_status', native_enum=False, length=20), nullable=False),
    sa.Column('note_enc', sa.Text(), nullable=True),
    sa.Column('reporter_user_id', sa.Uuid(), nullable=True),
    sa.Column('reporter_agency_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['marac_action.id'], name=op.f('fk_action_status_report_action_id_marac_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_status_report'))
    )
    with op.batch_alter_table('action_status_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_status_report_action_id'), ['action_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('action_status_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_status_report_action_id'))

    op.drop_table('action_status_report')
    with op.batch_alter_table('action_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_action_reminder_due', sqlite_where=sa.text('sent_at IS NULL AND cancelled_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL AND cancelled_at IS NULL'))

    op.drop_table('action_reminder')
    with op.batch_alter_table('action_reassignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_reassignment_action_id'))

    op.drop_table('action_reassignment')
    with op.batch_alter_table('marac_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marac_action_owner_user_id'))
        batch_op.drop_index('ix_marac_action_owner_agency_status')
        batch_op.drop_index(batch_op.f('ix_marac_action_conference_id'))
        batch_op.drop_index(batch_op.f('ix_marac_action_case_id'))
        batch_op.drop_index('ix_marac_action_area_status_deadline')

    op.drop_table('marac_action')
    with op.batch_alter_table('action_status_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_status_request_agency_id'))

    op.drop_table('action_status_request')
