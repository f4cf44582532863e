"""interface language chosen by each user (es_MX or en)

Revision ID: 0095_user_language
Revises: 0090_api_tokens
Create Date: 2026-11-28 07:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0095_user_language'
down_revision = '0090_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), server_default='es_MX', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('language')
