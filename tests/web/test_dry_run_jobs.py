"""Migration dry runs over many pathways run as background jobs of the worker, with progress.

Issue 19: a dry run over a hostile proposal's pathways held a request for 81 s. Past
MIGRATION_DRY_RUN_INLINE_MAX pathways the migrations page only queues a job; the worker's owner
lane dry-runs them, commits "n af m forløb" after each chunk, and the page then shows the groups
and starts a migration from them.
"""
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import service
from engine.migration.models import MigrationJob
from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed, refer
from webui.extensions import db
from webui.modeler import dry_run_jobs
from webui.models import DryRunJob


@pytest.fixture
def target(app, demo_users):
    """Two pathways on the deployed version and an approved newer version; every dry run is a
    background job (inline limit 0)."""
    app.config["MIGRATION_DRY_RUN_INLINE_MAX"] = 0
    with app.app_context():
        ensure_deployed()
        refer(cpr="0101901235")
        refer(cpr="0202902346", name="Berit Testesen")
        base = service.latest_version(db.session)
        files = {n: t.encode() for n, t in base.files.items()}
        files["henvisning.bpmn"] = files["henvisning.bpmn"].replace(
            b'name="Visitation"', b'name="Visitation af henvisning"', 1)
        version = service.deploy_bundle(db.session, files, "ejer")
        db.session.commit()
        return version.id


def test_the_page_queues_a_dry_run_the_worker_runs_it_and_a_migration_starts_from_it(
        auth, client, app, target, runner):
    auth.login("ejer")
    page = client.get(f"/modeler/migrations?to={target}").get_data(as_text=True)
    assert "Prøvekørslen kører i baggrunden: 0 af … forløb." in page
    assert 'http-equiv="refresh"' in page and "kan migreres" not in page
    with app.app_context():  # nothing was dry-run in the request: the job waits for the worker
        job = db.session.scalars(select(DryRunJob)).one()
        assert (job.status, job.target_version_id, job.created_by) == ("queued", target, "ejer")
    client.get(f"/modeler/migrations?to={target}")  # a second look does not queue a copy
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0, result.output
    page = client.get(f"/modeler/migrations?to={target}").get_data(as_text=True)
    assert "2 forløb kan migreres, 0 kan ikke." in page
    assert "Prøvekørsel af 2 forløb, færdig" in page and 'http-equiv="refresh"' not in page
    assert "Bevares: Visitation af henvisning" in page
    with app.app_context():
        assert db.session.scalar(select(DryRunJob.status)) == "done"
        assert len(db.session.scalars(select(DryRunJob)).all()) == 1
    response = client.post("/modeler/migrations", data={"to": target, "scope": "all"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(MigrationJob)).one().total == 2
    again = client.get(f"/modeler/migrations?to={target}&again=1").get_data(as_text=True)
    assert "Prøvekørslen kører i baggrunden" in again


def test_progress_is_committed_after_each_chunk(auth, client, app, target, monkeypatch):
    auth.login("ejer")
    client.get(f"/modeler/migrations?to={target}")
    monkeypatch.setattr(dry_run_jobs, "CHUNK", 1)
    seen = []
    original = dry_run_jobs.service.dry_run

    def spying(session, version_id, progress, chunk):
        def watched(done, total):
            progress(done, total)
            with Session(db.engine) as other:  # what the page, in another request, reads
                job = other.scalars(select(DryRunJob)).one()
                seen.append((job.status, job.done, job.total))
        return original(session, version_id, progress=watched, chunk=chunk)

    monkeypatch.setattr(dry_run_jobs.service, "dry_run", spying)
    with app.app_context():
        assert dry_run_jobs.run_pending() == 1
    assert seen == [("running", 0, 2), ("running", 1, 2), ("running", 2, 2)]


def test_an_unapproved_target_is_refused_and_queues_nothing(auth, client, app, target):
    with app.app_context():
        version = db.session.get(DefinitionVersion, target)
        version.status = "proposed"  # as a proposal nobody approved
        version.approved_by = None
        db.session.commit()
    auth.login("ejer")
    response = client.get(f"/modeler/migrations?to={target}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(DryRunJob)).all() == []
