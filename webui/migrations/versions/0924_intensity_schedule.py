"""pathway: next overview consultation and the questionnaire interval set by the intensity

Revision ID: 0924
Revises: 0880
Create Date: 2026-12-06 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0924'
down_revision = '0880'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overview_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('questionnaire_weeks', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_column('questionnaire_weeks')
        batch_op.drop_column('overview_due')
