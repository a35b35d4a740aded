"""Process owners dry-run and migrate running pathways from the browser; clinicians keep their input."""
import io

import pytest
from sqlalchemy import select

from engine import service
from engine.migration import jobs
from engine.migration.models import MigrationJob
from engine.models import DefinitionVersion, Pathway
from engine.runtime.drafts import PREVIOUS_KEY
from tests.web.pathway_setup import ensure_deployed, item_for, refer
from webui.demo.filler import answers
from webui.extensions import db


def _deploy_variant(app, old, new):
    """Deploy bpmn/ with one replacement in henvisning.bpmn; return the new version id."""
    with app.app_context():
        base = service.latest_version(db.session)
        files = {n: t.encode() for n, t in base.files.items()}
        files["henvisning.bpmn"] = files["henvisning.bpmn"].replace(old.encode(), new.encode(), 1)
        version = service.deploy_bundle(db.session, files, "ejer")
        db.session.commit()
        return version.id


@pytest.fixture
def referred(app, demo_users):
    """A pathway waiting at Visitation on the deployed bpmn/ version."""
    with app.app_context():
        ensure_deployed()
        pathway = refer()
        return pathway.id, item_for(pathway.id, "visitation").task_id


def test_only_process_owners_reach_migrations(auth, client):
    for username in ("psyk.kbh", "leder", "admin"):
        auth.login(username)
        assert client.get("/modeler/migrations").status_code == 403
        assert client.post("/modeler/migrations").status_code == 403
        assert client.get("/modeler/migrations/jobs/1").status_code == 403
        auth.logout()


def test_dry_run_then_migrate_all_from_the_browser(auth, client, app, referred):
    pathway_id, task_id = referred
    target = _deploy_variant(app, 'name="Visitation"', 'name="Visitation af henvisning"')
    auth.login("psyk.kbh")  # a clinician's draft, which the dry run must account for
    with app.app_context():
        lock = db.session.get(Pathway, pathway_id).lock_version
    saved = client.post(f"/forloeb/{pathway_id}/opgaver/{task_id}",
                        data={"action": "draft", "lock_version": str(lock), "notes": "halvt skrevet"})
    assert saved.status_code in (200, 302)
    auth.logout()
    auth.login("ejer")
    assert 'id="migrations-link"' in client.get("/modeler/").get_data(as_text=True)
    page = client.get(f"/modeler/migrations?to={target}").get_data(as_text=True)
    assert "1 forløb kan migreres, 0 kan ikke." in page
    # by task titles, not ids; and what happens to the draft
    assert "Bevares: Visitation af henvisning" in page and "kept: visitation" not in page
    assert "1 kladde(r) følger med deres opgave." in page and "Oprettes" not in page
    response = client.post("/modeler/migrations", data={"to": target, "scope": "all"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "I gang" in page and '<dt>Mangler</dt><dd>1</dd>' in page
    with app.app_context():  # the background worker's turn
        assert jobs.run_batch(db.session, db.session.commit) == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "Gennemført" in page and '<dt>Migreret</dt><dd>1</dd>' in page and "Ingen fejl." in page
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).version_id == target
        item = item_for(pathway_id, "visitation")
        assert item.task_id == task_id and item.title == "Visitation af henvisning"


def test_nothing_chosen_is_refused_and_a_job_can_be_paused_and_cancelled(auth, client, app,
                                                                           referred):
    target = _deploy_variant(app, 'name="Visitation"', 'name="Visitation v2"')
    auth.login("ejer")
    response = client.post("/modeler/migrations", data={"to": target, "scope": "selected"})
    assert response.status_code == 302 and "/modeler/migrations" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(MigrationJob.id)) is None
    response = client.post("/modeler/migrations", data={"to": target, "scope": "selected",
                                                        "pathway": str(referred[0])})
    job_url = response.headers["Location"]
    running = client.get(job_url).get_data(as_text=True)
    # a running job updates in place (job_status.js), never by reloading the page under a
    # keyboard user's focus
    assert 'http-equiv="refresh"' not in running and "job_status.js" in running
    assert 'data-running="true"' in running and 'id="job-actions"' in running
    assert client.post(job_url + "/pause").status_code == 302
    assert "Sat på pause" in client.get(job_url).get_data(as_text=True)
    client.post(job_url + "/cancel")
    page = client.get(job_url).get_data(as_text=True)
    assert "Stoppet" in page and '<dt>Mangler</dt><dd>0</dd>' in page
    assert client.post(job_url + "/explode").status_code == 404


def test_clinician_submitting_during_a_migration_gets_the_conflict_with_input_kept(
        auth, client, app, referred):
    pathway_id, task_id = referred
    target = _deploy_variant(app, 'name="Visitation"', 'name="Visitation (ny)"')
    auth.login("psyk.kbh")
    url = f"/forloeb/{pathway_id}/opgaver/{task_id}"
    assert client.get(url).status_code == 200
    with app.app_context():
        lock = db.session.get(Pathway, pathway_id).lock_version
        service.migrate_pathway(db.session, pathway_id, target, "ejer")  # the worker, meanwhile
        db.session.commit()
    form = dict(answers("visitation"), action="complete", lock_version=str(lock))
    form["inclusion_criteria"] = form["inclusion_criteria"][:2]
    response = client.post(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Forløbet blev ændret af en anden" in page
    assert "Visitation (ny)" in page  # same task, now on the new version
    with app.app_context():
        draft = service.get_draft(db.session, pathway_id, task_id)
        assert draft.data["visitation_note"] == form["visitation_note"]


def test_values_that_no_longer_fit_the_form_are_shown_on_the_task_page(auth, client, app,
                                                                       referred):
    pathway_id, task_id = referred
    with app.app_context():
        service.save_draft(db.session, pathway_id, task_id,
                           {"visitation_note": "Ring til egen læge", "visitation_decision":
                            "inkluderet"}, "psyk.kbh")
        db.session.commit()
    # the new version asks for another form at this task: the visitation answers do not fit it
    target = _deploy_variant(app, '<spiffworkflow:property name="form" value="visitation"/>',
                             '<spiffworkflow:property name="form" value="indskrivning"/>')
    with app.app_context():
        service.migrate_pathway(db.session, pathway_id, target, "ejer")
        db.session.commit()
        draft = service.get_draft(db.session, pathway_id, task_id).data
        assert draft[PREVIOUS_KEY]["values"] == {"visitation_note": "Ring til egen læge",
                                                 "visitation_decision": "inkluderet"}
    auth.login("psyk.kbh")
    page = client.get(f"/forloeb/{pathway_id}/opgaver/{task_id}").get_data(as_text=True)
    assert 'id="previous-values"' in page and "Ring til egen læge" in page
    # by the form it was typed into, not as data keys (issue 22)
    shown = page.split('id="previous-values"')[1].split("</section>")[0]
    assert "visitation_note" not in shown and "visitation_decision" not in shown
    assert "<dt>Bemærkninger til visitationen</dt><dd>Ring til egen læge</dd>" in shown
    assert "<dd>Inkluderes i det integrerede tilbud</dd>" in shown


def test_upload_flagged_as_texts_only_migrates_automatically(auth, client, app, referred):
    pathway_id, task_id = referred
    with app.app_context():
        text = service.latest_version(db.session).files["henvisning.bpmn"]
    changed = text.replace('name="Visitation"', 'name="Visitation og vurdering"', 1)
    auth.login("ejer")
    response = client.post("/modeler/upload", data={
        "files": (io.BytesIO(changed.encode()), "henvisning.bpmn"), "auto_migrate": "1"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():  # a proposal moves nobody: the second process owner approves first
        assert db.session.scalars(select(MigrationJob)).first() is None
        proposed = db.session.scalar(select(DefinitionVersion).filter_by(status="proposed"))
    auth.logout()
    auth.login("ejer2")
    assert client.post(f"/modeler/versions/{proposed.id}/approve").status_code == 302
    with app.app_context():
        job = db.session.scalars(select(MigrationJob)).one()
        assert job.automatic and job.total == 1 and job.created_by == "ejer2"
        jobs.run_batch(db.session, db.session.commit)
        assert item_for(pathway_id, "visitation").title == "Visitation og vurdering"
        assert item_for(pathway_id, "visitation").task_id == task_id
