"""Bulk migration jobs: created from the UI or CLI, worked off in batches by the background worker.

A job lists its pathways as `migration_item` rows. `run_batch` migrates the next pending
items of the oldest running job. Each pathway is atomic (its migration, history, audit entry
and item status are written together or not at all) and a failing pathway never takes
another one with it. A pathway someone changed meanwhile (Conflict) is retried in a later
batch; after MAX_ATTEMPTS it is listed as failed with the reason.
"""
import logging
import time
from datetime import timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from engine import audit, clock
from engine.definitions.review import require_approved
from engine.definitions.versions import bundle_of, get_version
from engine.errors import Conflict, EngineError, NotApproved, NotFound
from engine.migration.models import MigrationItem, MigrationJob, VersionMigrationPolicy
from engine.migration.moves import Context, NotMigratable, candidate_rows, candidates, migrate
from engine.migration.spec_changes import bundle_text_only
from engine.models import Pathway
from engine.runtime.heartbeat import worker_identity
from engine.sandbox import isolation

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
STATUS_EVERY_S = 1.0  # how often a running batch looks for a pause or cancel
GROUP_SECONDS = 0.2  # commit at least this often (0: after every pathway)
CLAIM_LEASE = timedelta(seconds=60)  # a claim not renewed this long is free (its runner died)


def create_job(session, version_id, actor, pathway_ids=None, from_version=None, limit=None,
               automatic=False, note=""):
    """A running job for the given pathways (default: every active pathway on another version)."""
    version = require_approved(get_version(session, version_id), "a migration")
    rows = candidate_rows(session, version.id, from_version, pathway_ids, limit)
    ids = [pid for pid, _ in rows]
    now = clock.utcnow()
    job = MigrationJob(target_version_id=version.id,
                       from_version_id=from_version if isinstance(from_version, int) else None,
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


@isolation.owner_work
def run_batch(session, commit, batch=100, now=None, group_seconds=GROUP_SECONDS,
              source="worker", until=None, runner=None):
    """Migrate up to `batch` pending pathways of the oldest running job; return how many were
    handled (including conflicts that will be retried).

    Every pathway is atomic: its migration, history, audit entry and item status are written
    together or not at all. `commit()` is called once `group_seconds` have passed since the
    transaction's first pathway (0: after every pathway), which keeps SQLite's per-commit
    sync off the critical path. With `until` (a time.monotonic() value) the batch stops taking
    pathways once it has passed, so the worker's timer sweep is never late by more than one
    pathway's click budget beyond its migration turn. When a pathway's work has to be rolled back (a conflict with
    a clinician, an error after the pathway was changed), the uncommitted pathways of that
    group are simply still pending (the next batch redoes them), and the rest of this batch
    commits pathway by pathway.

    The job is claimed first (`runner`, default this process): a job another runner holds is
    left alone, so the worker and a CLI never migrate the same job at once. The claim is
    renewed at every commit and lapses after CLAIM_LEASE if its runner died.
    """
    job_id = session.scalar(select(MigrationJob.id).where(MigrationJob.status == "running")
                            .order_by(MigrationJob.id).limit(1))
    if job_id is None:
        return 0
    runner = runner or worker_identity()
    if not _claim(session, job_id, runner):
        session.rollback()
        return 0  # another runner works this job now: never twice at the same time
    commit()

    def commit_and_renew():
        _renew(session, job_id, runner)
        commit()
    try:
        return _batch(session, commit_and_renew, job_id, batch, now, group_seconds, source, until)
    finally:
        _release(session, job_id, runner)
        commit()


def _claim(session, job_id, runner):
    """Take the job for `runner` unless another runner's claim is still fresh (one UPDATE, so
    two runners cannot both succeed)."""
    now = clock.utcnow()
    claimed = session.execute(update(MigrationJob).where(
        MigrationJob.id == job_id,
        or_(MigrationJob.claimed_by.is_(None), MigrationJob.claimed_by == runner,
            MigrationJob.claimed_until.is_(None), MigrationJob.claimed_until < now))
        .values(claimed_by=runner, claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def _renew(session, job_id, runner):
    session.execute(update(MigrationJob).where(
        MigrationJob.id == job_id, MigrationJob.claimed_by == runner)
        .values(claimed_until=clock.utcnow() + CLAIM_LEASE)
        .execution_options(synchronize_session=False))


def _release(session, job_id, runner):
    session.execute(update(MigrationJob).where(
        MigrationJob.id == job_id, MigrationJob.claimed_by == runner)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False))


def _batch(session, commit, job_id, batch, now, group_seconds, source, until):
    """run_batch's work on a claimed job."""
    target, actor = session.execute(select(MigrationJob.target_version_id, MigrationJob.created_by)
                                    .where(MigrationJob.id == job_id)).one()
    try:
        ctx = Context(session, target)  # spec diffs are computed once per batch
    except NotApproved as exc:  # a job made before four eyes covered migrations: never run it
        _refuse_job(session, job_id, str(exc))
        commit()
        return 1
    items = session.execute(select(MigrationItem.id, MigrationItem.pathway_id,
                                   MigrationItem.attempts).where(
        MigrationItem.job_id == job_id, MigrationItem.status == "pending")
        .order_by(MigrationItem.attempts, MigrationItem.id).limit(batch)).all()
    handled = uncommitted = 0
    checked = opened = time.monotonic()
    for item_id, pathway_id, attempts in items:
        if until is not None and handled and time.monotonic() >= until:
            break  # the turn is over: timers come first; the rest stays pending
        if time.monotonic() - checked > STATUS_EVERY_S:  # a pause or cancel takes effect soon
            checked = time.monotonic()
            if session.scalar(select(MigrationJob.status).where(
                    MigrationJob.id == job_id)) != "running":
                break
        if not uncommitted:
            opened = time.monotonic()
        outcome, reason, rolled_back = _one(session, ctx, pathway_id, actor, now, source)
        if rolled_back:  # the group's other pathways are pending again: redone later
            handled, uncommitted, group_seconds = handled - uncommitted, 0, 0
        _finish_item(session, item_id, attempts + 1, outcome, reason)
        handled += 1
        uncommitted += 1
        if time.monotonic() - opened >= group_seconds:
            commit()
            uncommitted = 0
    _count(session, job_id)
    commit()
    return handled


def _refuse_job(session, job_id, reason):
    """Cancel a job whose target is not approved; its pathways stay where they are."""
    now = clock.utcnow()
    session.execute(update(MigrationItem).where(
        MigrationItem.job_id == job_id, MigrationItem.status == "pending")
        .values(status="cancelled", finished_at=now, reason=reason[:500]))
    job = session.get(MigrationJob, job_id)
    job.status, job.finished_at, job.updated_at = "cancelled", now, now
    audit.record(session, "system", "migration.refused", detail=f"job {job_id}: {reason}")
    session.flush()


def _one(session, ctx, pathway_id, actor, now, source):
    """(outcome 'done'|'failed'|'retry', reason, rolled back?); a failed pathway stays as it was."""
    try:
        pathway = session.get(Pathway, pathway_id)
        if pathway is None or pathway.status != "active":
            return "failed", "the pathway has ended", False
        if pathway.version_id == ctx.version_id:
            return "done", "already on the target version", False
        migrate(session, pathway_id, ctx.version_id, actor, now=now, ctx=ctx, source=source)
        return "done", None, False
    except Conflict as exc:  # a clinician changed it meanwhile (save rolled back): retry later
        return "retry", str(exc), True
    except NotMigratable as exc:
        if session.dirty or session.new or session.deleted:  # failed after changing something
            session.rollback()
            return "failed", str(exc), True
        return "failed", str(exc), False  # refused before touching anything
    except EngineError as exc:
        session.rollback()
        return "failed", str(exc), True
    except SQLAlchemyError:
        session.rollback()
        raise
    except Exception as exc:  # noqa: BLE001 - one broken pathway must not stop the job
        session.rollback()
        log.exception("migration of pathway %s failed", pathway_id)
        return "failed", f"unexpected error: {exc}", True


def _finish_item(session, item_id, attempts, outcome, reason):
    """The item's outcome, in the same transaction as the pathway's migration."""
    values = {"attempts": attempts, "reason": reason}
    if outcome != "retry" or attempts >= MAX_ATTEMPTS:
        values.update(status="done" if outcome == "done" else "failed",
                      finished_at=clock.utcnow())
    session.execute(update(MigrationItem).where(MigrationItem.id == item_id).values(values))


def _count(session, job_id):
    """Copy the item counts onto the job row; close the job when nothing is left."""
    counts = dict(session.execute(select(MigrationItem.status, func.count()).where(
        MigrationItem.job_id == job_id).group_by(MigrationItem.status)).all())
    job = session.get(MigrationJob, job_id)
    job.done, job.failed, job.updated_at = counts.get("done", 0), counts.get("failed", 0), \
        clock.utcnow()
    if not counts.get("pending") and job.status == "running":
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


@isolation.owner_work
def auto_migrate_if_safe(session, version_id, actor):
    """When `version_id` is flagged safe, start a job for every compatible pathway whose version
    differs from it in texts only (checked, not trusted); return the job or None."""
    policy = session.get(VersionMigrationPolicy, version_id)
    if policy is None or not policy.auto_migrate:
        return None
    target = require_approved(get_version(session, version_id), "an automatic migration")
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
