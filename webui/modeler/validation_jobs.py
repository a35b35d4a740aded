"""Validation with scenarios as a background job: queued by a request, run by the timer worker.

A proposal whose every user task had a 1.5 s post-script held one validate request for 186 s,
and four at once slowed clinicians tenfold. Now the request only queues the job (202, with the
URL to poll); the timer worker's owner lane (`webui/commands/migration_lane.py`) runs it in the
owner lane, committing its progress after each finished scenario, so the editor (or a script)
can show "scenario 3 of 12". Only the scenarios whose journeys reach a changed element run
(as for /modeler/api/validate; all of them at propose), in parallel in the scenario processes
(`scenarios/processes.py`). Each owner may have MAX_OPEN jobs queued or running at once.
"""
import contextlib

from sqlalchemy import func, select

from engine import clock, modeling
from engine.errors import InvalidDefinition, NotFound, ScenarioFailed, StaleBase
from engine.service import get_version, worker_identity
from scenarios.catalogue import load_all
from scenarios.processes import run_each
from webui.extensions import db
from webui.modeler.job_queue import claim_oldest
from webui.modeler.review import chosen_scenarios, problems_json, with_skipped
from webui.models import ValidationJob

MAX_OPEN = 2          # queued or running jobs per owner
OPEN = ("queued", "running")


class TooMany(Exception):
    """The owner already has MAX_OPEN jobs waiting or running."""


def create(session, actor, base_version_id, files):
    """Queue a validation of base + changed files for the worker; return the job."""
    get_version(session, base_version_id)  # NotFound at once, not later in the worker
    waiting = session.scalar(select(func.count(ValidationJob.id)).where(
        ValidationJob.created_by == actor, ValidationJob.status.in_(OPEN)))
    if waiting >= MAX_OPEN:
        raise TooMany(actor)
    job = ValidationJob(created_by=actor, base_version_id=base_version_id, files=dict(files),
                        status="queued", total=0, done=0, problems=[], scenarios=[], message="",
                        created_at=clock.utcnow())
    session.add(job)
    session.flush()
    return job


def as_json(job):
    """What the poll URL answers: status, progress and (when finished) the outcome."""
    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total,
            "ok": job.ok, "problems": job.problems or [], "scenarios": job.scenarios or [],
            "message": job.message or None, "base_version": job.base_version_id,
            "created_by": job.created_by}


def _progressing(session, job, base):
    """A run_scenarios(files) that runs the scenarios the change touches (see
    review.chosen_scenarios) in the scenario processes, and commits the count after each
    finished one (from this thread only: the job's session is not shared)."""
    def run(files):
        scenarios = load_all()
        chosen = chosen_scenarios(base, files, scenarios)
        job.total, job.done = len(chosen), 0
        session.commit()
        results: dict[str, dict] = {}

        def finished(n, result):
            results[chosen[n]["id"]] = result
            job.done += 1
            job.scenarios = list(results.values())
            session.commit()
        run_each(files, chosen, finished)
        return with_skipped(scenarios, results)
    return run


@modeling.owner_work
def run_next(session, runner=None):
    """Run the oldest queued job to its end; return True when there was one."""
    job = claim_oldest(session, ValidationJob, runner or worker_identity())
    if job is None:
        return False
    try:
        merged, target = modeling.rebase(session, get_version(session, job.base_version_id),
                                         dict(job.files))
        results = modeling.check_candidate(merged, _progressing(session, job, target),
                                           modeling.added_names(target.files, job.files))
        job.ok, job.scenarios = True, results
    except InvalidDefinition as exc:
        job.ok, job.problems = False, problems_json(exc.problems)
    except ScenarioFailed as exc:
        failed = [r for r in exc.results if not r.get("ok")]
        job.ok, job.scenarios = False, exc.results
        job.message = (f"{failed[0].get('title')}: {failed[0].get('message')}"[:500]
                       if failed else "")
    except (StaleBase, NotFound) as exc:
        job.ok, job.message = False, str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - a job must end, whatever its definition does
        with contextlib.suppress(Exception):
            session.rollback()
        job = session.get(ValidationJob, job.id)
        job.ok, job.message = False, f"{type(exc).__name__}: {exc}"[:500]
    job.status, job.finished_at = "done", clock.utcnow()
    session.commit()
    return True


def run_pending(limit=5):
    """The worker lane's turn: run up to `limit` queued jobs; return how many ran."""
    ran = 0
    while ran < limit and run_next(db.session):
        ran += 1
    return ran
