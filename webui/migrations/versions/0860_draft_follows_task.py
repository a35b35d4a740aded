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
down_revision = '0830'
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
    # existing drafts learn their task's element, form and title; drafts whose task is no
    # longer open (left behind before drafts could follow their task) are kept, closed, so the
    # patient page shows them instead of nobody ever seeing them again
    for column in ('task_spec', 'form_id', 'title'):
        op.execute(f"UPDATE task_draft SET {column} = (SELECT w.{column} FROM worklist_item w "
                   f"WHERE w.pathway_id = task_draft.pathway_id AND w.task_id = task_draft.task_id) "
                   f"WHERE EXISTS (SELECT 1 FROM worklist_item w WHERE w.pathway_id = "
                   f"task_draft.pathway_id AND w.task_id = task_draft.task_id)")
    op.execute("UPDATE task_draft SET closed_at = saved_at WHERE NOT EXISTS (SELECT 1 FROM "
               "worklist_item w WHERE w.pathway_id = task_draft.pathway_id AND "
               "w.task_id = task_draft.task_id)")
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
