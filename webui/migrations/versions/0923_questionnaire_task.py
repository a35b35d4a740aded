"""questionnaires from home linked to the pathway's patient task; closed questionnaires

Revision ID: 0923
Revises: 0880
Create Date: 2026-12-06 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0923'
down_revision = '0880'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pathway_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('task_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_questionnaire_task', ['task_id'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaire_task')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('task_id')
        batch_op.drop_column('pathway_id')
