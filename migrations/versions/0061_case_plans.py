"""case_plan, plan_goal, plan_action: case plans with revisions, goals and actions

Revision ID: 0061_case_plans
Revises: 0060_case_flags_transfers
Create Date: 2026-11-28 02:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0061_case_plans'
down_revision = '0060_case_flags_transfers'
branch_labels = None
depends_on = None

PLAN_STATUSES = ('draft', 'submitted', 'approved', 'rejected', 'superseded')
ACTION_STATUSES = ('pending', 'in_progress', 'done', 'cancelled')
CRITERIA = ('safety', 'standard_of_living', 'livelihoods', 'housing_land_property', 'documentation',
            'family_reunification', 'participation', 'remedies_and_justice')
NEEDS = ('shelter', 'food', 'wash', 'non_food_items', 'medical_care', 'psychosocial_care', 'legal_advice',
         'documentation', 'education', 'cash_transfer', 'employment_training', 'housing', 'protection_measures',
         'transport', 'family_tracing')


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table('case_plan',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', _enum(PLAN_STATUSES, 'planstatus'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('summary_enc', sa.LargeBinary(), nullable=True),
    sa.Column('comment_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_plan_case_id_case_file')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_case_plan_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_case_plan_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_plan')),
    sa.UniqueConstraint('case_id', 'revision', name=op.f('uq_case_plan_case_id'))
    )
    with op.batch_alter_table('case_plan', schema=None) as batch_op:
        for column in ('case_id', 'created_by_id', 'decided_by_id', 'status', 'submitted_by_id'):
            batch_op.create_index(batch_op.f(f'ix_case_plan_{column}'), [column], unique=False)

    op.create_table('plan_goal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('criterion', _enum(CRITERIA, 'iasccriterion'), nullable=True),
    sa.Column('need', _enum(NEEDS, 'assistancetype'), nullable=True),
    sa.Column('description_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['case_plan.id'], name=op.f('fk_plan_goal_plan_id_case_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal'))
    )
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_action',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('responsible_user_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', _enum(ACTION_STATUSES, 'actionstatus'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_plan_action_case_id_case_file')),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goal.id'], name=op.f('fk_plan_action_goal_id_plan_goal')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_plan_action_institution_id_institution')),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['user_account.id'], name=op.f('fk_plan_action_responsible_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        for column in ('case_id', 'due_on', 'goal_id', 'responsible_user_id', 'status'):
            batch_op.create_index(batch_op.f(f'ix_plan_action_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('plan_action')
    op.drop_table('plan_goal')
    op.drop_table('case_plan')
