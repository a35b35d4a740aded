"""Timer sweeps: find due pathways by the indexed next_due_at column and fire their timers."""
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from engine import audit, clock
from engine.errors import Conflict, EngineError, SandboxViolation
from engine.models import Pathway
from engine.runtime import pathways, spiff
from engine.sandbox import failures, isolation

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)  # a pathway whose timer fails is retried this much later


def due_pathway_ids(session, now, limit):
    """Ids of active pathways with a due timer, oldest first; row-locked (SKIP LOCKED) on PostgreSQL."""
    query = (select(Pathway.id).where(Pathway.next_due_at <= now, Pathway.status == "active")
             .order_by(Pathway.next_due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def fire(session, pathway_id, now, actor):
    """Fire the due timers of one pathway; return how many fired."""
    with clock.frozen_at(now), isolation.click():  # each pathway gets its own time budget
        live = pathways.load(session, pathway_id)
        due = [(task, name) for task, kind, name, at in spiff.waiting_events(live.workflow)
               if kind == "timer" and at is not None and clock.as_utc(at) <= now]
        spiff.step(lambda: (live.workflow.refresh_timers(), live.workflow.do_engine_steps()))
        fired = [(task, name) for task, name in due if task.state != spiff.WAITING]
        for task, name in fired:
            live.record("timer", actor, now, task_spec=task.task_spec.bpmn_id,
                        title=name or task.task_spec.bpmn_id)
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
    return len(fired)


def sweep(session, now, limit, actor, stop=None):
    """One sweep: cost is proportional to the due pathways, not to all pathways.

    `stop()` is asked before each pathway: a stopping worker ends after the pathway in hand.
    """
    total = 0
    for pathway_id in due_pathway_ids(session, now, limit):
        if stop is not None and stop():
            break
        try:
            total += fire(session, pathway_id, now, actor)
        except (Conflict, SQLAlchemyError):
            raise  # the transaction is gone: the caller rolls back and the next sweep retries
        except Exception as exc:  # noqa: BLE001 - any other failure parks this pathway only,
            _park(session, pathway_id, now, exc, actor)  # so it cannot stop every timer
    return total


def _park(session, pathway_id, now, exc, actor):
    """Record a failing timer and retry later, so one broken pathway cannot block the sweep."""
    log.error("timer of pathway %s failed: %s", pathway_id, exc,
              exc_info=not isinstance(exc, EngineError))
    pathway = session.get(Pathway, pathway_id)
    session.refresh(pathway)
    pathway.last_error = str(exc)[:4000]
    pathway.next_due_at = now + RETRY_AFTER
    if isinstance(exc, SandboxViolation):
        failures.record(session, failures.annotate(exc, pathway), actor, source="tick")
    audit.record(session, actor, "timer.error", patient_id=pathway.patient_id,
                 pathway_id=pathway_id, detail=str(exc))
    session.flush()
