"""partial indexes of the blocked and the merged persons (#20: scope and name search at scale)

`scope.blocked_person_ids()` (every scoped case and consent query) read the whole person table to
find the few blocked persons; the name search's candidates over the whole registry visited a person
row per token to leave tombstones out. Each now reads a partial index of a handful of rows.

Revision ID: 0105_person_hidden_indexes
Revises: 0095_user_language
Create Date: 2026-11-28 10:05:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0105_person_hidden_indexes'
down_revision = '0095_user_language'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, column in (('ix_person_blocked', 'blocked_at'), ('ix_person_merged', 'merged_into_id')):
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(name, 'person', ['id'], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_index('ix_person_merged', table_name='person')
    op.drop_index('ix_person_blocked', table_name='person')
