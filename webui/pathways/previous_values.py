"""Draft values a migration set aside because the task's new form has no field for them."""
from engine import service
from engine.service import PREVIOUS_KEY
from webui.extensions import db


def previous_values(pathway_id, task_id):
    """{'version', 'form_id', 'values'} set aside for this task's draft, or None."""
    return previous_values_of(service.get_draft(db.session, pathway_id, task_id))


def previous_values_of(draft):
    """The same, from a draft the caller has already read (or None)."""
    previous = (draft.data or {}).get(PREVIOUS_KEY) if draft is not None else None
    return previous if previous and previous.get("values") else None
