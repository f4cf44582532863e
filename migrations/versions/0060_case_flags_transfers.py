"""case_flag and case_transfer: flags raised on a case, transfers between states

Revision ID: 0060_case_flags_transfers
Revises: 0021_letters
Create Date: 2026-11-28 01:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0060_case_flags_transfers'
down_revision = '0021_letters'
branch_labels = None
depends_on = None

FLAG_TYPES = ('security_risk', 'missing_person', 'unaccompanied_child', 'urgent_health', 'other')
TRANSFER_STATUSES = ('pending', 'accepted', 'declined', 'cancelled')


def upgrade() -> None:
    op.create_table('case_flag',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('flag_type', sa.Enum(*FLAG_TYPES, name='flagtype', native_enum=False, length=40), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lowered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lowered_by_id', sa.Integer(), nullable=True),
    sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
    sa.Column('lowered_reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_flag_case_id_case_file')),
    sa.ForeignKeyConstraint(['lowered_by_id'], ['user_account.id'], name=op.f('fk_case_flag_lowered_by_id_user_account')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_case_flag_raised_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_flag'))
    )
    with op.batch_alter_table('case_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_flag_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_flag_flag_type'), ['flag_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_flag_lowered_at'), ['lowered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_flag_lowered_by_id'), ['lowered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_flag_raised_by_id'), ['raised_by_id'], unique=False)

    op.create_table('case_transfer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('from_state_code', sa.String(length=2), nullable=False),
    sa.Column('to_state_code', sa.String(length=2), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum(*TRANSFER_STATUSES, name='transferstatus', native_enum=False, length=40), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_owner_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
    sa.Column('comment_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_transfer_case_id_case_file')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_case_transfer_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['new_owner_id'], ['user_account.id'], name=op.f('fk_case_transfer_new_owner_id_user_account')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_case_transfer_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transfer'))
    )
    with op.batch_alter_table('case_transfer', schema=None) as batch_op:
        for column in ('batch_id', 'case_id', 'decided_by_id', 'from_state_code', 'new_owner_id', 'requested_by_id',
                       'status', 'to_state_code'):
            batch_op.create_index(batch_op.f(f'ix_case_transfer_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('case_transfer')
    op.drop_table('case_flag')
