"""After a migration, a draft whose task left is shown readably on the patient page (issue 22)."""
from sqlalchemy import select

from engine.models import TaskRecord
from engine.service import migrate_pathway
from tests.integration import migration_helpers as h
from webui.extensions import db


def _migrated(app):
    with app.app_context():
        h.deploy(db.session)
        pathway = h.mid_stage(db.session)
        target = h.deploy(db.session, h.remove_dudit)
        migrate_pathway(db.session, pathway.id, target.id, "ejer", now=h.LATER)
        db.session.commit()
        record = db.session.scalars(select(TaskRecord.id).where(TaskRecord.kind == "migration")).one()
        return pathway.id, pathway.patient_id, record, target.id


def test_the_draft_of_a_task_that_left_is_on_the_patient_page(app, client, auth):
    pathway_id, patient_id, _record, target = _migrated(app)
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    kept = page.split('id="kept-drafts"')[1].split("</section>")[0]
    assert f"flyttet til en anden version af forløbsdefinitionen (Version 1 → {target})" in kept
    assert "cannabis" in kept and "dagligt" in kept


def test_the_migration_record_reads_as_words_not_data(app, client, auth):
    pathway_id, _patient, record, target = _migrated(app)
    auth.login("psyk.kbh")
    page = client.get(f"/forloeb/{pathway_id}/historik/{record}").get_data(as_text=True)
    body = page.split('id="record"')[1]
    assert f"fra version 1 til version {target}" in body and "Åbne opgaver, der udgik: 1" in body
    assert "cannabis" in body and "{" not in body.split("</section>")[0]
