"""person.age_group: the age band at registration, backfilled once by decrypting existing dates of birth

Revision ID: 0070_person_age_group
Revises: 0030_imports
Create Date: 2026-11-27 22:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dfi_casos.reports.backfill import backfill_age_groups

revision = '0070_person_age_group'
down_revision = '0030_imports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_group', sa.Enum('0-4', '5-11', '12-17', '18-29', '30-59', '60+',
                                                           name='agegroup', native_enum=False, length=40),
                                      nullable=True))
    # Needs the field keys (the app context `dfi-casos db upgrade` provides) only when rows exist.
    backfill_age_groups(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('age_group')
