"""referral.responded_at: when the institution first answered (reports' response time)

Revision ID: 0071_referral_responded_at
Revises: 0070_person_age_group
Create Date: 2026-11-27 22:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0071_referral_responded_at'
down_revision = '0070_person_age_group'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
    # Existing answers: the last status change is the best moment known.
    op.execute("UPDATE referral SET responded_at = updated_at WHERE status <> 'sent'")


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('responded_at')
