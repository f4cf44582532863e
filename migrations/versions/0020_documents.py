"""documents: attachments on records and their encrypted versions

Revision ID: 0020_documents
Revises: 0080_rights_arco_requests
Create Date: 2026-11-28 01:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_documents'
down_revision = '0080_rights_arco_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('generated_from', sa.String(length=32), nullable=True),
    sa.Column('delete_reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attachment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user_account.id'], name=op.f('fk_attachment_deleted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_record', ['record_type', 'record_id'], unique=False)

    op.create_table('attachment_version',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('attachment_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('mime', sa.String(length=80), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('stored_size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=120), nullable=True),
    sa.Column('file_name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('data_key_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_attachment_version_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attachment_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_version')),
    sa.UniqueConstraint('attachment_id', 'number', name=op.f('uq_attachment_version_attachment_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachment_version_storage_key'))
    )
    with op.batch_alter_table('attachment_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_version_attachment_id'), ['attachment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_version_attachment_id'))
    op.drop_table('attachment_version')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_record')
    op.drop_table('attachment')
