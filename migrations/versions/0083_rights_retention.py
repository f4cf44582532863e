"""retention runs (resumable cursor) and baja documental records

Revision ID: 0083_rights_retention
Revises: 0082_rights_objections
Create Date: 2026-11-28 01:48:20
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0083_rights_retention'
down_revision = '0082_rights_objections'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('retention_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cursor', sa.String(length=64), nullable=True),
    sa.Column('reviewed', sa.Integer(), nullable=False),
    sa.Column('blocked', sa.Integer(), nullable=False),
    sa.Column('suppressed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_run'))
    )
    op.create_table('disposal_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('series', sa.String(length=200), nullable=False),
    sa.Column('vigencia', sa.String(length=60), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('disposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_disposal_record_person_id_person')),
    sa.ForeignKeyConstraint(['run_id'], ['retention_run.id'], name=op.f('fk_disposal_record_run_id_retention_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_record'))
    )
    with op.batch_alter_table('disposal_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposal_record_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposal_record_state_code'), ['state_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('disposal_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_record_state_code'))
        batch_op.drop_index(batch_op.f('ix_disposal_record_run_id'))
        batch_op.drop_index(batch_op.f('ix_disposal_record_person_id'))

    op.drop_table('disposal_record')
    op.drop_table('retention_run')
