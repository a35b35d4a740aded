"""Draft values a migration set aside because the task's new form has no field for them."""
from engine import service
from engine.service import PREVIOUS_KEY
from forms.registry import UnknownForm
from webui.extensions import db
from webui.pathways.conflict import as_pairs
from webui.pathways.definitions import form_definition


def previous_values(pathway_id, task_id):
    """{'version', 'form_id', 'values', 'entries'} set aside for this task's draft, or None.

    `entries` are (label, value) by the form they were typed into (the older version's), so the
    task shows them as the user saw them, not as data keys (issue 22).
    """
    return previous_values_of(service.get_draft(db.session, pathway_id, task_id))


def previous_values_of(draft):
    """The same, from a draft the caller has already read (or None)."""
    previous = (draft.data or {}).get(PREVIOUS_KEY) if draft is not None else None
    if not previous or not previous.get("values"):
        return None
    return dict(previous, entries=_entries(previous))


def _entries(previous):
    values = previous["values"]
    try:
        definition = form_definition(previous.get("form_id"), previous.get("version"))
    except UnknownForm:
        definition = {}
    return as_pairs(definition, values)
