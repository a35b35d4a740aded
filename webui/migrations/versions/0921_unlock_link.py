"""one-time unlock links for staff logins (issue 21)

Revision ID: 0921
Revises: 0880
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0921'
down_revision = '0919'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unlock_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_unlock_link_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unlock_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_unlock_link_token_hash'))
    )
    with op.batch_alter_table('unlock_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unlock_link_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unlock_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unlock_link_user_id'))
    op.drop_table('unlock_link')
