"""The engine's facade (contracts §4): the only functions views and CLI commands call.

Every function takes a SQLAlchemy session first and flushes; the caller commits. On Conflict
the session's transaction has been rolled back, so nothing of the losing attempt is written.
"""
import re
from contextlib import contextmanager
from copy import deepcopy
from datetime import date

from sqlalchemy import select

from engine import audit, clock
from engine.definitions.versions import (
    current_version,
    deploy_bundle,
    deploy_directory,
    export_version,
    get_version,
    latest_version,
)
from engine.errors import Conflict, EngineError, NoRecipient, NotFound, PathwayAlreadyActive, SandboxViolation
from engine.migration import moves
from engine.migration.moves import NotMigratable, dry_run, grouped
from engine.models import AwaitedMessage, Pathway, Patient, TaskDraft, TaskRecord, WorklistItem
from engine.runtime import pathways, projection, spiff, timers
from engine.runtime.decisions import decide, phase_in_dates
from engine.runtime.drafts import PREVIOUS_KEY
from engine.runtime.heartbeat import alive as worker_alive
from engine.runtime.heartbeat import beat, forget_old, latest_beat, worker_identity
from engine.sandbox import expressions, failures, isolation

# Re-exported for the web layer and the CLI, which reach the engine only through the facades.
__all__ = [
    "current_version", "deploy_bundle", "deploy_directory", "export_version", "get_version",
    "latest_version", "decide", "NotMigratable", "dry_run", "grouped", "phase_in_dates", "PREVIOUS_KEY",
    "worker_alive", "beat", "forget_old", "latest_beat", "worker_identity",
]
CPR = re.compile(r"^\d{10}$")
SEXES = ("M", "K")


class InvalidInput(EngineError):
    """Input to the facade is malformed (for example a CPR number that is not 10 digits)."""


def _now(now):
    return clock.as_utc(now) if now is not None else clock.utcnow()


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


def register_patient(session, cpr, name, sex, birth_date, region, municipality):
    """Find a patient by CPR number, or register a new one."""
    cpr = (cpr or "").replace("-", "").strip()
    if not CPR.match(cpr):
        raise InvalidInput("CPR number must be 10 digits")
    existing = session.scalar(select(Patient).where(Patient.cpr == cpr))
    if existing is not None:
        return existing
    if sex not in SEXES:
        raise InvalidInput(f"sex must be one of {SEXES}")
    if not (name or "").strip():
        raise InvalidInput("name is required")
    if isinstance(birth_date, str):
        birth_date = date.fromisoformat(birth_date)
    patient = Patient(cpr=cpr, name=name.strip(), sex=sex, birth_date=birth_date,
                      region=region, municipality=municipality, created_at=clock.utcnow())
    session.add(patient)
    session.flush()
    return patient


def start_pathway(session, patient_id, data, actor, now=None):
    """Start a pathway for a patient on the current definition version, in the entry stage."""
    now = _now(now)
    # Lock the patient's row (PostgreSQL) so two referrals at once cannot both pass the
    # "no active pathway" check; the second waits, then sees the first one's pathway.
    locked = session.scalar(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    patient = session.get(Patient, patient_id) if locked is not None else None
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    active = session.scalar(select(Pathway.id).where(Pathway.patient_id == patient_id,
                                                     Pathway.status == "active"))
    if active is not None:
        raise PathwayAlreadyActive(f"patient {patient_id} already has active pathway {active}")
    version = current_version(session)
    if version is None:
        raise NotFound("no pathway definition is deployed")
    previous = session.scalar(select(Pathway.id).where(Pathway.patient_id == patient_id)
                              .order_by(Pathway.id.desc()).limit(1))
    data = spiff.jsonable(dict(data or {}))
    pathway = Pathway(patient_id=patient_id, version_id=version.id, status="active",
                      started_at=now, updated_at=now, previous_pathway_id=previous,
                      region_org=data.get("region_org"),
                      municipality_org=data.get("municipality_org"), run_no=0)
    session.add(pathway)
    session.flush()
    live = pathways.Live(pathway, pathways.bundle_of(session, version.id), None, patient.name)
    with clock.frozen_at(now), _click(patient_id=patient_id, version_id=version.id):
        pathways.start_run(live, pathways.ENTRY_STAGE, data, now, actor, reason="start")
        live.records[-1].data = spiff.jsonable({"to": pathways.ENTRY_STAGE, "data": data})
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
    audit.record(session, actor, "pathway.start", patient_id=patient_id, pathway_id=pathway.id,
                 detail=f"version {version.id}")
    return pathway


def ready_tasks(session, pathway_id):
    """Open user tasks of a pathway, from the worklist projection (no workflow is loaded)."""
    return list(session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id, WorklistItem.kind == "task")
        .order_by(WorklistItem.due_at, WorklistItem.id)))


def complete_task(session, pathway_id, task_id, data, actor, expected_lock=None, now=None):
    """Complete a ready user task with form data; step, continue-as-new, save and project."""
    now = _now(now)
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
        live.record("task", actor, now, data=clean, task_spec=spec.bpmn_id,
                    title=spec.bpmn_name or spec.name, lane=spec.lane,
                    form_id=(spec.extensions or {}).get("properties", {}).get("form"),
                    phase=phase or live.process.name)
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
    draft = session.get(TaskDraft, (pathway_id, str(task_id)))
    if draft is not None:
        session.delete(draft)
        session.flush()
    return live.pathway


def save_draft(session, pathway_id, task_id, data, actor):
    """Keep unsubmitted form data for an open task."""
    draft = session.get(TaskDraft, (pathway_id, str(task_id)))
    if draft is None:
        draft = TaskDraft(pathway_id=pathway_id, task_id=str(task_id))
        session.add(draft)
    kept = {PREVIOUS_KEY: draft.data[PREVIOUS_KEY]} if PREVIOUS_KEY in (draft.data or {}) else {}
    # values a migration set aside stay until the task is completed (the form never posts them)
    draft.data = dict(spiff.jsonable(data or {}), **kept)
    draft.actor, draft.saved_at = actor, clock.utcnow()
    session.flush()
    return draft


def get_draft(session, pathway_id, task_id):
    """The saved draft of a task, or None."""
    return session.get(TaskDraft, (pathway_id, str(task_id)))


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
    now = _now(now)
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


def tick(session, now=None, limit=500, actor="system", stop=None):
    """Fire due timers of up to `limit` pathways (until `stop()`); return how many fired."""
    return timers.sweep(session, _now(now), limit, actor, stop=stop)


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



def check_expression(kind, text):
    """(ok, reason, line) for one expression compiled in the sandbox (see engine.sandbox.expressions)."""
    return expressions.check_expression(kind, text)


def configure_sandbox(click_budget_s=None):
    """Set the per-click time budget of definitions' code (None keeps the default)."""
    isolation.configure(click_budget_s=click_budget_s)


def record_sandbox_failure(session, exc, actor, source=""):
    """Store, log and audit a definition's failure in the sandbox (the caller commits)."""
    failures.record(session, exc, actor, source=source)



__all__ += [
    "InvalidInput",
    "check_expression",
    "claim_task",
    "complete_task",
    "configure_sandbox",
    "deliver_message",
    "get_draft",
    "history",
    "migrate_pathway",
    "pathway_data",
    "ready_tasks",
    "record_sandbox_failure",
    "register_patient",
    "release_task",
    "save_draft",
    "start_pathway",
    "tick",
]
