"""pathway: next overview and questionnaire interval; phase_stay with contact minutes; competence index

Revision ID: 0924
Revises: 0923
Create Date: 2026-12-06 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0924'
down_revision = '0925'
branch_labels = None
depends_on = None

MAX_MINUTES = 720


def _backfill(bind, stay):
    """Stays from the history already written (same rules as engine/runtime/stays.py)."""
    record = sa.table('task_record', sa.column('id', sa.Integer), sa.column('pathway_id', sa.Integer),
                      sa.column('run_no', sa.Integer), sa.column('kind', sa.String),
                      sa.column('at', sa.DateTime(timezone=True)), sa.column('data', sa.JSON),
                      sa.column('version_id', sa.Integer))
    rows = bind.execute(sa.select(record.c.pathway_id, record.c.run_no, record.c.kind, record.c.at,
                                  record.c.data, record.c.version_id)
                        .where(record.c.kind.in_(('stage', 'task')))
                        .order_by(record.c.pathway_id, record.c.id))
    out, current, pathway = [], None, None
    for pathway_id, run_no, kind, at, data, version_id in rows:
        if pathway_id != pathway:
            current, pathway = None, pathway_id
        data = data or {}
        if kind == 'stage':
            came, went = data.get('from'), data.get('to')
            if came == went and went is not None:
                continue
            if current is not None:
                current['ended_at'] = at
            current = None
            if went is not None:
                current = dict(pathway_id=pathway_id, stage=went, start_run_no=run_no,
                               version_id=version_id, started_at=at, ended_at=None, minutes=0, contacts=0)
                out.append(current)
        elif current is not None:
            value = data.get('duration_minutes')
            if not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value <= MAX_MINUTES:
                current['minutes'] += int(value)
                current['contacts'] += 1
    for i in range(0, len(out), 5000):
        bind.execute(stay.insert(), out[i:i + 5000])


def upgrade():
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overview_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('questionnaire_weeks', sa.Integer(), nullable=True))
    stay = op.create_table('phase_stay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('start_run_no', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_phase_stay_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['version_id'], ['definition_version.id'], name=op.f('fk_phase_stay_version_id_definition_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase_stay'))
    )
    with op.batch_alter_table('phase_stay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_stay_pathway_id'), ['pathway_id'], unique=False)
    _backfill(op.get_bind(), stay)
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.create_index('ix_worklist_item_org_code_competence', ['org_code', 'competence', 'patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('worklist_item', schema=None) as batch_op:
        batch_op.drop_index('ix_worklist_item_org_code_competence')
    with op.batch_alter_table('phase_stay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_stay_pathway_id'))
    op.drop_table('phase_stay')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_column('questionnaire_weeks')
        batch_op.drop_column('overview_due')
