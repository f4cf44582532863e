"""objections (derecho de oposición): the uses of their data a person opposed

Revision ID: 0082_rights_objections
Revises: 0081_rights_blocking
Create Date: 2026-11-28 01:43:43
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0082_rights_objections'
down_revision = '0081_rights_blocking'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('objection',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('use', sa.Enum('statistics', 'referral', name='objectionuse', native_enum=False, length=40), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('arco_request_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['arco_request_id'], ['arco_request.id'], name=op.f('fk_objection_arco_request_id_arco_request')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_objection_institution_id_institution')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_objection_person_id_person')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_objection_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_arco_request_id'), ['arco_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_state_code'), ['state_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_state_code'))
        batch_op.drop_index(batch_op.f('ix_objection_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_objection_person_id'))
        batch_op.drop_index(batch_op.f('ix_objection_arco_request_id'))

    op.drop_table('objection')
