"""drafts know their task and whether it closed; history knows the task it completed;
migration jobs are claimed by one runner at a time

Revision ID: 0860
Revises: 0700
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0860'
down_revision = '0700'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('task_spec', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=300), nullable=True))
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.String(length=36), nullable=True))
    with op.batch_alter_table('migration_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('migration_job', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.drop_column('task_id')
    with op.batch_alter_table('task_draft', schema=None) as batch_op:
        batch_op.drop_column('closed_reason')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('title')
        batch_op.drop_column('task_spec')
        batch_op.drop_column('form_id')
