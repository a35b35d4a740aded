"""patient area: patient accounts, activation codes, patient sessions, planned contacts,
questionnaires from home, follow-up tasks, versioned crisis plans, relatives' consent, passkeys and the
message outbox

Revision ID: 0870
Revises: 0700
"""
from alembic import op
import sqlalchemy as sa


revision = '0870'
down_revision = '0860'
branch_labels = None
depends_on = None


def _ts(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table('patient_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    _ts('created_at'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_account_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_account')),
    sa.UniqueConstraint('username', name=op.f('uq_patient_account_username'))
    )
    op.create_index(op.f('ix_patient_account_patient_id'), 'patient_account', ['patient_id'], unique=False)
    op.create_table('patient_activation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    _ts('created_at'), _ts('expires_at'), _ts('used_at', True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_activation_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_activation')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_patient_activation_code_hash'))
    )
    op.create_index(op.f('ix_patient_activation_patient_id'), 'patient_activation', ['patient_id'], unique=False)
    op.create_table('patient_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    _ts('created_at'), _ts('last_seen_at'), _ts('ended_at', True),
    sa.ForeignKeyConstraint(['account_id'], ['patient_account.id'], name=op.f('fk_patient_session_account_id_patient_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_patient_session_token_hash'))
    )
    op.create_index(op.f('ix_patient_session_account_id'), 'patient_session', ['account_id'], unique=False)
    op.create_table('planned_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    _ts('starts_at'),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    _ts('created_at'), _ts('updated_at'),
    sa.ForeignKeyConstraint(['org_code'], ['organisation.code'], name=op.f('fk_planned_contact_org_code_organisation')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_planned_contact_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_contact'))
    )
    op.create_index('ix_planned_contact_patient_starts', 'planned_contact', ['patient_id', 'starts_at'], unique=False)
    op.create_index('ix_planned_contact_org_starts', 'planned_contact', ['org_code', 'starts_at'], unique=False)
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    _ts('requested_at'), _ts('answered_at', True),
    sa.Column('answered_by', sa.String(length=80), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('zone', sa.String(length=10), nullable=True),
    _ts('reminded_at', True), _ts('escalated_at', True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_questionnaire_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire'))
    )
    op.create_index('ix_questionnaire_patient_requested', 'questionnaire', ['patient_id', 'requested_at'], unique=False)
    op.create_index('ix_questionnaire_open', 'questionnaire', ['answered_at', 'requested_at'], unique=False)
    op.create_index('ix_questionnaire_patient_answered', 'questionnaire', ['patient_id', 'answered_at'], unique=False)
    op.create_table('followup_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('zone', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    _ts('due_at'), _ts('created_at'), _ts('done_at', True),
    sa.Column('done_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_followup_task_patient_id_patient')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_followup_task_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_task'))
    )
    op.create_index('ix_followup_task_org_done', 'followup_task', ['org_code', 'done_at'], unique=False)
    op.create_index('ix_followup_task_patient', 'followup_task', ['patient_id'], unique=False)
    op.create_table('crisis_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('warning_signs', sa.Text(), nullable=False),
    sa.Column('what_helps', sa.Text(), nullable=False),
    sa.Column('call_day', sa.Text(), nullable=False),
    sa.Column('call_night', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    _ts('created_at'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_crisis_plan_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_plan')),
    sa.UniqueConstraint('patient_id', 'version', name='uq_crisis_plan_patient_version')
    )
    op.create_table('relative_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('relative_name', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    _ts('granted_at'),
    sa.Column('granted_by', sa.String(length=80), nullable=False),
    _ts('revoked_at', True),
    sa.Column('revoked_by', sa.String(length=80), nullable=True),
    sa.Column('activation_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_relative_consent_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative_consent'))
    )
    op.create_index(op.f('ix_relative_consent_patient_id'), 'relative_consent', ['patient_id'], unique=False)
    op.create_table('patient_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=512), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    _ts('created_at'), _ts('last_used_at', True),
    sa.ForeignKeyConstraint(['account_id'], ['patient_account.id'], name=op.f('fk_patient_credential_account_id_patient_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_credential')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_patient_credential_credential_id'))
    )
    op.create_index(op.f('ix_patient_credential_account_id'), 'patient_credential', ['account_id'], unique=False)
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    _ts('created_at'),
    sa.ForeignKeyConstraint(['account_id'], ['patient_account.id'], name=op.f('fk_outbox_message_account_id_patient_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    op.create_index(op.f('ix_outbox_message_account_id'), 'outbox_message', ['account_id'], unique=False)


def downgrade():
    for table in ('outbox_message', 'patient_credential', 'relative_consent', 'crisis_plan', 'followup_task', 'questionnaire', 'planned_contact',
                  'patient_session', 'patient_activation', 'patient_account'):
        op.drop_table(table)
