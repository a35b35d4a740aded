"""clinic: guarantee at treatment start, reassessment and suicide-risk summary, notices,
hospital-systems API clients and events, indexes for the bounded patient page

Revision ID: 0600
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0600'
down_revision = '0400'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('treatment_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('guarantee_breach_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reassess_at', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('suicide_risk', sa.String(length=20), nullable=True))
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.create_index('ix_task_record_pathway_id_id', ['pathway_id', 'id'], unique=False)
        batch_op.create_index('ix_task_record_pathway_form', ['pathway_id', 'form_id', 'id'],
                              unique=False)
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('sender_org', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_notice_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_notice_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('pathway_id', 'key', name='uq_notice_pathway_key')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_org_code_created_at', ['org_code', 'created_at'], unique=False)
    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('organisation_code', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_code'], ['organisation.code'], name=op.f('fk_api_client_organisation_code_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('name', name=op.f('uq_api_client_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_client_token_hash'))
    )
    op.create_table('api_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('pathway_id', sa.Integer(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_event_client_id_api_client')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_event')),
    sa.UniqueConstraint('client_id', 'event_id', name='uq_api_event_client_event')
    )


def downgrade():
    op.drop_table('api_event')
    op.drop_table('api_client')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_org_code_created_at')
    op.drop_table('notice')
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.drop_index('ix_task_record_pathway_form')
        batch_op.drop_index('ix_task_record_pathway_id_id')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_column('suicide_risk')
        batch_op.drop_column('reassess_at')
        batch_op.drop_column('guarantee_breach_reason')
        batch_op.drop_column('treatment_started_at')
