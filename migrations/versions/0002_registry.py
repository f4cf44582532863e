"""registry: persons, households, events, communities, consent, institutions, change history

Revision ID: 0002_registry
Revises: 0001_foundation
Create Date: 2026-11-25 00:39:07.575518
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dfi_casos.institutions.models import DEFAULT_INSTITUTIONS


revision = '0002_registry'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution')),
    sa.UniqueConstraint('code', name=op.f('uq_institution_code'))
    )
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_state_code'), ['state_code'], unique=False)

    op.create_table('community',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('municipality_code', sa.String(length=5), nullable=True),
    sa.Column('locality', sa.String(length=200), nullable=True),
    sa.Column('at_risk', sa.Boolean(), nullable=False),
    sa.Column('indigenous', sa.Boolean(), nullable=False),
    sa.Column('estimated_households', sa.Integer(), nullable=True),
    sa.Column('estimated_persons', sa.Integer(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_community_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community'))
    )
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_state_code'), ['state_code'], unique=False)

    op.create_table('displacement_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.Enum('mass', 'individual_or_family', name='eventtype', native_enum=False, length=40), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('origin_state_code', sa.String(length=2), nullable=False),
    sa.Column('origin_municipality_code', sa.String(length=5), nullable=True),
    sa.Column('origin_locality', sa.String(length=200), nullable=True),
    sa.Column('origin_locality_code', sa.String(length=9), nullable=True),
    sa.Column('cause_other', sa.String(length=200), nullable=True),
    sa.Column('estimated_households', sa.Integer(), nullable=True),
    sa.Column('estimated_persons', sa.Integer(), nullable=True),
    sa.Column('destination_state_code', sa.String(length=2), nullable=True),
    sa.Column('destination_municipality_code', sa.String(length=5), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('narrative_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_displacement_event_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_displacement_event'))
    )
    with op.batch_alter_table('displacement_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_displacement_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_event_type'), ['event_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_origin_municipality_code'), ['origin_municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_origin_state_code'), ['origin_state_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_started_on'), ['started_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_displacement_event_state_code'), ['state_code'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('estimated_age', sa.Integer(), nullable=True),
    sa.Column('birth_date_estimated', sa.Boolean(), nullable=False),
    sa.Column('registered_sex', sa.Enum('male', 'female', 'non_binary', 'unknown', name='registeredsex', native_enum=False, length=40), nullable=False),
    sa.Column('birth_state_code', sa.String(length=2), nullable=True),
    sa.Column('nationality', sa.String(length=60), nullable=True),
    sa.Column('indigenous', sa.Boolean(), nullable=True),
    sa.Column('indigenous_languages', sa.JSON(), nullable=False),
    sa.Column('speaks_spanish', sa.Boolean(), nullable=True),
    sa.Column('afro_mexican', sa.Boolean(), nullable=True),
    sa.Column('disability', sa.JSON(), nullable=False),
    sa.Column('municipality_code', sa.String(length=5), nullable=True),
    sa.Column('may_contact', sa.Boolean(), nullable=False),
    sa.Column('documents_held', sa.JSON(), nullable=False),
    sa.Column('documents_lost', sa.JSON(), nullable=False),
    sa.Column('specific_needs', sa.JSON(), nullable=False),
    sa.Column('name_dob_bidx', sa.Integer(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('given_names_enc', sa.LargeBinary(), nullable=True),
    sa.Column('first_surname_enc', sa.LargeBinary(), nullable=True),
    sa.Column('second_surname_enc', sa.LargeBinary(), nullable=True),
    sa.Column('aliases_enc', sa.LargeBinary(), nullable=True),
    sa.Column('curp_enc', sa.LargeBinary(), nullable=True),
    sa.Column('curp_bidx', sa.Integer(), nullable=True),
    sa.Column('birth_date_enc', sa.LargeBinary(), nullable=True),
    sa.Column('gender_identity_enc', sa.LargeBinary(), nullable=True),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=True),
    sa.Column('phone_bidx', sa.Integer(), nullable=True),
    sa.Column('address_enc', sa.LargeBinary(), nullable=True),
    sa.Column('safe_contact_channel_enc', sa.LargeBinary(), nullable=True),
    sa.Column('protection_risks_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_person_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_curp_bidx'), ['curp_bidx'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name_dob_bidx'), ['name_dob_bidx'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_phone_bidx'), ['phone_bidx'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_state_code'), ['state_code'], unique=False)

    op.create_table('record_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_record_change_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_change'))
    )
    with op.batch_alter_table('record_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_change_changed_by_id'), ['changed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_change_record_id'), ['record_id'], unique=False)

    op.create_table('community_event',
    sa.Column('community_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_community_event_community_id_community')),
    sa.ForeignKeyConstraint(['event_id'], ['displacement_event.id'], name=op.f('fk_community_event_event_id_displacement_event')),
    sa.PrimaryKeyConstraint('community_id', 'event_id', name=op.f('pk_community_event'))
    )
    op.create_table('consent',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('scope', sa.Enum('registration', 'sharing_with_institution', 'statistics', name='consentscope', native_enum=False, length=40), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('signed', 'verbal_with_witness', name='consentmethod', native_enum=False, length=40), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('witness_name_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_consent_institution_id_institution')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_consent_person_id_person')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_consent_registered_by_id_user_account')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user_account.id'], name=op.f('fk_consent_taken_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_state_code'), ['state_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_taken_by_id'), ['taken_by_id'], unique=False)

    op.create_table('displacement_event_cause',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('cause', sa.Enum('generalized_violence', 'armed_conflict', 'human_rights_violations', 'political_conflict', 'religious_conflict', 'community_conflict', 'natural_disaster', 'human_made_disaster', 'development_project', 'other', name='displacementcause', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['displacement_event.id'], name=op.f('fk_displacement_event_cause_event_id_displacement_event')),
    sa.PrimaryKeyConstraint('event_id', 'cause', name=op.f('pk_displacement_event_cause'))
    )
    op.create_table('duplicate_override',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('candidate_ids', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_duplicate_override_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_duplicate_override_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_override'))
    )
    with op.batch_alter_table('duplicate_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_override_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_override_person_id'), ['person_id'], unique=False)

    op.create_table('household',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('municipality_code', sa.String(length=5), nullable=True),
    sa.Column('event_id', sa.Uuid(), nullable=True),
    sa.Column('community_id', sa.Uuid(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_household_community_id_community')),
    sa.ForeignKeyConstraint(['event_id'], ['displacement_event.id'], name=op.f('fk_household_event_id_displacement_event')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_household_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_state_code'), ['state_code'], unique=False)

    op.create_table('household_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('relationship_to_head', sa.Enum('head', 'spouse_or_partner', 'child', 'parent', 'sibling', 'grandchild', 'other_relative', 'not_related', name='relationshiptohead', native_enum=False, length=40), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('left_reason', sa.String(length=40), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_membership_household_id_household')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_household_membership_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_household_membership_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_membership'))
    )
    with op.batch_alter_table('household_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_membership_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_membership_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_membership_recorded_by_id'), ['recorded_by_id'], unique=False)


    # The institutions catalog starts from the seed list; administrators edit it afterwards.
    institution = sa.table("institution", sa.column("code", sa.String), sa.column("name", sa.String),
                           sa.column("active", sa.Boolean), sa.column("version", sa.Integer))
    op.bulk_insert(institution, [{"code": i.code, "name": i.name, "active": True, "version": 1}
                                 for i in DEFAULT_INSTITUTIONS])


def downgrade() -> None:
    with op.batch_alter_table('household_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_membership_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_household_membership_person_id'))
        batch_op.drop_index(batch_op.f('ix_household_membership_household_id'))

    op.drop_table('household_membership')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_state_code'))
        batch_op.drop_index(batch_op.f('ix_household_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_household_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_household_event_id'))
        batch_op.drop_index(batch_op.f('ix_household_created_at'))
        batch_op.drop_index(batch_op.f('ix_household_community_id'))

    op.drop_table('household')
    with op.batch_alter_table('duplicate_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_override_person_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_override_created_by_id'))

    op.drop_table('duplicate_override')
    op.drop_table('displacement_event_cause')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_taken_by_id'))
        batch_op.drop_index(batch_op.f('ix_consent_state_code'))
        batch_op.drop_index(batch_op.f('ix_consent_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_consent_person_id'))
        batch_op.drop_index(batch_op.f('ix_consent_institution_id'))

    op.drop_table('consent')
    op.drop_table('community_event')
    with op.batch_alter_table('record_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_change_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_change_changed_by_id'))

    op.drop_table('record_change')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_state_code'))
        batch_op.drop_index(batch_op.f('ix_person_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_person_phone_bidx'))
        batch_op.drop_index(batch_op.f('ix_person_name_dob_bidx'))
        batch_op.drop_index(batch_op.f('ix_person_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_person_curp_bidx'))
        batch_op.drop_index(batch_op.f('ix_person_created_at'))

    op.drop_table('person')
    with op.batch_alter_table('displacement_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_displacement_event_state_code'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_started_on'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_origin_state_code'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_origin_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_event_type'))
        batch_op.drop_index(batch_op.f('ix_displacement_event_created_at'))

    op.drop_table('displacement_event')
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_state_code'))
        batch_op.drop_index(batch_op.f('ix_community_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_community_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_community_created_at'))

    op.drop_table('community')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_state_code'))

    op.drop_table('institution')
