"""pathway markers; SOR codes bound to API clients; who reconciled a hospital message

Revision ID: 0925
Revises: 0880
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0925'
down_revision = '0923'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pathway_marker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('point', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('system', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('display', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_pathway_marker_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_pathway_marker_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway_marker')),
    sa.UniqueConstraint('pathway_id', 'key', name='uq_pathway_marker_pathway_key')
    )
    with op.batch_alter_table('pathway_marker', schema=None) as batch_op:
        batch_op.create_index('ix_pathway_marker_patient', ['patient_id', 'at'], unique=False)
        batch_op.create_index('ix_pathway_marker_recorded', ['recorded_at'], unique=False)
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sor_codes', sa.String(length=400), nullable=True))
    with op.batch_alter_table('hospital_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconciled_by', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('hospital_message', schema=None) as batch_op:
        batch_op.drop_column('reconciled_by')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_column('sor_codes')
    with op.batch_alter_table('pathway_marker', schema=None) as batch_op:
        batch_op.drop_index('ix_pathway_marker_recorded')
        batch_op.drop_index('ix_pathway_marker_patient')
    op.drop_table('pathway_marker')
