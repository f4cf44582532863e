"""community_representative and collective_measure: community cases end to end

Revision ID: 0062_community_cases
Revises: 0061_case_plans
Create Date: 2026-11-28 02:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0062_community_cases'
down_revision = '0061_case_plans'
branch_labels = None
depends_on = None

MEASURE_TYPES = ('return_with_guarantees', 'collective_relocation', 'collective_protection', 'dialogue',
                 'land_restitution', 'community_services', 'other')
MEASURE_STATUSES = ('planned', 'in_progress', 'done', 'cancelled')


def upgrade() -> None:
    op.create_table('community_representative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_community_representative_community_id_community')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_community_representative_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_community_representative_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_representative')),
    sa.UniqueConstraint('community_id', 'person_id', name=op.f('uq_community_representative_community_id'))
    )
    with op.batch_alter_table('community_representative', schema=None) as batch_op:
        for column in ('community_id', 'person_id', 'recorded_by_id'):
            batch_op.create_index(batch_op.f(f'ix_community_representative_{column}'), [column], unique=False)

    op.create_table('collective_measure',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('measure_type', sa.Enum(*MEASURE_TYPES, name='collectivemeasuretype', native_enum=False, length=40), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('measure_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum(*MEASURE_STATUSES, name='measurestatus', native_enum=False, length=40), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_collective_measure_case_id_case_file')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_collective_measure_institution_id_institution')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_collective_measure_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_measure'))
    )
    with op.batch_alter_table('collective_measure', schema=None) as batch_op:
        for column in ('case_id', 'recorded_by_id'):
            batch_op.create_index(batch_op.f(f'ix_collective_measure_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('collective_measure')
    op.drop_table('community_representative')
