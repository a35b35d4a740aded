"""a patient's own choice about the guarantee: postponed to a date, or declined

Revision ID: 0920
Revises: 0880
Create Date: 2026-12-06 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0920'
down_revision = '0921'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_choice', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('patient_choice_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('patient_choice_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('patient_choice_reason', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_column('patient_choice_reason')
        batch_op.drop_column('patient_choice_until')
        batch_op.drop_column('patient_choice_on')
        batch_op.drop_column('patient_choice')
