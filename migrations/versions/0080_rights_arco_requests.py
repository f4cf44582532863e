"""ARCO requests and the business-day calendar (its published non-working periods)

Revision ID: 0080_rights_arco_requests
Revises: 0040_search_tokens_merge
Create Date: 2026-11-28 01:11:51
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0080_rights_arco_requests'
down_revision = '0040_search_tokens_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendar')),
    sa.UniqueConstraint('code', name=op.f('uq_business_calendar_code'))
    )
    op.create_table('calendar_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendar.id'], name=op.f('fk_calendar_period_calendar_id_business_calendar')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calendar_period_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_period'))
    )
    with op.batch_alter_table('calendar_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_period_calendar_id'), ['calendar_id'], unique=False)

    op.create_table('arco_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('folio', sa.String(length=40), nullable=False),
    sa.Column('right', sa.Enum('access', 'rectification', 'cancellation', 'opposition', name='arcoright', native_enum=False, length=40), nullable=False),
    sa.Column('status', sa.Enum('received', 'in_process', 'extended', 'answered', 'declined', 'closed', name='arcostatus', native_enum=False, length=40), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.Enum('in_person', 'email', 'platform', 'mail', 'other', name='arcochannel', native_enum=False, length=40), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('identity_verified', sa.Boolean(), nullable=False),
    sa.Column('identity_document', sa.Enum('ine', 'passport', 'professional_id', 'migration_document', 'witness', 'other', name='identitydocument', native_enum=False, length=40), nullable=True),
    sa.Column('identity_verified_by_id', sa.Integer(), nullable=True),
    sa.Column('identity_verified_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('calendar_code', sa.String(length=40), nullable=False),
    sa.Column('calendar_revision', sa.Integer(), nullable=False),
    sa.Column('extended_on', sa.Date(), nullable=True),
    sa.Column('original_due_on', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('execute_by', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('requester_name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('representative_enc', sa.LargeBinary(), nullable=True),
    sa.Column('description_enc', sa.LargeBinary(), nullable=True),
    sa.Column('extension_reason_enc', sa.LargeBinary(), nullable=True),
    sa.Column('response_enc', sa.LargeBinary(), nullable=True),
    sa.Column('decline_reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['identity_verified_by_id'], ['user_account.id'], name=op.f('fk_arco_request_identity_verified_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_arco_request_person_id_person')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_arco_request_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arco_request')),
    sa.UniqueConstraint('folio', name=op.f('uq_arco_request_folio'))
    )
    with op.batch_alter_table('arco_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arco_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_arco_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arco_request_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arco_request_right'), ['right'], unique=False)
        batch_op.create_index(batch_op.f('ix_arco_request_state_code'), ['state_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_arco_request_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('arco_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arco_request_status'))
        batch_op.drop_index(batch_op.f('ix_arco_request_state_code'))
        batch_op.drop_index(batch_op.f('ix_arco_request_right'))
        batch_op.drop_index(batch_op.f('ix_arco_request_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_arco_request_person_id'))
        batch_op.drop_index(batch_op.f('ix_arco_request_due_on'))

    op.drop_table('arco_request')
    with op.batch_alter_table('calendar_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_period_calendar_id'))

    op.drop_table('calendar_period')
    op.drop_table('business_calendar')
