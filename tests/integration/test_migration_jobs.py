"""Bulk migration: jobs run by the worker, failures listed, pause/cancel, CLI, auto-migration."""
import threading
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import service
from engine.migration import jobs
from engine.migration.models import MigrationItem, MigrationJob
from engine.models import AuditEntry, Pathway
from tests.integration import migration_helpers as h
from webui.extensions import db


def _two_pathways(s):
    """Pathway 1 has AUDIT completed (mid_stage); pathway 2 has AUDIT still open."""
    first = h.mid_stage(s, 1)
    patient = service.register_patient(s, "1100000002", "Patient 2", "M", "1980-01-01",
                                       "hovedstaden", "koebenhavn")
    second = service.start_pathway(s, patient.id, {"region_org": "region-hovedstaden",
                                                   "municipality_org": "kommune-koebenhavn"},
                                   "alice", now=h.T0)
    s.commit()
    [visit] = service.ready_tasks(s, second.id)
    service.complete_task(s, second.id, visit.task_id, {}, "alice", now=h.T0)
    s.commit()
    return first.id, second.id


def test_worker_migrates_the_job_and_lists_failures_with_reasons(app, runner):
    with app.app_context():
        s = db.session
        h.deploy(s)
        first, second = _two_pathways(s)
        lock_first = s.get(Pathway, first).lock_version
        target = h.deploy(s, h.remove_audit)
        job = jobs.create_job(s, target.id, "owner")
        s.commit()
        job_id, target_id = job.id, target.id
        assert job.total == 2
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        s = db.session
        assert jobs.progress(s, job_id) == {
            "total": 2, "done": 1, "failed": 1, "left": 0, "cancelled": 0, "status": "done"}
        [failed] = jobs.failures(s, job_id)
        assert failed.pathway_id == first and "AUDIT" in failed.reason
        stayed = s.get(Pathway, first)
        assert (stayed.version_id, stayed.lock_version) == (1, lock_first)
        assert s.get(Pathway, second).version_id == target_id
        assert h.open_specs(s, second) == ["dudit"]  # the open AUDIT went with its element
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "pathway.migrate")).one()
        assert entry.actor == "owner" and entry.source == "worker" and entry.pathway_id == second


def test_pause_resume_and_cancel(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        first, second = _two_pathways(s)
        target = h.deploy(s, h.relabel)
        job = jobs.create_job(s, target.id, "owner")
        jobs.set_state(s, job.id, "pause", "owner")
        s.commit()
        assert jobs.run_batch(s, s.commit) == 0
        jobs.set_state(s, job.id, "resume", "owner")
        s.commit()
        assert jobs.run_batch(s, s.commit, batch=1) == 1
        jobs.set_state(s, job.id, "cancel", "owner")
        s.commit()
        assert jobs.run_batch(s, s.commit) == 0
        state = jobs.progress(s, job.id)
        assert (state["done"], state["cancelled"], state["status"]) == (1, 1, "cancelled")
        assert s.get(Pathway, second).version_id == 1  # cancelled before its turn: untouched


def test_cli_dry_run_then_migrate(app, runner):
    with app.app_context():
        s = db.session
        h.deploy(s)
        _two_pathways(s)
        target_id = h.deploy(s, h.remove_audit).id
    result = runner.invoke(args=["engine", "migrate", "--to", str(target_id), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "NOT migratable: completed task 'AUDIT' no longer exists" in result.output
    assert "removed: audit (drafts stay visible on the patient page" in result.output
    assert "drafts kept: 1" in result.output and "2 pathway(s): 1 migratable, 1 not" in result.output
    with app.app_context():
        assert db.session.scalar(select(MigrationJob.id)) is None  # a dry run writes nothing
    result = runner.invoke(args=["engine", "migrate", "--to", str(target_id), "--from", "1",
                                 "--limit", "1", "--run-here"])
    assert result.exit_code == 0, result.output
    assert "job 1: 1 pathway(s)" in result.output and "0 migrated, 1 failed" in result.output


def test_auto_migration_only_for_flagged_text_only_versions(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        first, second = _two_pathways(s)
        texts = h.deploy(s, h.relabel)
        assert jobs.auto_migrate_if_safe(s, texts.id, "owner") is None  # not flagged
        jobs.set_auto_migrate(s, texts.id, True, "owner")
        job = jobs.auto_migrate_if_safe(s, texts.id, "owner")
        s.commit()
        assert job.automatic and job.total == 2
        while jobs.run_batch(s, s.commit):
            pass
        assert {s.get(Pathway, p).version_id for p in (first, second)} == {texts.id}
        structural = h.deploy(s, h.add_task_after_dudit)
        jobs.set_auto_migrate(s, structural.id, True, "owner")
        assert jobs.auto_migrate_if_safe(s, structural.id, "owner") is None
        skipped = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "migration.auto_skipped")).one()
        assert "+ medicin" in skipped.detail
        assert s.scalar(select(MigrationItem.id).where(MigrationItem.job_id != job.id)) is None


def test_cli_queues_the_job_for_the_worker_by_default(app, runner):
    with app.app_context():
        s = db.session
        h.deploy(s)
        first, second = _two_pathways(s)
        target_id = h.deploy(s, h.relabel).id
    result = runner.invoke(args=["engine", "migrate", "--to", str(target_id)])
    assert result.exit_code == 0, result.output
    assert "job 1: 2 pathway(s)" in result.output and "queued" in result.output, result.output
    with app.app_context():
        assert jobs.progress(db.session, 1)["left"] == 2  # nothing ran in the CLI
        assert {db.session.get(Pathway, i).version_id for i in (first, second)} == {1}
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert jobs.progress(db.session, 1)["status"] == "done"


def test_a_job_claimed_by_one_runner_is_left_alone_by_another(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        _two_pathways(s)
        job_id = jobs.create_job(s, h.deploy(s, h.relabel).id, "owner").id
        s.commit()
        assert jobs._claim(s, job_id, "worker:host:1")  # the worker is in the middle of a batch
        s.commit()
        assert jobs.run_batch(s, s.commit, runner="cli:host:2") == 0
        assert jobs.progress(s, job_id)["left"] == 2
        s.get(MigrationJob, job_id).claimed_until = datetime(2020, 1, 1, tzinfo=UTC)  # lapsed
        s.commit()
        assert jobs.run_batch(s, s.commit, runner="cli:host:2") == 2
        job = s.get(MigrationJob, job_id)
        assert job.claimed_by is None and jobs.progress(s, job_id)["status"] == "done"
        reasons = s.scalars(select(MigrationItem.reason).where(
            MigrationItem.job_id == job_id)).all()
        assert reasons == [None, None]  # each migrated once, no "already on the target version"


def test_cli_run_here_says_when_the_worker_holds_the_job(app, runner):
    with app.app_context():
        s = db.session
        h.deploy(s)
        _two_pathways(s)
        target_id = h.deploy(s, h.relabel).id
        job_id = jobs.create_job(s, target_id, "owner").id
        s.commit()
        assert jobs._claim(s, job_id, "worker:host:1")
        s.commit()
    result = runner.invoke(args=["engine", "migrate", "--to", str(target_id), "--run-here"])
    assert result.exit_code == 0, result.output
    assert "another runner" in result.output and "0 migrated" in result.output, result.output


def test_two_runners_at_once_never_share_a_job(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        _two_pathways(s)
        job_id = jobs.create_job(s, h.deploy(s, h.relabel).id, "owner").id
        s.commit()
        bind = db.engine
    both = threading.Barrier(2, timeout=30)
    claims = []
    real = jobs._claim

    def claim_together(session, jid, runner):
        both.wait()
        got = real(session, jid, runner)
        claims.append(got)
        return got

    def run(name):
        with Session(bind) as session:
            jobs.run_batch(session, session.commit, runner=name)
    jobs._claim = claim_together
    try:
        threads = [threading.Thread(target=run, args=(f"runner:{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        jobs._claim = real
    assert sorted(claims) == [False, True], claims
    with app.app_context():
        assert jobs.progress(db.session, job_id)["status"] == "done"
        assert db.session.scalar(select(MigrationJob.claimed_by)) is None
