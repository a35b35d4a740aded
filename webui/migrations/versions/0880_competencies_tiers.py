"""staff competencies and supervision sessions; the pathway's complexity tier; task competence

Revision ID: 0880
Revises: 0700
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0880'
down_revision = '0870'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_competence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('renewal_due', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_competence_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_competence'))
    )
    with op.batch_alter_table('staff_competence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_competence_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_competence_method'), ['method'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_competence_renewal_due'), ['renewal_due'], unique=False)
    op.create_table('supervision_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('supervisor', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_supervision_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_session'))
    )
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_session_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complexity_tier', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_pathway_complexity_tier'), ['complexity_tier'], unique=False)
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('competence', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.drop_column('competence')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_complexity_tier'))
        batch_op.drop_column('complexity_tier')
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_session_user_id'))
    op.drop_table('supervision_session')
    with op.batch_alter_table('staff_competence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_competence_renewal_due'))
        batch_op.drop_index(batch_op.f('ix_staff_competence_method'))
        batch_op.drop_index(batch_op.f('ix_staff_competence_user_id'))
    op.drop_table('staff_competence')
