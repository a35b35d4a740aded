"""organisations as reference data: official codes, parent links, treatment units;
an index on task_record(form_id, pathway_id) for the quality dashboard

Revision ID: 0500
Revises: 0001
Create Date: 2026-11-24 13:40:00

Adds `official_code`, `parent_code`, `short_name` and `active` to `organisation` and loads
the 5 regions and 98 municipalities (webui/orgdata.py) keeping the existing codes
(`region-<slug>`, `kommune-<slug>`): missing rows are inserted, existing rows updated.
"""
from alembic import op
import sqlalchemy as sa

from webui import orgdata

revision = '0500'
down_revision = '0100'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_code', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('parent_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('short_name', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_unique_constraint(batch_op.f('uq_organisation_official_code'),
                                          ['official_code'])
        batch_op.create_index(batch_op.f('ix_organisation_parent_code'), ['parent_code'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_organisation_parent_code_organisation'),
                                    'organisation', ['parent_code'], ['code'])
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.create_index('ix_task_record_form_id_pathway_id', ['form_id', 'pathway_id'],
                              unique=False)
    load_reference_data(op.get_bind())


def load_reference_data(connection):
    """Insert the missing reference organisations and update the existing ones."""
    table = sa.table('organisation', sa.column('code'), sa.column('name'), sa.column('kind'),
                     sa.column('region'), sa.column('official_code'), sa.column('parent_code'),
                     sa.column('short_name'), sa.column('active'))
    have = {row[0] for row in connection.execute(sa.select(table.c.code))}
    for row in orgdata.rows():  # regions come first, so every parent exists before its children
        if row['code'] in have:
            values = {k: v for k, v in row.items() if k != 'code'}
            connection.execute(table.update().where(table.c.code == row['code']).values(**values))
        else:
            connection.execute(table.insert().values(**row))


def downgrade():
    with op.batch_alter_table('task_record', schema=None) as batch_op:
        batch_op.drop_index('ix_task_record_form_id_pathway_id')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisation_parent_code_organisation'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_organisation_parent_code'))
        batch_op.drop_constraint(batch_op.f('uq_organisation_official_code'), type_='unique')
        batch_op.drop_column('active')
        batch_op.drop_column('short_name')
        batch_op.drop_column('parent_code')
        batch_op.drop_column('official_code')
