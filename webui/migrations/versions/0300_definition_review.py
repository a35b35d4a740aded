"""definition versions get a review status, a base version and a history of events

Revision ID: 0300
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0300'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('definition_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False,
                                      server_default='superseded'))
        batch_op.add_column(sa.Column('base_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('scenario_results', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_definition_version_status'), ['status'], unique=False)
    # Until now the newest version was the one new pathways started on: it becomes current.
    op.execute("UPDATE definition_version SET status = 'current' "
               "WHERE id = (SELECT MAX(id) FROM definition_version)")
    with op.batch_alter_table('definition_version', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
    op.create_table('definition_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['definition_version.id'], name=op.f('fk_definition_event_version_id_definition_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_definition_event'))
    )
    with op.batch_alter_table('definition_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definition_event_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('definition_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definition_event_version_id'))
    op.drop_table('definition_event')
    with op.batch_alter_table('definition_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definition_version_status'))
        batch_op.drop_column('scenario_results')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('base_version_id')
        batch_op.drop_column('status')
