"""api event request hash: the same event id with another body is a conflict

Revision ID: 0830
Revises: 0700
Create Date: 2026-12-06 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0830'
down_revision = '0850'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('api_event', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
