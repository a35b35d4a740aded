"""Leave (orlov) pauses the inpatient stage's deadlines, as MedCom's STOR and SLOR tell it.

The inpatient tasks' deadlines count from the stage's start (`due` on the BPMN tasks). While
the patient is on leave an open task has no deadline (its deadline is kept on the leave);
when the leave ends every paused deadline moves on by the leave's length. Tasks that open
during a leave are paused too, and tasks that open after it get the stay's leave time added.
Urgent tasks (an acute suicide-risk assessment) keep their deadline: safety does not pause.
The leaves live on the stay (`hospital_stay.leaves`): [{start, end, paused, shifted, shift_s}].
"""
from datetime import datetime, timedelta

from sqlalchemy import event, select

from engine.clock import as_utc
from engine.models import WorklistItem
from webui.fhir.models import HospitalStay

STAGE = "indlagt"


def _when(text):
    return as_utc(datetime.fromisoformat(text))


def length(leave) -> timedelta:
    """How long an ended leave lasted (zero while it is open)."""
    if not leave.get("start") or not leave.get("end"):
        return timedelta(0)
    return max(timedelta(0), _when(leave["end"]) - _when(leave["start"]))


def _open_items(session, pathway_id):
    """Open, non-urgent tasks of the pathway in the inpatient stage."""
    return session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id, WorklistItem.stage == STAGE, WorklistItem.kind == "task",
        WorklistItem.urgent.is_(False))).all()


def pause(session, pathway_id, leave) -> dict:
    """The leave with the open tasks' deadlines taken off them and kept on it."""
    paused = dict(leave.get("paused") or {})
    shifted, shift = set(leave.get("shifted") or []), timedelta(seconds=leave.get("shift_s") or 0)
    for item in _open_items(session, pathway_id):
        if item.due_at is not None:
            # a deadline moved by this leave before (a cancelled end of leave) goes back first
            due = as_utc(item.due_at) - (shift if item.task_id in shifted else timedelta(0))
            paused[item.task_id], item.due_at = due.isoformat(), None
    return {k: v for k, v in leave.items() if k not in ("shifted", "shift_s")} | {"paused": paused}


def resume(session, pathway_id, leave, shift=True) -> dict:
    """The leave with its paused deadlines given back, moved on by its length (not when cancelled)."""
    by = length(leave) if shift else timedelta(0)
    paused = dict(leave.get("paused") or {})
    shifted = []
    for item in _open_items(session, pathway_id):
        if item.task_id in paused:
            item.due_at = _when(paused[item.task_id]) + by
            shifted.append(item.task_id)
    rest = {k: v for k, v in leave.items() if k != "paused"}
    return rest | {"shifted": shifted, "shift_s": int(by.total_seconds())}


def correct_end(session, pathway_id, leave, before: timedelta) -> dict:
    """The leave after its end was corrected: the deadlines it moved move by the difference."""
    delta = length(leave) - before
    shifted = set(leave.get("shifted") or [])
    for item in _open_items(session, pathway_id):
        if item.task_id in shifted and item.due_at is not None:
            item.due_at = as_utc(item.due_at) + delta
    return leave | {"shift_s": int(length(leave).total_seconds())}


def _current_stay(session, pathway_id):
    return session.scalar(select(HospitalStay).where(
        HospitalStay.pathway_id == pathway_id, HospitalStay.status.in_(("in-progress", "onleave")))
        .order_by(HospitalStay.id.desc()).limit(1))


def new_tasks(session, _context, _instances):
    """before_flush: a task opening in the inpatient stage during a stay with leave is paused
    (on leave now) or gets the stay's ended leave time added to its deadline."""
    items = [o for o in session.new if isinstance(o, WorklistItem) and o.stage == STAGE and o.kind == "task"
             and not o.urgent and o.due_at is not None]
    if not items:
        return
    with session.no_autoflush:
        for item in items:
            stay = _current_stay(session, item.pathway_id)
            if stay is None or not stay.leaves:
                continue
            if stay.status == "onleave":
                last = dict(stay.leaves[-1])
                last["paused"] = dict(last.get("paused") or {}) | {item.task_id: as_utc(item.due_at).isoformat()}
                stay.leaves, item.due_at = [*stay.leaves[:-1], last], None
            else:
                item.due_at = as_utc(item.due_at) + sum((length(leave) for leave in stay.leaves), timedelta(0))


def register(session_target):
    """Listen on the web app's sessions (once, however many apps are created)."""
    if not event.contains(session_target, "before_flush", new_tasks):
        event.listen(session_target, "before_flush", new_tasks)
