"""What a migration keeps of a pathway's open tasks: their drafts and their worklist rows."""
from sqlalchemy import select

from engine.models import WorklistItem
from engine.runtime import projection, spiff
from engine.runtime.drafts import remap


def carry_drafts(ctx, live, change, old_version, drafts):
    """Drafts of kept tasks follow the new form. Drafts of removed tasks stay: saving the
    pathway (pathways.save → draft_store.follow) moves each to a task of the same element
    that the migration created, or marks it closed by the migration, shown on the patient
    page; the history record keeps a copy of their values too."""
    if not drafts:
        return {}
    forms = {str(t.id): projection.task_properties(t).get("form")
             for t in spiff.ready_user_tasks(live.workflow)}
    aside = {}
    for draft in drafts:
        if draft.task_id in change.removed:
            aside[draft.task_id] = dict(draft.data or {})
        elif draft.task_id in change.kept:
            old_form = change.old_forms.get(draft.task_id)
            data, moved = remap(draft.data, ctx.forms.get(old_version, old_form),
                                ctx.forms.get(ctx.version_id, forms.get(draft.task_id)),
                                old_version, old_form)
            if moved:
                draft.data = spiff.jsonable(data)
                aside[draft.task_id] = moved
    return aside


def refresh_rows(session, live, change):
    """Kept worklist rows take the new version's title, element and form; their claim, creation
    time and due date stay (the due date is recomputed only when its expression changed)."""
    tasks = {tid: t for tid, t in ((str(t.id), t) for t in spiff.ready_user_tasks(live.workflow))
             if tid in change.kept}
    if not tasks:
        return
    due = projection.wanted_items(live) if change.due_changed else {}
    for row in session.scalars(select(WorklistItem).where(
            WorklistItem.pathway_id == live.pathway.id, WorklistItem.task_id.in_(list(tasks)))):
        spec = tasks[row.task_id].task_spec
        row.title, row.task_spec = spec.bpmn_name or spec.name, spec.bpmn_id
        row.form_id = projection.task_properties(tasks[row.task_id]).get("form")
        if row.task_id in change.due_changed:
            row.due_at = due[row.task_id]["due"]
