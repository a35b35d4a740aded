"""Drafts as the facade offers them: an open task's unsubmitted form, and what is kept after."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from engine import clock
from engine.errors import NotFound, TaskClosed
from engine.models import TaskRecord
from engine.runtime import draft_store, spiff


def save_draft(session, pathway_id, task_id, data, actor, now=None):
    """Keep unsubmitted form data for an open task (TaskClosed when it is no longer open).

    The task's worklist row is locked first (PostgreSQL) so a completion waits for the save
    and then removes the draft with the task; the draft is one upsert, so two first saves at
    once cannot collide; the row is read again after the write (SQLite takes its write lock
    there), so a draft is never stored for a task that closed meanwhile. Returns nothing: the
    caller that wants the draft reads it with `get_draft` (a save is the page's autosave, and
    reading the row back on every one of them was a statement nobody used)."""
    now = clock.or_now(now)
    item = draft_store.open_task(session, pathway_id, task_id, lock=True)
    if item is None:
        raise TaskClosed(f"task {task_id} of pathway {pathway_id} is no longer open")
    try:
        draft_store.upsert(session, item, spiff.jsonable(dict(data or {})), actor, now)
        if draft_store.open_task(session, pathway_id, task_id) is None:
            raise TaskClosed(f"task {task_id} of pathway {pathway_id} closed during the save")
    except (IntegrityError, StaleDataError, ObjectDeletedError) as exc:  # the pathway went away
        raise TaskClosed(f"task {task_id} of pathway {pathway_id} closed during the save: "
                         f"{type(exc).__name__}") from None


def get_draft(session, pathway_id, task_id):
    """The saved draft of an open task, or None."""
    draft = draft_store.get(session, pathway_id, task_id)
    return draft if draft is not None and draft.closed_at is None else None


def closed_drafts(session, pathway_id):
    """Drafts kept although their task closed without them (shown on the patient page)."""
    return draft_store.closed(session, pathway_id)


def discard_closed_draft(session, pathway_id, task_id):
    """Delete a closed task's kept draft once someone has taken what they needed from it."""
    draft = draft_store.get(session, pathway_id, task_id)
    if draft is None or draft.closed_at is None:
        raise NotFound(f"no kept draft for task {task_id} of pathway {pathway_id}")
    draft_store.discard(session, pathway_id, task_id)


def task_fate(session, pathway_id, task_id):
    """What became of a task that is no longer open: (its completion record or None, the
    draft kept for it or None); neither means it closed as the pathway moved on."""
    done = session.scalar(select(TaskRecord).where(
        TaskRecord.pathway_id == pathway_id, TaskRecord.task_id == str(task_id),
        TaskRecord.kind == "task").limit(1))
    return done, draft_store.get(session, pathway_id, task_id)
