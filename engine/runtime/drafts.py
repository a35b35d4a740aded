"""Drafts across a form change: keep what still fits, set the rest aside to show, never drop it.

A version's forms are its bundle's `forms/<form_id>.json` files when it carries them, else
the shared `forms/definitions/<form_id>.json` (form-js JSON: every field has a `key`).
"""
import json
from pathlib import Path

from sqlalchemy import select

from engine.definitions.versions import FORMS_DIR
from engine.models import DefinitionVersion

# Draft key under which values that no longer fit the task's form are kept and shown.
PREVIOUS_KEY = "_previous_version"


def _collect_keys(components, keys):
    for component in components or []:
        if isinstance(component, dict):
            if component.get("key"):
                keys.add(component["key"])
            _collect_keys(component.get("components"), keys)


def keys_of(definition):
    """Every field key of a form-js definition (nested groups included)."""
    keys: set[str] = set()
    _collect_keys((definition or {}).get("components"), keys)
    return keys


class FormKeys:
    """Field keys of a version's forms, read once per (version, form) in one migration context."""

    def __init__(self, session, forms_dir=FORMS_DIR):
        self.session, self.forms_dir = session, Path(forms_dir)
        self._files, self._keys = {}, {}

    def _bundle_form(self, version_id, form_id):
        if version_id not in self._files:
            files = self.session.scalar(select(DefinitionVersion.files).where(
                DefinitionVersion.id == version_id)) or {}
            self._files[version_id] = {name: text for name, text in files.items()
                                       if name.startswith("forms/")}
        return self._files[version_id].get(f"forms/{form_id}.json")

    def get(self, version_id, form_id):
        """The field keys of `form_id` in `version_id`, or None when the form is unknown."""
        key = (version_id, form_id)
        if key not in self._keys:
            text = self._bundle_form(version_id, form_id) if form_id else None
            path = self.forms_dir / f"{form_id}.json"
            if text is None and form_id and path.is_file():
                text = path.read_text(encoding="utf-8")
            try:
                self._keys[key] = keys_of(json.loads(text)) if text else None
            except ValueError:
                self._keys[key] = None
        return self._keys[key]


def remap(data, old_keys, new_keys, from_version, old_form):
    """(draft data for the new form, values set aside) — nothing is ever dropped.

    A value stays when its key is a field of the new form (or when either form is unknown);
    otherwise it moves under PREVIOUS_KEY with the version and form it came from, merged with
    anything set aside by an earlier migration.
    """
    data = dict(data or {})
    earlier = data.pop(PREVIOUS_KEY, None)
    if new_keys is None or old_keys == new_keys:
        if earlier:
            data[PREVIOUS_KEY] = earlier
        return data, {}
    aside = {k: v for k, v in data.items() if k not in new_keys}
    kept = {k: v for k, v in data.items() if k in new_keys}
    if earlier or aside:
        values = dict((earlier or {}).get("values") or {})
        values.update(aside)
        kept[PREVIOUS_KEY] = {"version": (earlier or {}).get("version", from_version),
                              "form_id": (earlier or {}).get("form_id", old_form),
                              "values": values}
    return kept, aside
