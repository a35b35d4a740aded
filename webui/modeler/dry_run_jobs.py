"""Migration dry runs over many pathways as background jobs of the timer worker, with progress.

A dry run evaluates the target version once per run shape, each under a click budget; over a
large, varied population that is minutes, which a request must not hold. When more pathways
than MIGRATION_DRY_RUN_INLINE_MAX would be dry-run, the migrations page queues a job here; the
worker's owner lane (`webui/commands/migration_lane.py`) runs it, committing "n af m forløb"
after each chunk, and the page shows the stored groups when it is done.
"""
import contextlib
import json
from datetime import timedelta

from sqlalchemy import func, select, update

from engine import clock, service
from engine.errors import NotApproved
from engine.models import Pathway
from engine.service import worker_identity
from webui.extensions import db
from webui.modeler.job_queue import claim_oldest
from webui.models import DryRunJob

INLINE_MAX = 200      # default MIGRATION_DRY_RUN_INLINE_MAX: more pathways run as a job
CHUNK = 25            # pathways between progress commits
OPEN = ("queued", "running")
FRESH = timedelta(minutes=10)  # a finished dry run older than this is run again on opening


def group_key(group):
    """A stable key for a dry-run group: version, stage and open tasks."""
    return f"{group['from_version']}:{group['stage']}:{','.join(group['open_tasks'])}"


def candidate_count(session, target_id):
    """How many active pathways a dry run to `target_id` would look at (cheap count)."""
    return session.scalar(select(func.count(Pathway.id)).where(
        Pathway.status == "active", Pathway.version_id != target_id)) or 0


def latest(session, target_id):
    """The newest dry-run job for a target (any owner's), or None."""
    return session.scalars(select(DryRunJob).where(DryRunJob.target_version_id == target_id)
                           .order_by(DryRunJob.id.desc()).limit(1)).first()


def queue(session, actor, target_id):
    """The open dry-run job for `target_id`, or a new queued one (one open job per target)."""
    job = latest(session, target_id)
    if job is not None and job.status in OPEN:
        return job
    job = DryRunJob(created_by=actor, target_version_id=target_id, status="queued", total=0,
                    done=0, groups=[], message="", created_at=clock.utcnow())
    session.add(job)
    session.flush()
    return job


def is_fresh(job):
    """True when a finished job is recent enough to show without running it again."""
    finished = job.finished_at
    if finished is None:
        return False
    if finished.tzinfo is None:  # SQLite hands back naive UTC
        finished = finished.replace(tzinfo=clock.utcnow().tzinfo)
    return clock.utcnow() - finished < FRESH


def as_groups(verdicts):
    """Grouped verdicts as plain JSON (sets and tuples become lists), each with its key."""
    groups = json.loads(json.dumps(service.grouped(verdicts), default=list))
    for group in groups:
        group["key"] = group_key(group)
    return groups


def run_next(session, runner=None):
    """Run the oldest queued dry run to its end; return True when there was one."""
    job = claim_oldest(session, DryRunJob, runner or worker_identity())
    if job is None:
        return False
    job_id = job.id

    def progress(done, total):
        # the dry run writes nothing: committing here stores only the job's counters
        session.execute(update(DryRunJob).where(DryRunJob.id == job_id)
                        .values(done=done, total=total))
        session.commit()

    try:
        verdicts = service.dry_run(session, job.target_version_id, progress=progress, chunk=CHUNK)
        groups, message = as_groups(verdicts), ""
    except NotApproved as exc:
        groups, message = [], str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - a job must end, whatever the target's code does
        groups, message = [], f"{type(exc).__name__}: {exc}"[:500]
    with contextlib.suppress(Exception):
        session.rollback()
    job = session.get(DryRunJob, job_id)
    job.groups, job.message = groups, message
    job.status, job.finished_at = "done", clock.utcnow()
    session.commit()
    return True


def run_pending(limit=3):
    """The worker lane's turn: run up to `limit` queued dry runs; return how many ran."""
    ran = 0
    while ran < limit and run_next(db.session):
        ran += 1
    return ran
