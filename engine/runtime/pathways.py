"""The live pathway: load, continue-as-new between stages, and save under an optimistic lock."""
from copy import deepcopy

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from engine.db import once
from engine.definitions.versions import bundle_of
from engine.errors import Conflict, EngineError, NotFound, RunTooLarge
from engine.models import AwaitedMessage, Pathway, PathwayRun, Patient, TaskRecord, WorklistItem
from engine.runtime import draft_store, projection, spiff, stays, trace

ENTRY_STAGE = "henvisning"
MAX_CHAIN = 25  # stage changes one step may cause; more means a definition loops without waiting
# Hard cap on one run's serialized state (characters of spiff.dump, about bytes): a run that
# outgrows it (a cycle timer or loop adding to it forever) is refused at save, and a timer
# sweep parks the pathway with this reason. A real stage's run is a few tens of kB.
MAX_STATE_BYTES = 1_000_000
ENGINE_KEYS = ("stage", "previous_stage", "stage_entered_at", "run_started_at",
               "pathway_id", "patient_id")


class Live:
    """A pathway row with its definition bundle and its current run's workflow in memory."""

    def __init__(self, pathway, bundle, workflow, patient_name):
        self.pathway = pathway
        self.bundle = bundle
        self.workflow = workflow
        self.patient_name = patient_name
        self.records = []
        self.notices = {}   # key -> notification dict, written to the inbox on save
        # organisations a person chose in this step (enrolment's further participants, from
        # the submitted form the web edge validated): the only way besides the referral's
        # organisations that an organisation becomes a participant (never workflow data)
        self.granted = set()
        self.done_task = None  # the task id this step completed (its draft is not carried)
        self.new_patient = None  # a patient registered in this click, written with the pathway

    @property
    def stage(self):
        """The stage (process id) of the current run."""
        return self.pathway.stage

    @property
    def process(self):
        """The process of the current run."""
        return self.bundle.process(self.pathway.stage)

    @property
    def data(self):
        """The data the current run has reached."""
        return spiff.current_data(self.workflow)

    def record(self, kind, actor, now, data=None, task_spec=None, title="", form_id=None,
               lane=None, phase=None, task_id=None):
        """Queue a history row for this pathway."""
        self.records.append(TaskRecord(
            pathway_id=self.pathway.id, run_no=self.pathway.run_no, stage=self.pathway.stage,
            phase=phase or self.pathway.phase, task_spec=task_spec, title=title or "",
            form_id=form_id, lane=lane, kind=kind, actor=actor or "system", at=now,
            data=spiff.jsonable(data or {}), version_id=self.pathway.version_id,
            task_id=task_id))


def load(session, pathway_id, expected_lock=None):
    """Load an active pathway and restore its workflow (sandbox attached)."""
    # populate_existing: a row the caller read earlier (e.g. an access check) is read again
    # whole, so stage, lock_version and state come from one version of the row; otherwise the
    # deferred state could be newer than the stage and the lock (seen under load as a 500)
    # the patient's name (the worklist rows carry it) comes in the same statement
    found = session.execute(_load_query(), {"pathway_id": pathway_id}).first()
    if found is None:
        raise NotFound(f"pathway {pathway_id} does not exist")
    pathway, name = found
    if expected_lock is not None and int(expected_lock) != pathway.lock_version:
        raise Conflict(f"pathway {pathway_id} was changed by someone else "
                       f"(version {pathway.lock_version}, you had {expected_lock})")
    if pathway.status != "active" or not pathway.state:
        raise EngineError(f"pathway {pathway_id} has ended")
    bundle = bundle_of(session, pathway.version_id)
    process = bundle.process(pathway.stage)
    workflow = spiff.step(lambda: spiff.load(process, pathway.state))
    return Live(pathway, bundle, workflow, name)


@once
def _load_query():
    return (select(Pathway, Patient.name).outerjoin(Patient, Patient.id == Pathway.patient_id)
            .where(Pathway.id == bindparam("pathway_id")).options(undefer(Pathway.state))
            .execution_options(populate_existing=True))


def data_defaults(process):
    """Names the stage's start event declares (`data_defaults`) that a run begins with.

    A pathway started on an older version and migrated onto this one lacks the keys only the
    newer version's entry stage sets; a stage that reads them declares them, and a new run
    begins with None for each one the carried data lacks (its condition then sees "not done"
    instead of failing on an unknown name)."""
    names = []
    for spec in process.spec.task_specs.values():
        if type(spec).__name__ != "StartEvent":
            continue
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        names += [n.strip() for n in str(props.get("data_defaults", "")).split(",") if n.strip()]
    return names


def start_run(live, stage, data, now, actor, reason=""):
    """Begin a new run of `stage` with carried data (continue-as-new), then step it."""
    if stage not in live.bundle.processes:
        raise EngineError(f"next_stage '{stage}' is not a stage of definition version "
                          f"{live.pathway.version_id}")
    pathway = live.pathway
    previous = pathway.stage
    carried = {k: v for k, v in data.items() if not k.startswith("_") and k != "next_stage"}
    carried.pop("data_objects", None)
    for name in data_defaults(live.bundle.process(stage)):
        carried.setdefault(name, None)
    carried.update(stage=stage, previous_stage=previous, run_started_at=now.isoformat(),
                   pathway_id=pathway.id, patient_id=pathway.patient_id)
    if stage != previous or not carried.get("stage_entered_at"):
        carried["stage_entered_at"] = now.isoformat()
    pathway.stage = stage
    pathway.run_no = (pathway.run_no or 0) + 1
    pathway.run_started_at = now
    process = live.bundle.process(stage)
    live.workflow = spiff.new_workflow(process, spiff.jsonable(carried))
    live.record("start" if previous is None else "stage", actor, now, phase=process.name,
                data={"from": previous, "to": stage, "reason": reason}, task_spec=stage,
                title=process.name)
    spiff.step(live.workflow.do_engine_steps)


def settle(session, live, now, actor="system"):
    """While the run is complete: archive it and continue as new, or end the pathway."""
    for _ in range(MAX_CHAIN):
        workflow = live.workflow
        if not workflow.is_completed():
            return
        trace.note(workflow, live.pathway.stage)  # the run's last elements, before it is archived
        data = spiff.current_data(workflow)
        projection.collect_notices(live, data)  # a run's last step may have notified
        pathway = live.pathway
        next_stage = data.get("next_stage") or None
        live.records.append(PathwayRun(
            pathway_id=pathway.id, run_no=pathway.run_no, stage=pathway.stage,
            version_id=pathway.version_id, started_at=pathway.run_started_at or now,
            ended_at=now, next_stage=next_stage, data=spiff.jsonable(data)))
        if next_stage is None:
            _end(live, data, now, actor)
            return
        start_run(live, next_stage, deepcopy(data), now, actor)
    raise EngineError(f"pathway {live.pathway.id} changed stage {MAX_CHAIN} times in one step; "
                      f"a stage must wait for a task, timer or message")


def _end(live, data, now, actor):
    pathway = live.pathway
    pathway.status = "ended"
    pathway.ended_at = now
    pathway.end_reason = str(data.get("end_reason") or "")[:200] or None
    live.record("stage", actor, now, data={"from": pathway.stage, "to": None,
                                           "end_reason": pathway.end_reason},
                title="Forløb afsluttet")


def save(session, live, now):
    """Write state, summary and projections; the lock check comes first so a loser writes nothing."""
    with spiff.unchanging(live.workflow):  # stuck check, summary and projection walk it once
        _save(session, live, now)


def _save(session, live, now):
    pathway = live.pathway
    ended = pathway.status != "active"
    if not ended:
        stuck = spiff.stuck_tasks(live.workflow)
        if stuck:  # would silently stop: active, not completed, nothing can ever move it on
            raise EngineError(f"stage '{pathway.stage}' of pathway {pathway.id} would stop for "
                              f"good in {', '.join(stuck) or 'no task'}: it waits for neither "
                              f"a user task, a timer nor a message")
    if not ended:
        trace.note(live.workflow, pathway.stage)
    new = pathway.id is None
    if new:  # a start: every evaluation first, then the rows (no write lock while code runs)
        projection.update_summary(live, now)
        if not ended:
            projection.collect_notices(live, live.data)
        wanted = projection.wanted_items(live)
        _insert(session, live)
    try:
        state = None if ended else spiff.dump(live.workflow)
    except (TypeError, ValueError) as exc:  # e.g. a script or DMN left a date object in the data
        raise EngineError(f"the data of stage '{pathway.stage}' of pathway {pathway.id} cannot "
                          f"be stored ({exc}); dates must be ISO text, e.g. iso(d)") from None
    if state is not None and len(state) > MAX_STATE_BYTES:
        raise RunTooLarge(f"the run of stage '{pathway.stage}' of pathway {pathway.id} would "
                          f"store {len(state):,} bytes, more than the cap of "
                          f"{MAX_STATE_BYTES:,}: the definition lets a run grow without bound "
                          f"(a repeating timer or loop); nothing of this step was saved")
    pathway.state = state
    if not new:
        projection.update_summary(live, now)
        if not ended:
            projection.collect_notices(live, live.data)
        wanted = projection.wanted_items(live)  # sandboxed `due` runs before anything is written
    flag_modified(pathway, "updated_at")  # always UPDATE, so the lock is always checked
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict(f"pathway {pathway.id} was changed by someone else at the same time; "
                       f"reload and try again") from None
    if ended:
        session.execute(delete(WorklistItem).where(WorklistItem.pathway_id == pathway.id))
        session.execute(delete(AwaitedMessage).where(AwaitedMessage.pathway_id == pathway.id))
    removed = projection.write(session, live, now, wanted)
    cause = next((r.title for r in reversed(live.records)  # a migration's is "Version 3 → 5"
                  if getattr(r, "kind", None) in ("task", "message", "migration")), None)
    stays.note(session, pathway, live.records)
    session.add_all(live.records)
    live.records = []
    session.flush()
    if ended or set(removed) - {live.done_task}:  # tasks closed uncompleted: their drafts
        # follow them into the next cycle or stay visible (the completed task's own draft is
        # complete_task's business, so a plain completion costs no query here)
        draft_store.follow(session, pathway.id, now, done=live.done_task, cause=cause)


def _insert(session, live):
    """Write a started pathway's row (and its new patient's, queued by the caller), then give
    the run, its history and its archived runs the ids they carried as None."""
    pathway = live.pathway
    session.flush()  # a patient registered in this click, and the click's audit rows
    if pathway.patient_id is None:
        pathway.patient_id = live.new_patient.id
    session.add(pathway)
    session.flush()
    ids = {"pathway_id": pathway.id, "patient_id": pathway.patient_id}
    spiff.fill_missing(live.workflow, ids)
    for record in live.records:
        if record.pathway_id is None:
            record.pathway_id = pathway.id
        spiff.fill_none(record.data, ids)
        spiff.fill_none((record.data or {}).get("data"), ids)


def end_now(session, live, reason, now, actor, notify=()):
    """End the pathway from outside its model (e.g. the patient died): archive the current run,
    close its tasks and waits, and notify the given organisations."""
    pathway = live.pathway
    data = dict(live.data, end_reason=reason)
    for org in notify:
        if org:
            live.notices.setdefault(f"{reason}:{now.isoformat()}:{org}"[:120], {
                "type": "HospitalNotification", "event": reason, "to": org,
                "from": pathway.region_org, "at": now.isoformat()})
    live.records.append(PathwayRun(
        pathway_id=pathway.id, run_no=pathway.run_no, stage=pathway.stage,
        version_id=pathway.version_id, started_at=pathway.run_started_at or now,
        ended_at=now, next_stage=None, data=spiff.jsonable(data)))
    _end(live, data, now, actor)
    save(session, live, now)
