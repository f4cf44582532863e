"""blocking (bloqueo) of persons, deletion tombstones and legal holds

Revision ID: 0081_rights_blocking
Revises: 0062_community_cases
Create Date: 2026-11-28 01:25:04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0081_rights_blocking'
down_revision = '0062_community_cases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_block',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('arco_request_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('blocked_by_id', sa.Integer(), nullable=True),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unblocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unblocked_by_id', sa.Integer(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
    sa.Column('unblock_reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['arco_request_id'], ['arco_request.id'], name=op.f('fk_person_block_arco_request_id_arco_request')),
    sa.ForeignKeyConstraint(['blocked_by_id'], ['user_account.id'], name=op.f('fk_person_block_blocked_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_block_person_id_person')),
    sa.ForeignKeyConstraint(['unblocked_by_id'], ['user_account.id'], name=op.f('fk_person_block_unblocked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_block'))
    )
    with op.batch_alter_table('person_block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_block_arco_request_id'), ['arco_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_block_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_block_state_code'), ['state_code'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suppressed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('legal_hold')
        batch_op.drop_column('suppressed_at')
        batch_op.drop_column('blocked_at')

    with op.batch_alter_table('person_block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_block_state_code'))
        batch_op.drop_index(batch_op.f('ix_person_block_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_block_arco_request_id'))

    op.drop_table('person_block')
