"""Drafts under concurrency: one upsert per save, and drafts that follow their task.

A save is one ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL alike), so two first
saves of the same task cannot collide on the primary key. A draft whose task closed without
being completed (another lane ended the cycle, the pathway moved on) is never dropped: it
moves to the open task of the same element, or stays, marked closed, for the patient page.
"""
from typing import cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.db import once
from engine.models import TaskDraft, WorklistItem
from engine.runtime.drafts import PREVIOUS_KEY

KEY = ["pathway_id", "task_id"]  # the draft's primary key, the upsert's conflict target


def _ids(pathway_id, task_id):
    """The bound parameters of a statement keyed by the task."""
    return {"pathway_id": pathway_id, "task_id": str(task_id)}


@once
def _open_task_query():
    return (select(WorklistItem).where(WorklistItem.pathway_id == bindparam("pathway_id"),
                                       WorklistItem.task_id == bindparam("task_id"),
                                       WorklistItem.kind == "task")
            .execution_options(populate_existing=True))


@once
def _locked_open_task_query():
    return _open_task_query().with_for_update()


def open_task(session, pathway_id, task_id, lock=False):
    """The open worklist row of a task (row-locked on PostgreSQL when `lock`), or None."""
    query = _locked_open_task_query() if lock else _open_task_query()
    return session.scalar(query, _ids(pathway_id, task_id))


def _draft_key():
    return (TaskDraft.pathway_id == bindparam("pathway_id"),
            TaskDraft.task_id == bindparam("task_id"))


@once
def _earlier_data_query():
    return select(TaskDraft.data).where(*_draft_key())


@once
def _upsert_statement(dialect):
    """INSERT … ON CONFLICT DO UPDATE of a whole draft row (the values are bound per call)."""
    table = cast(Table, TaskDraft.__table__)
    insert = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    updated = [column.name for column in table.columns if column.name not in KEY]
    return insert.on_conflict_do_update(
        index_elements=KEY, set_={name: insert.excluded[name] for name in updated})


def upsert(session, item, data, actor, now):
    """Insert or replace the draft of `item`'s task in one statement; keep set-aside values."""
    earlier = session.scalar(_earlier_data_query(), _ids(item.pathway_id, item.task_id)) or {}
    if PREVIOUS_KEY in earlier:  # values a migration set aside stay until the task is completed
        data = dict(data, **{PREVIOUS_KEY: earlier[PREVIOUS_KEY]})
    values = dict(pathway_id=item.pathway_id, task_id=item.task_id, data=data, actor=actor,
                  saved_at=now, form_id=item.form_id, task_spec=item.task_spec,
                  title=item.title or "",
                  closed_at=None, closed_reason=None)
    session.execute(_upsert_statement(session.get_bind(mapper=TaskDraft).dialect.name), values)


@once
def _get_query():
    return select(TaskDraft).where(*_draft_key()).execution_options(populate_existing=True)


def get(session, pathway_id, task_id):
    """The stored draft of a task as it is now (never a stale copy from the identity map)."""
    return session.scalar(_get_query(), _ids(pathway_id, task_id))


@once
def _discard_statement():
    return delete(TaskDraft).where(*_draft_key()).execution_options(synchronize_session=False)


def discard(session, pathway_id, task_id):
    """Delete a task's draft, if any (one statement: a concurrent delete is no error)."""
    session.execute(_discard_statement(), _ids(pathway_id, task_id))


def follow(session, pathway_id, now, done=None, cause=None):
    """Carry drafts of tasks that closed uncompleted to the open task of the same element, or
    mark them closed (with `cause`, the title of what closed them) so they stay visible.

    `done` is the task just completed: its draft is the completer's business, not carried."""
    drafts = session.scalars(select(TaskDraft).where(
        TaskDraft.pathway_id == pathway_id, TaskDraft.closed_at.is_(None))
        .execution_options(populate_existing=True)).all()
    if not drafts:
        return
    rows = session.execute(select(WorklistItem.task_id, WorklistItem.task_spec,
                                  WorklistItem.form_id, WorklistItem.title)
                           .where(WorklistItem.pathway_id == pathway_id,
                                  WorklistItem.kind == "task")).all()
    taken = {draft.task_id for draft in drafts} | {str(done)}
    open_ids = {row.task_id for row in rows}
    for draft in drafts:
        if draft.task_id in open_ids or draft.task_id == str(done):
            continue
        target = next((row for row in rows if row.task_id not in taken and _same_task(draft, row)),
                      None)
        if target is not None:
            taken.add(target.task_id)
            draft.task_id, draft.title = target.task_id, target.title
        else:
            draft.closed_at, draft.closed_reason = now, (cause or "")[:300] or None
    session.flush()


def _same_task(draft, row):
    """The open task is the next cycle's of the draft's: the same element (or, for a draft
    saved before elements were kept, the same form)."""
    if draft.task_spec:
        return row.task_spec == draft.task_spec and row.form_id == draft.form_id
    return bool(draft.form_id) and row.form_id == draft.form_id


def closed(session, pathway_id):
    """Drafts of a pathway whose task closed without them, newest first."""
    return list(session.scalars(_closed_query(), {"pathway_id": pathway_id}))


@once
def _closed_query():
    return (select(TaskDraft).where(TaskDraft.pathway_id == bindparam("pathway_id"),
                                    TaskDraft.closed_at.is_not(None))
            .order_by(TaskDraft.closed_at.desc()))
