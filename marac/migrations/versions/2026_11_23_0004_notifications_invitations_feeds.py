"""notifications, invitations and feed tokens

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 09:23:17
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conference_invitation',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=True),
    sa.Column('invited_as', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('last_method', sa.Enum('REQUEST', 'CANCEL', name='invitation_method', native_enum=False, length=20), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('last_sent_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response', sa.Enum('needs_action', 'accepted', 'declined', 'delegated', name='invitation_response', native_enum=False, length=20), nullable=False),
    sa.Column('deputy_user_id', sa.Uuid(), nullable=True),
    sa.Column('response_note', sa.String(length=300), nullable=True),
    sa.Column('responded_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_conference_invitation_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_conference_invitation_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deputy_user_id'], ['app_user.id'], name=op.f('fk_conference_invitation_deputy_user_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_conference_invitation_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conference_id', 'user_id', name=op.f('pk_conference_invitation'))
    )
    with op.batch_alter_table('conference_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_conference_invitation_area_id_conference_id', ['area_id', 'conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conference_invitation_user_id'), ['user_id'], unique=False)

    op.create_table('feed_token',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('content_changed_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_feed_token_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_token_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_feed_token_user_id'))
    )
    op.create_table('notification',
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=True),
    sa.Column('recipient_user_id', sa.Uuid(), nullable=True),
    sa.Column('recipient_address', sa.String(length=254), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('marking', sa.String(length=60), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('calendar', sa.LargeBinary(), nullable=True),
    sa.Column('calendar_method', sa.String(length=10), nullable=True),
    sa.Column('message_id', sa.String(length=120), nullable=False),
    sa.Column('conference_id', sa.Uuid(), nullable=True),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('action_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'parked', 'withdrawn', name='delivery_status', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_order', sa.BigInteger(), nullable=False),
    sa.Column('next_attempt_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('sent_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('parked_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_notification_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['app_user.id'], name=op.f('fk_notification_recipient_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_idempotency_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_area_id_status', ['area_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_recipient_user_id'), ['recipient_user_id'], unique=False)
        batch_op.create_index('ix_notification_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_notification_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_conference_id'))
        batch_op.drop_index('ix_notification_area_id_status')

    op.drop_table('notification')
    op.drop_table('feed_token')
    with op.batch_alter_table('conference_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conference_invitation_user_id'))
        batch_op.drop_index('ix_conference_invitation_area_id_conference_id')

    op.drop_table('conference_invitation')
