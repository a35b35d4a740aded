"""Bulk migration: jobs run by the worker, failures listed, pause/cancel, CLI, auto-migration."""
from sqlalchemy import select

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
    assert "removed: audit (drafts go into history)" in result.output
    assert "drafts kept: 1" in result.output and "2 pathway(s): 1 migratable, 1 not" in result.output
    with app.app_context():
        assert db.session.scalar(select(MigrationJob.id)) is None  # a dry run writes nothing
    result = runner.invoke(args=["engine", "migrate", "--to", str(target_id), "--from", "1",
                                 "--limit", "1"])
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
