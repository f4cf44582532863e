"""case_file indexes for the home page and Mis casos at scale (#20)

The home page's idle candidates are the 200 open cases of the state changed longest ago: read in order
from (state_code, status, updated_at, id) instead of sorting every open case of the state
(19 ms at 1,000,000 persons, 0.1 ms with the index). The recognitions waiting for a decision are a
handful: an index of recognition_status finds them without reading the table.

Revision ID: 0106_case_worklist_indexes
Revises: 0105_person_hidden_indexes
Create Date: 2026-11-28 10:50:00
"""
from __future__ import annotations

from alembic import op


revision = '0106_case_worklist_indexes'
down_revision = '0105_person_hidden_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain, not partial: the statements bind the status, and a generic plan cannot prove a partial condition.
    op.create_index('ix_case_file_state_status_updated', 'case_file', ['state_code', 'status', 'updated_at', 'id'])
    op.create_index('ix_case_file_recognition_status', 'case_file', ['recognition_status'])


def downgrade() -> None:
    op.drop_index('ix_case_file_recognition_status', table_name='case_file')
    op.drop_index('ix_case_file_state_status_updated', table_name='case_file')
