"""Nothing typed is lost: when someone else completed a task first, show both versions.

The user's own entries are shown read-only and as plain text to copy, beside what the other
person saved (the newest completed record of the same task in the pathway).
"""
from flask import render_template
from sqlalchemy import select

from engine.models import TaskRecord as R
from forms.registry import form_ids
from webui.pathways.definitions import form_definition
from webui.pathways.formview import build_fields, raw_from_post, shown_elsewhere, walk_inputs


def as_text(definition, raw) -> str:
    """The entries as 'label: value' lines, for copying into the next form."""
    return "\n".join(f"{label}: {value}" for label, value in as_pairs(definition, raw))


def as_pairs(definition, raw) -> list[tuple[str, str]]:
    """(label, value) of each entry, by the form's labels and option labels (a key the form
    does not know keeps its key as label, so nothing typed is left out)."""
    lines, known = [], set()
    for component in walk_inputs(definition.get("components")):
        known.add(component["key"])
        value = raw.get(component["key"])
        if value in (None, "", [], False):
            continue
        labels = {str(v.get("value")): v.get("label") for v in component.get("values") or []}
        if isinstance(value, list):
            value = ", ".join(labels.get(str(v), str(v)) for v in value)
        elif value is True:
            value = "Ja"
        else:
            value = labels.get(str(value), str(value))
        lines.append((component.get("label") or component["key"], value))
    lines += [(key, str(value)) for key, value in raw.items()
              if key not in known and not key.startswith("_") and value not in (None, "", [], False)]
    return lines


def kept_text(draft, version_id) -> str:
    """A kept draft's values as 'label: value' lines (plain key: value for an unknown form)."""
    data = {k: v for k, v in (draft.data or {}).items() if not k.startswith("_")}
    definition = form_definition(draft.form_id, version_id) if draft.form_id in set(form_ids()) else {}
    return as_text(definition, data)


def render_conflict(session, pathway, posted, notice=None):
    """The conflict page for a post to a task that is no longer open, or None when unknown."""
    form_id, task_spec = posted.get("form_id", ""), posted.get("task_spec", "")
    if form_id not in set(form_ids()):
        return None
    definition = form_definition(form_id, pathway.version_id)
    raw = raw_from_post(definition, posted)
    saved = session.scalar(select(R).where(R.pathway_id == pathway.id, R.form_id == form_id,
                                           R.task_spec == task_spec, R.kind == "task")
                           .order_by(R.id.desc()).limit(1))
    skip = shown_elsewhere(definition)
    mine = build_fields(definition.get("components"), raw, {}, prefix="mine", skip_texts=skip)
    theirs = build_fields(definition.get("components"), (saved.data if saved else {}) or {}, {},
                          prefix="saved", skip_texts=skip) if saved else []
    return render_template("pathways/conflict.html", pathway=pathway, definition=definition,
                           mine=mine, theirs=theirs, saved=saved,
                           mine_text=as_text(definition, raw), notice=notice), 409
