"""cases and referrals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:12:07.599617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marac.db


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('forename_enc', sa.Text(), nullable=False),
    sa.Column('surname_enc', sa.Text(), nullable=False),
    sa.Column('aliases_enc', sa.Text(), nullable=True),
    sa.Column('birth_date_enc', sa.Text(), nullable=True),
    sa.Column('address_enc', sa.Text(), nullable=True),
    sa.Column('same_as_id', sa.Uuid(), nullable=True),
    sa.Column('blind_index', sa.String(length=64), nullable=True),
    sa.Column('birth_date_index', sa.String(length=64), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('ethnicity', sa.String(length=40), nullable=True),
    sa.Column('disability', sa.Boolean(), nullable=True),
    sa.Column('lgbt', sa.Boolean(), nullable=True),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_person_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['same_as_id'], ['person.id'], name=op.f('fk_person_same_as_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_area_birth_date_index', ['area_id', 'birth_date_index'], unique=False)
        batch_op.create_index('ix_person_area_blind_index', ['area_id', 'blind_index'], unique=False)

    op.create_table('reference_counter',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_reference_counter_area_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'series', name=op.f('pk_reference_counter'))
    )
    op.create_table('marac_case',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('victim_id', sa.Uuid(), nullable=False),
    sa.Column('children_in_household', sa.Integer(), nullable=False),
    sa.Column('created_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_heard_on', sa.Date(), nullable=True),
    sa.Column('merged_into_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_marac_case_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['marac_case.id'], name=op.f('fk_marac_case_merged_into_id_marac_case')),
    sa.ForeignKeyConstraint(['victim_id'], ['person.id'], name=op.f('fk_marac_case_victim_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marac_case')),
    sa.UniqueConstraint('area_id', 'reference', name=op.f('uq_marac_case_area_id_reference'))
    )
    with op.batch_alter_table('marac_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marac_case_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marac_case_victim_id'), ['victim_id'], unique=False)

    op.create_table('case_party',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('perpetrator', 'child', name='party_role', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_case_party_case_id_marac_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_case_party_person_id_person')),
    sa.PrimaryKeyConstraint('case_id', 'person_id', name=op.f('pk_case_party'))
    )
    with op.batch_alter_table('case_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_party_person_id'), ['person_id'], unique=False)

    op.create_table('excluded_recipient',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('added_by', sa.Uuid(), nullable=True),
    sa.Column('added_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_excluded_recipient_case_id_marac_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_excluded_recipient_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_excluded_recipient'))
    )
    with op.batch_alter_table('excluded_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excluded_recipient_user_id'), ['user_id'], unique=False)

    op.create_table('police_incident',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_police_incident_case_id_marac_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_police_incident')),
    sa.UniqueConstraint('case_id', 'occurred_on', 'reference', name=op.f('uq_police_incident_case_id_occurred_on_reference'))
    )
    with op.batch_alter_table('police_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_police_incident_case_id'), ['case_id'], unique=False)

    op.create_table('referral',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('referring_agency_id', sa.Uuid(), nullable=False),
    sa.Column('referrer_id', sa.Uuid(), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('incident_on', sa.Date(), nullable=True),
    sa.Column('submitted_at', marac.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'returned', 'withdrawn', name='referral_status', native_enum=False, length=40), nullable=False),
    sa.Column('decided_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('heard_on', sa.Date(), nullable=True),
    sa.Column('instrument_id', sa.String(length=40), nullable=True),
    sa.Column('instrument_version', sa.String(length=20), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('assessor_rating', sa.String(length=20), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('risk_rank', sa.Integer(), nullable=False),
    sa.Column('professional_judgement', sa.Boolean(), nullable=False),
    sa.Column('judgement_reasons_enc', sa.Text(), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False),
    sa.Column('last_referral_on', sa.Date(), nullable=True),
    sa.Column('linked_to_id', sa.Uuid(), nullable=True),
    sa.Column('victim_aware', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('safe_contact_enc', sa.Text(), nullable=True),
    sa.Column('police_reference', sa.String(length=40), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('has_children', sa.Boolean(), nullable=False),
    sa.Column('victim_age', sa.Integer(), nullable=True),
    sa.Column('youngest_perpetrator_age', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_referral_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_referral_case_id_marac_case')),
    sa.ForeignKeyConstraint(['linked_to_id'], ['referral.id'], name=op.f('fk_referral_linked_to_id_referral')),
    sa.ForeignKeyConstraint(['referrer_id'], ['app_user.id'], name=op.f('fk_referral_referrer_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referring_agency_id'], ['agency.id'], name=op.f('fk_referral_referring_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
    sa.UniqueConstraint('area_id', 'reference', name=op.f('uq_referral_area_id_reference'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_area_status', ['area_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_referring_agency_id'), ['referring_agency_id'], unique=False)

    op.create_table('match_suggestion',
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('candidate_case_id', sa.Uuid(), nullable=False),
    sa.Column('similarity', sa.Double(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', name='match_status', native_enum=False, length=40), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', marac.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_case_id'], ['marac_case.id'], name=op.f('fk_match_suggestion_candidate_case_id_marac_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_match_suggestion_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_suggestion')),
    sa.UniqueConstraint('referral_id', 'candidate_case_id', name=op.f('uq_match_suggestion_referral_id_candidate_case_id'))
    )
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_suggestion_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_perpetrator',
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_referral_perpetrator_person_id_person')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_perpetrator_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', 'person_id', name=op.f('pk_referral_perpetrator'))
    )
    with op.batch_alter_table('referral_perpetrator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_perpetrator_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral_perpetrator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_perpetrator_person_id'))

    op.drop_table('referral_perpetrator')
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_suggestion_referral_id'))

    op.drop_table('match_suggestion')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_referring_agency_id'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))
        batch_op.drop_index('ix_referral_area_status')

    op.drop_table('referral')
    with op.batch_alter_table('police_incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_police_incident_case_id'))

    op.drop_table('police_incident')
    with op.batch_alter_table('excluded_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excluded_recipient_user_id'))

    op.drop_table('excluded_recipient')
    with op.batch_alter_table('case_party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_party_person_id'))

    op.drop_table('case_party')
    with op.batch_alter_table('marac_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marac_case_victim_id'))
        batch_op.drop_index(batch_op.f('ix_marac_case_area_id'))

    op.drop_table('marac_case')
    op.drop_table('reference_counter')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_area_blind_index')
        batch_op.drop_index('ix_person_area_birth_date_index')

    op.drop_table('person')
