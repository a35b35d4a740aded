"""The engine's facade (contracts §4): the only functions views and CLI commands call.

Every function takes a SQLAlchemy session first and flushes; the caller commits. On Conflict
the session's transaction has been rolled back, so nothing of the losing attempt is written.
"""
from contextlib import contextmanager
from copy import deepcopy

from sqlalchemy import select

from engine import audit, clock
from engine.definitions.review import require_approved
from engine.definitions.versions import (
    current_version,
    deploy_bundle,
    deploy_directory,
    export_version,
    get_version,
    latest_version,
    note_digest,
    version_digest,
)
from engine.errors import Conflict, InvalidInput, NoRecipient, NotFound, SandboxViolation
from engine.migration import moves
from engine.migration.moves import NotMigratable, dry_run, grouped
from engine.models import AwaitedMessage, Pathway, TaskRecord, WorklistItem
from engine.runtime import draft_store, pathways, patient_choice, patients, projection, spiff, timers
from engine.runtime.decisions import decide, phase_in_dates
from engine.runtime.draft_facade import (
    closed_drafts,
    discard_closed_draft,
    get_draft,
    save_draft,
    task_fate,
)
from engine.runtime.drafts import PREVIOUS_KEY
from engine.runtime.heartbeat import alive as worker_alive
from engine.runtime.heartbeat import beat, forget_old, latest_beat, worker_identity
from engine.runtime.patients import register_patient
from engine.runtime.reconciliation import queue_referral
from engine.sandbox import failures, isolation
from engine.sandbox.expressions import check_expression
from engine.sandbox.failures import record as record_sandbox_failure
from engine.sandbox.health import sandbox_answers, sandbox_confinement

# Re-exported for the web layer and the CLI, which reach the engine only through the facades.
__all__ = [
    "current_version", "deploy_bundle", "deploy_directory", "export_version", "get_version",
    "latest_version", "version_digest", "note_digest", "decide", "NotMigratable", "dry_run",
    "grouped", "phase_in_dates",
    "PREVIOUS_KEY", "worker_alive", "beat", "forget_old", "latest_beat", "worker_identity",
    "queue_referral",
]
@contextmanager
def _click(**where):
    """One time budget for every evaluation of this call; a violation learns where it happened
    (`where` is filled in as the call finds out: pathway, patient_id, version_id)."""
    with isolation.click():
        try:
            yield where
        except SandboxViolation as exc:
            failures.annotate(exc, where.get("pathway"), where.get("patient_id"),
                              where.get("version_id"))
            raise


def start_pathway(session, patient_id, data, actor, now=None):
    """Start a pathway for a patient on the current definition version, in the entry stage.

    `patient_id` may be a Patient from register_patient(write=False). The entry stage's code
    runs before the pathway's (and that patient's) row is written, so on SQLite a slow
    definition never holds the database's one write lock (pathways.save writes them).
    """
    now = clock.or_now(now)
    with session.no_autoflush:  # nothing this click queued is written while code evaluates
        patient = patients.to_start(session, patient_id)
        version = current_version(session)
        if version is None:
            raise NotFound("no pathway definition is deployed")
        require_approved(version, "starting a pathway")
        previous = session.scalar(select(Pathway.id).where(Pathway.patient_id == patient.id)
                                  .order_by(Pathway.id.desc()).limit(1)) if patient.id else None
        data = spiff.jsonable(dict(data or {}))
        pathway = Pathway(patient_id=patient.id, version_id=version.id, status="active",
                          started_at=now, updated_at=now, previous_pathway_id=previous,
                          region_org=data.get("region_org"),
                          municipality_org=data.get("municipality_org"), run_no=0)
        live = pathways.Live(pathway, pathways.bundle_of(session, version.id), None, patient.name)
        live.new_patient = patient
    with clock.frozen_at(now), _click(patient_id=patient.id, version_id=version.id):
        with session.no_autoflush:
            pathways.start_run(live, pathways.ENTRY_STAGE, data, now, actor, reason="start")
            live.records[-1].data = spiff.jsonable({"to": pathways.ENTRY_STAGE, "data": data})
            pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)  # its sandboxed `due` runs before the rows are written
    audit.record(session, actor, "pathway.start", patient_id=pathway.patient_id,
                 pathway_id=pathway.id, detail=f"version {version.id}")
    return pathway


def ready_tasks(session, pathway_id):
    """Open user tasks of a pathway, from the worklist projection (no workflow is loaded)."""
    return list(session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id, WorklistItem.kind == "task")
        .order_by(WorklistItem.due_at, WorklistItem.id)))


def complete_task(session, pathway_id, task_id, data, actor, expected_lock=None, now=None):
    """Complete a ready user task with form data; step, continue-as-new, save and project."""
    now = clock.or_now(now)
    with clock.frozen_at(now), _click() as where:
        live = pathways.load(session, pathway_id, expected_lock)
        where["pathway"] = live.pathway
        task = spiff.user_task(live.workflow, task_id)
        spec, clean = task.task_spec, spiff.jsonable(dict(data or {}))
        phase = (getattr(spec, "extensions", None) or {}).get("properties", {}).get("phase")

        def run():
            task.data.update(deepcopy(clean))
            task.run()
            live.workflow.do_engine_steps()
        spiff.step(run, spec.bpmn_id)
        projection.mark_treatment_contact(live.pathway, spec, now)
        live.granted = _chosen_participants(clean)
        if clean.get("tovholder_org"):  # enrolment: the web edge derives it from the chosen user
            live.pathway.tovholder_org = str(clean["tovholder_org"])[:64]
        live.done_task = str(task_id)
        live.record("task", actor, now, data=clean, task_spec=spec.bpmn_id, task_id=str(task_id),
                    title=spec.bpmn_name or spec.name, lane=spec.lane,
                    form_id=(spec.extensions or {}).get("properties", {}).get("form"),
                    phase=phase or live.process.name)
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
    # after the worklist row is gone (and a racing save's lock released): its draft goes too
    draft_store.discard(session, pathway_id, task_id)
    return live.pathway


def _chosen_participants(form_data):
    """Organisations a person chose in a submitted form (`participating_orgs`, validated by the
    web edge against the organisation table); only these, besides the referral's, grant access."""
    chosen = form_data.get("participating_orgs")
    return {str(c)[:64] for c in chosen if c} if isinstance(chosen, list) else set()


def _item(session, item_id):
    # Row-locked (PostgreSQL) and re-read: two people claiming at once cannot both succeed.
    item = session.scalar(select(WorklistItem).where(WorklistItem.id == item_id)
                          .with_for_update().execution_options(populate_existing=True))
    if item is None:
        raise NotFound(f"worklist item {item_id} does not exist")
    return item


def claim_task(session, item_id, username):
    """Assign an open task to a user (Conflict when someone else has it)."""
    item = _item(session, item_id)
    if item.assignee not in (None, username):
        raise Conflict(f"the task is already assigned to {item.assignee}")
    item.assignee = username
    session.flush()
    return item


def release_task(session, item_id, username):
    """Give a claimed task back to the team (only its assignee may)."""
    item = _item(session, item_id)
    if item.assignee not in (None, username):
        raise Conflict(f"the task is assigned to {item.assignee}, not {username}")
    item.assignee = None
    session.flush()
    return item


def deliver_message(session, name, patient_id, payload, actor, now=None):
    """Deliver a BPMN message to the patient's pathway that waits for it (else NoRecipient)."""
    now = clock.or_now(now)
    pathway_id = session.scalar(
        select(AwaitedMessage.pathway_id).join(Pathway, Pathway.id == AwaitedMessage.pathway_id)
        .where(AwaitedMessage.patient_id == patient_id, AwaitedMessage.name == name,
               Pathway.status == "active").limit(1))
    if pathway_id is None:
        raise NoRecipient(f"no active pathway of patient {patient_id} waits for message '{name}'")
    clean = spiff.jsonable(dict(payload or {}))
    with clock.frozen_at(now), _click() as where:
        live = pathways.load(session, pathway_id)
        where["pathway"] = live.pathway
        caught = spiff.step(lambda: spiff.deliver(live.workflow, name, clean))
        if not caught:
            raise NoRecipient(f"pathway {pathway_id} no longer waits for message '{name}'")
        spiff.step(live.workflow.do_engine_steps)
        live.record("message", actor, now, data=clean, task_spec=name, title=name)
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
    audit.record(session, actor, "pathway.message", patient_id=patient_id,
                 pathway_id=pathway_id, detail=name)
    return live.pathway


def end_pathway(session, pathway_id, reason, actor, notify=(), now=None):
    """End an active pathway from outside its model (e.g. the patient died): its tasks close,
    the given organisations get a notice of kind `reason`."""
    now = clock.or_now(now)
    with clock.frozen_at(now), _click() as where:
        live = pathways.load(session, pathway_id)
        where["pathway"] = live.pathway
        pathways.end_now(session, live, reason, now, actor, notify)
    audit.record(session, actor, "pathway.end", patient_id=live.pathway.patient_id,
                 pathway_id=pathway_id, detail=reason)
    return live.pathway


def note_event(session, pathway_id, title, data, actor, now=None):
    """Add an event to the pathway's history without moving it (e.g. a hospital leave)."""
    pathway = session.get(Pathway, pathway_id)
    if pathway is None:
        raise NotFound(f"pathway {pathway_id} does not exist")
    record = TaskRecord(pathway_id=pathway.id, run_no=pathway.run_no, stage=pathway.stage,
                        phase=pathway.phase, title=str(title)[:200], kind="event",
                        actor=actor or "system", at=clock.or_now(now), data=spiff.jsonable(dict(data or {})),
                        version_id=pathway.version_id)
    session.add(record)
    session.flush()
    return record


def tick(session, now=None, limit=500, actor="system", stop=None):
    """Fire due timers of up to `limit` pathways (until `stop()`); return how many fired."""
    return timers.sweep(session, clock.or_now(now), limit, actor, stop=stop)


def pathway_data(session, pathway_id) -> dict:
    """A copy of the active pathway's current workflow data (EngineError when it has ended)."""
    return deepcopy(pathways.load(session, pathway_id).data)


def history(session, pathway_id):
    """Every completed task and system event of a pathway, oldest first."""
    return list(session.scalars(select(TaskRecord).where(TaskRecord.pathway_id == pathway_id)
                                .order_by(TaskRecord.at, TaskRecord.id)))


def migrate_pathway(session, pathway_id, version_id, actor, now=None):
    """Move a pathway's current run to another version, keeping its progress (NotMigratable)."""
    with _click(version_id=version_id):
        return moves.migrate(session, pathway_id, version_id, actor, now=now)



def configure_sandbox(click_budget_s=None):
    """Set the per-click time budget of definitions' code (None keeps the default)."""
    isolation.configure(click_budget_s=click_budget_s)


def record_patient_choice(session, pathway_id, kind, on, reason, actor, until=None, now=None):
    """Record that the patient postponed the start (to `until`) or declined treatment, on day
    `on`, with a reason; the guarantee's clock stops as L 126 allows (docs/indicators.md)."""
    now = clock.or_now(now)
    pathway = session.get(Pathway, pathway_id)
    if pathway is None:
        raise NotFound(f"pathway {pathway_id} does not exist")
    why = patient_choice.problem(pathway, kind, on, until, reason, now)
    if why:
        raise InvalidInput(why)
    patient_choice.record(pathway, kind, on, until, reason, now)
    audit.record(session, actor, "pathway.patient_choice", patient_id=pathway.patient_id,
                 pathway_id=pathway_id, detail=f"{kind} on {on}" + (f" until {until}" if until else ""))
    return pathway


__all__ += [
    "InvalidInput",
    "record_patient_choice",
    "check_expression",
    "claim_task",
    "closed_drafts",
    "discard_closed_draft",
    "complete_task",
    "configure_sandbox",
    "sandbox_confinement",
    "deliver_message",
    "get_draft",
    "history",
    "migrate_pathway",
    "pathway_data",
    "ready_tasks",
    "sandbox_answers",
    "record_sandbox_failure",
    "register_patient",
    "release_task",
    "save_draft",
    "start_pathway",
    "task_fate",
    "tick",
]
