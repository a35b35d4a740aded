"""four eyes as an engine invariant: versions live before review existed count as approved

Revision ID: 0810
Revises: 0700

engine/definitions/review.py lets only versions with `approved_by` become current again or
receive pathways. Versions deployed before the review columns existed (0300) were current or
superseded without an approver; they came from the reviewed repository, so they are marked
approved by their deployer. Proposals (a 'proposed' or 'merged' event) are left alone: a
merged proposal was never approved itself.
"""
from alembic import op


revision = '0810'
down_revision = '0700'
branch_labels = None
depends_on = None


BACKFILL = ("UPDATE definition_version SET approved_by = deployed_by, approved_at = deployed_at "
            "WHERE approved_by IS NULL AND status IN ('current', 'superseded') "
            "AND id NOT IN (SELECT version_id FROM definition_event "
            "WHERE action IN ('proposed', 'merged'))")


def upgrade():
    op.execute(BACKFILL)


def downgrade():
    pass  # the backfilled approvals are indistinguishable from real ones; nothing to undo
