"""Bulk migration jobs: created from the UI or CLI, worked off in batches by the background worker.

A job lists its pathways as `migration_item` rows. `run_batch` migrates the next pending
items of the oldest running job, each pathway in its own transaction (the caller's `commit`
is called after every pathway), so a clinician's click waits for one pathway at most and a
failing pathway rolls back alone. A pathway someone changed meanwhile (Conflict) is retried
in a later batch; after MAX_ATTEMPTS it is listed as failed with the reason.
"""
import logging

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from engine import audit, clock
from engine.errors import Conflict, EngineError, NotFound
from engine.migration import Context, candidate_rows, candidates, migrate
from engine.migration_models import MigrationItem, MigrationJob, VersionMigrationPolicy
from engine.models import Pathway
from engine.spec_changes import bundle_text_only
from engine.versions import bundle_of, get_version

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def create_job(session, version_id, actor, pathway_ids=None, from_version=None, limit=None,
               automatic=False, note=""):
    """A running job for the given pathways (default: every active pathway on another version)."""
    version = get_version(session, version_id)
    rows = candidate_rows(session, version.id, from_version, pathway_ids, limit)
    ids = [pid for pid, _ in rows]
    now = clock.utcnow()
    job = MigrationJob(target_version_id=version.id, from_version_id=from_version if isinstance(from_version, int) else None,
                       status="running" if ids else "done", created_by=actor, created_at=now,
                       updated_at=now, finished_at=None if ids else now, total=len(ids),
                       done=0, failed=0, automatic=automatic, note=note[:200])
    session.add(job)
    session.flush()
    if ids:
        session.execute(insert(MigrationItem), [
            dict(job_id=job.id, pathway_id=pid, status="pending", from_version_id=source,
                 attempts=0) for pid, source in rows])
    audit.record(session, actor, "migration.start",
                 detail=f"job {job.id}: {len(ids)} pathway(s) to version {version.id}")
    session.flush()
    return job


def get_job(session, job_id):
    """A job by id, or NotFound."""
    job = session.get(MigrationJob, job_id)
    if job is None:
        raise NotFound(f"migration job {job_id} does not exist")
    return job


def set_state(session, job_id, action, actor):
    """Pause, resume or cancel a job (cancelling leaves the remaining pathways untouched)."""
    job = get_job(session, job_id)
    allowed = {"pause": ("running",), "resume": ("paused",), "cancel": ("running", "paused")}
    if action not in allowed:
        raise EngineError(f"unknown action '{action}'")
    if job.status not in allowed[action]:
        raise EngineError(f"job {job.id} is {job.status}; it cannot be {action}d")
    now = clock.utcnow()
    job.status = {"pause": "paused", "resume": "running", "cancel": "cancelled"}[action]
    job.updated_at = now
    if action == "cancel":
        session.execute(update(MigrationItem).where(
            MigrationItem.job_id == job.id, MigrationItem.status == "pending")
            .values(status="cancelled", finished_at=now))
        job.finished_at = now
    audit.record(session, actor, f"migration.{action}", detail=f"job {job.id}")
    session.flush()
    return job


def progress(session, job_id):
    """{'done', 'failed', 'left', 'cancelled', 'total'} counted from the job's items."""
    job = get_job(session, job_id)
    counts = dict(session.execute(select(MigrationItem.status, func.count()).where(
        MigrationItem.job_id == job.id).group_by(MigrationItem.status)).all())
    return {"total": job.total, "done": counts.get("done", 0), "failed": counts.get("failed", 0),
            "left": counts.get("pending", 0), "cancelled": counts.get("cancelled", 0),
            "status": job.status}


def failures(session, job_id, limit=200):
    """Failed items of a job with their reasons, newest first."""
    return list(session.scalars(select(MigrationItem).where(
        MigrationItem.job_id == job_id, MigrationItem.status == "failed")
        .order_by(MigrationItem.id.desc()).limit(limit)))


def run_batch(session, commit, batch=100, now=None, actor_prefix="migration"):
    """Migrate up to `batch` pending pathways of the oldest running job; return how many were
    handled. `commit()` is called after each pathway: one transaction per pathway."""
    job_id = session.scalar(select(MigrationJob.id).where(MigrationJob.status == "running")
                            .order_by(MigrationJob.id).limit(1))
    if job_id is None:
        return 0
    job = session.get(MigrationJob, job_id)
    target, actor = job.target_version_id, job.created_by
    ctx = Context(session, target)  # spec diffs are computed once per batch
    items = session.execute(select(MigrationItem.id, MigrationItem.pathway_id).where(
        MigrationItem.job_id == job_id, MigrationItem.status == "pending")
        .order_by(MigrationItem.attempts, MigrationItem.id).limit(batch)).all()
    handled = 0
    for item_id, pathway_id in items:
        if session.scalar(select(MigrationJob.status).where(MigrationJob.id == job_id)) \
                != "running":
            break  # paused or cancelled meanwhile
        outcome, reason = _one(session, ctx, pathway_id, actor, now)
        _finish_item(session, job_id, item_id, outcome, reason)
        commit()
        handled += 1
    _close_if_done(session, job_id)
    commit()
    return handled


def _one(session, ctx, pathway_id, actor, now):
    """('done'|'failed'|'retry', reason); a failure leaves the pathway exactly as it was."""
    try:
        pathway = session.get(Pathway, pathway_id)
        if pathway is None or pathway.status != "active":
            return "failed", "the pathway has ended"
        if pathway.version_id == ctx.version.id:
            return "done", "already on the target version"
        migrate(session, pathway_id, ctx.version.id, actor, now=now, ctx=ctx, source="worker")
        return "done", None
    except Conflict as exc:  # a clinician changed it meanwhile: try again later
        session.rollback()
        return "retry", str(exc)
    except EngineError as exc:
        session.rollback()
        return "failed", str(exc)
    except SQLAlchemyError:
        session.rollback()
        raise
    except Exception as exc:  # noqa: BLE001 - one broken pathway must not stop the job
        session.rollback()
        log.exception("migration of pathway %s failed", pathway_id)
        return "failed", f"unexpected error: {exc}"


def _finish_item(session, job_id, item_id, outcome, reason):
    item = session.get(MigrationItem, item_id)
    item.attempts += 1
    if outcome == "retry" and item.attempts < MAX_ATTEMPTS:
        item.reason = reason
    else:
        item.status = "done" if outcome == "done" else "failed"
        item.reason = reason
        item.finished_at = clock.utcnow()
        column = MigrationJob.done if item.status == "done" else MigrationJob.failed
        session.execute(update(MigrationJob).where(MigrationJob.id == job_id)
                        .values({column: column + 1, "updated_at": clock.utcnow()}))
    session.flush()


def _close_if_done(session, job_id):
    left = session.scalar(select(func.count()).select_from(MigrationItem).where(
        MigrationItem.job_id == job_id, MigrationItem.status == "pending"))
    job = session.get(MigrationJob, job_id)
    if not left and job.status == "running":
        job.status, job.finished_at = "done", clock.utcnow()
        audit.record(session, "system", "migration.done",
                     detail=f"job {job.id}: {job.done} migrated, {job.failed} failed")
        session.flush()


def set_auto_migrate(session, version_id, flag, actor):
    """Mark a version's changes as texts/labels/guidance only (auto-migrate), or unmark it."""
    version = get_version(session, version_id)
    policy = session.get(VersionMigrationPolicy, version.id)
    if policy is None:
        policy = VersionMigrationPolicy(version_id=version.id)
        session.add(policy)
    policy.auto_migrate, policy.set_by, policy.set_at = bool(flag), actor, clock.utcnow()
    audit.record(session, actor, "migration.flag", detail=f"version {version.id}: "
                 f"auto-migrate {'on' if flag else 'off'}")
    session.flush()
    return policy


def auto_migrate_if_safe(session, version_id, actor):
    """When `version_id` is flagged safe, start a job for every compatible pathway whose version
    differs from it in texts only (checked, not trusted); return the job or None."""
    policy = session.get(VersionMigrationPolicy, version_id)
    if policy is None or not policy.auto_migrate:
        return None
    target = get_version(session, version_id)
    new_bundle = bundle_of(session, target.id)
    sources = session.scalars(select(Pathway.version_id).where(
        Pathway.status == "active", Pathway.version_id != target.id).distinct()).all()
    eligible = []
    for source in sources:
        old = get_version(session, source)
        safe, reasons = bundle_text_only(bundle_of(session, source), new_bundle,
                                         old.files or {}, target.files or {})
        if safe:
            eligible.append(source)
        else:
            audit.record(session, actor, "migration.auto_skipped",
                         detail=f"version {source} -> {target.id}: {'; '.join(reasons)[:3000]}")
    if not eligible or not candidates(session, target.id, eligible, limit=1):
        session.flush()
        return None
    return create_job(session, target.id, actor, from_version=eligible, automatic=True,
                      note="automatic: texts, labels and guidance only")
