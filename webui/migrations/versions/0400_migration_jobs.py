"""bulk migration jobs, their items, and the per-version auto-migrate flag

Revision ID: 0400
Revises: 0001
Create Date: 2026-11-24 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0400'
down_revision = '0200'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('migration_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_version_id', sa.Integer(), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['target_version_id'], ['definition_version.id'], name=op.f('fk_migration_job_target_version_id_definition_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_job'))
    )
    with op.batch_alter_table('migration_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_migration_job_status'), ['status'], unique=False)

    op.create_table('migration_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['migration_job.id'], name=op.f('fk_migration_item_job_id_migration_job')),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_migration_item_pathway_id_pathway')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_item'))
    )
    with op.batch_alter_table('migration_item', schema=None) as batch_op:
        batch_op.create_index('ix_migration_item_job_status', ['job_id', 'status', 'id'], unique=False)

    op.create_table('version_migration_policy',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('auto_migrate', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(length=80), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['definition_version.id'], name=op.f('fk_version_migration_policy_version_id_definition_version')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_migration_policy'))
    )


def downgrade():
    op.drop_table('version_migration_policy')
    with op.batch_alter_table('migration_item', schema=None) as batch_op:
        batch_op.drop_index('ix_migration_item_job_status')
    op.drop_table('migration_item')
    with op.batch_alter_table('migration_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_migration_job_status'))
    op.drop_table('migration_job')
