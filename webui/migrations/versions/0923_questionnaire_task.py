"""questionnaires from home linked to the pathway's patient task; closed questionnaires;
crisis and relapse-prevention plans as form data

Revision ID: 0923
Revises: 0880
Create Date: 2026-12-06 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0923'
down_revision = '0920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pathway_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('task_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_questionnaire_task', ['task_id'], unique=False)
    with op.batch_alter_table('crisis_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), server_default='kriseplan', nullable=False))
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('definition_version_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_crisis_plan_patient_version', type_='unique')
        batch_op.create_unique_constraint('uq_crisis_plan_patient_kind_version', ['patient_id', 'kind', 'version'])


def downgrade():
    with op.batch_alter_table('crisis_plan', schema=None) as batch_op:
        batch_op.drop_constraint('uq_crisis_plan_patient_kind_version', type_='unique')
        batch_op.create_unique_constraint('uq_crisis_plan_patient_version', ['patient_id', 'version'])
        batch_op.drop_column('definition_version_id')
        batch_op.drop_column('data')
        batch_op.drop_column('kind')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaire_task')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('task_id')
        batch_op.drop_column('pathway_id')
