"""validation and dry-run jobs: a process owner's validation with scenarios and migration dry
runs over many pathways, run by the timer worker

Revision ID: 0919
Revises: 0880
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0919'
down_revision = '0880'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('validation_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('scenarios', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_job'))
    )
    with op.batch_alter_table('validation_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_validation_job_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_validation_job_status'), ['status'], unique=False)
    op.create_table('dry_run_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('target_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dry_run_job'))
    )
    with op.batch_alter_table('dry_run_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dry_run_job_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_dry_run_job_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_dry_run_job_target_version_id'), ['target_version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dry_run_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dry_run_job_target_version_id'))
        batch_op.drop_index(batch_op.f('ix_dry_run_job_status'))
        batch_op.drop_index(batch_op.f('ix_dry_run_job_created_by'))
    op.drop_table('dry_run_job')
    with op.batch_alter_table('validation_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_validation_job_status'))
        batch_op.drop_index(batch_op.f('ix_validation_job_created_by'))
    op.drop_table('validation_job')
