"""guarantee fact: status (open/met/breached/lapsed) and the day it was decided, per pathway;
urgent worklist items (same-day safety tasks)

Revision ID: 0820
Revises: 0700
"""
from alembic import op
import sqlalchemy as sa


revision = '0820'
down_revision = '0810'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guarantee_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('guarantee_decided_on', sa.Date(), nullable=True))
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # existing rows: the engine re-judges a pathway at its next save; until then a plain
    # reading of the columns it already has (decision days are filled in by that save)
    op.execute("UPDATE pathway SET guarantee_status = CASE "
               "WHEN guarantee_due IS NULL THEN NULL "
               "WHEN guarantee_breached THEN 'breached' "
               "WHEN treatment_started_at IS NOT NULL THEN 'met' "
               "WHEN status = 'active' THEN 'open' ELSE 'lapsed' END")


def downgrade():
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.drop_column('urgent')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_column('guarantee_decided_on')
        batch_op.drop_column('guarantee_status')
