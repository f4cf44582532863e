"""territory list indexes

Revision ID: 0006_list_indexes
Revises: 0005_solutions
Create Date: 2026-11-25 02:04:56.805851
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006_list_indexes'
down_revision = '0005_solutions'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index('ix_case_file_state_created', ['state_code', 'created_at'], unique=False)

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_state_created', ['state_code', 'created_at'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_state_created', ['state_code', 'created_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_state_created')

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_state_created')

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_state_created')


