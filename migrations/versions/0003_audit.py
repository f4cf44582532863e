"""audit: actor territory, object territory and folio on audit entries

Revision ID: 0003_audit
Revises: 0002_registry
Create Date: 2026-11-25 01:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_audit'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_states', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('object_state', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('folio', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_folio'), ['folio'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_object_state'), ['object_state'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_occurred_at'), ['occurred_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_object_state'))
        batch_op.drop_index(batch_op.f('ix_audit_event_folio'))
        batch_op.drop_column('folio')
        batch_op.drop_column('object_state')
        batch_op.drop_column('actor_states')
