"""sandbox_failure: steps that failed in the sandbox, counted per version and element

Revision ID: 0200
Revises: 0001
Create Date: 2026-11-24 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0200'
down_revision = '0300'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sandbox_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('element', sa.String(length=200), nullable=False),
    sa.Column('limit_kind', sa.String(length=20), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_failure'))
    )
    with op.batch_alter_table('sandbox_failure', schema=None) as batch_op:
        batch_op.create_index('ix_sandbox_failure_version_element', ['version_id', 'element'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sandbox_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sandbox_failure_version_element')
    op.drop_table('sandbox_failure')
