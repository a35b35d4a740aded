"""hospital notification messages and stays

Revision ID: 0850
Revises: 0700
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0850'
down_revision = '0820'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hospital_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('episode', sa.String(length=200), nullable=False),
    sa.Column('cpr', sa.String(length=10), nullable=False),
    sa.Column('sender_sor', sa.String(length=18), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('pathway_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=False),
    sa.Column('ack', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_hospital_message_client_id_api_client')),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_hospital_message_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_hospital_message_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_message')),
    sa.UniqueConstraint('client_id', 'message_id', name='uq_hospital_message_client_id')
    )
    with op.batch_alter_table('hospital_message', schema=None) as batch_op:
        batch_op.create_index('ix_hospital_message_outcome', ['outcome'], unique=False)

    op.create_table('hospital_stay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('episode', sa.String(length=200), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('encounter_class', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leaves', sa.JSON(), nullable=False),
    sa.Column('previous_stage', sa.String(length=64), nullable=True),
    sa.Column('effect', sa.String(length=20), nullable=True),
    sa.Column('lock_after', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_hospital_stay_client_id_api_client')),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_hospital_stay_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_hospital_stay_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_stay')),
    sa.UniqueConstraint('client_id', 'episode', name='uq_hospital_stay_client_episode')
    )
    with op.batch_alter_table('hospital_stay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_stay_patient_id'), ['patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('hospital_stay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_stay_patient_id'))
    op.drop_table('hospital_stay')
    with op.batch_alter_table('hospital_message', schema=None) as batch_op:
        batch_op.drop_index('ix_hospital_message_outcome')
    op.drop_table('hospital_message')
