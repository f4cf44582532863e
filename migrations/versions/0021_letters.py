"""documents: referral letter templates per kind of institution, and the oficio number counter

Revision ID: 0021_letters
Revises: 0020_documents
Create Date: 2026-11-28 01:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021_letters'
down_revision = '0020_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('copies', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_letter_template_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('institution_kind', name=op.f('uq_letter_template_institution_kind'))
    )
    op.create_table('letter_counter',
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('state_code', 'year', name=op.f('pk_letter_counter'))
    )


def downgrade() -> None:
    op.drop_table('letter_counter')
    op.drop_table('letter_template')
