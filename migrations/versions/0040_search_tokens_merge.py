"""name token index, merge tombstones and merge log

Revision ID: 0040_search_tokens_merge
Revises: 0030_imports
Create Date: 2026-11-27 22:30:00

Existing persons get their name tokens from `dfi-casos keys rotate --indexes` (docs/encryption.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0040_search_tokens_merge'
down_revision = '0071_referral_responded_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_name_token',
        sa.Column('person_id', sa.Uuid(), nullable=False),
        sa.Column('token', sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_name_token_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'token', name=op.f('pk_person_name_token')),
    )
    op.create_index('ix_person_name_token_token', 'person_name_token', ['token', 'person_id'], unique=False)
    op.create_table(
        'record_merge',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('record_type', sa.String(length=20), nullable=False),
        sa.Column('survivor_id', sa.String(length=64), nullable=False),
        sa.Column('absorbed_id', sa.String(length=64), nullable=False),
        sa.Column('fields_taken', sa.JSON(), nullable=False),
        sa.Column('moved', sa.JSON(), nullable=False),
        sa.Column('survivor_version', sa.Integer(), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('state_code', sa.String(length=2), nullable=False),
        sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
        sa.Column('survivor_before_enc', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['merged_by_id'], ['user_account.id'], name=op.f('fk_record_merge_merged_by_id_user_account')),
        sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'], name=op.f('fk_record_merge_undone_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_record_merge')),
    )
    with op.batch_alter_table('record_merge', schema=None) as batch_op:
        batch_op.create_index('ix_record_merge_absorbed_id', ['absorbed_id'], unique=False)
        batch_op.create_index('ix_record_merge_merged_by_id', ['merged_by_id'], unique=False)
        batch_op.create_index('ix_record_merge_state_code', ['state_code'], unique=False)
        batch_op.create_index('ix_record_merge_survivor_id', ['survivor_id'], unique=False)
    for table in ('person', 'household'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('merged_into_id', sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_merged_into_id_{table}', table, ['merged_into_id'], ['id'])


def downgrade() -> None:
    for table in ('household', 'person'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_merged_into_id_{table}', type_='foreignkey')
            batch_op.drop_column('merged_into_id')
    op.drop_table('record_merge')
    op.drop_index('ix_person_name_token_token', table_name='person_name_token')
    op.drop_table('person_name_token')
