"""What changed between two versions of a stage: SpiffWorkflow's SpecDiff, classified for migration.

SpiffWorkflow aligns task specs by BPMN id (`SpiffWorkflow.bpmn.util.diff.SpecDiff`) and
lists the serialized attributes that differ. Here those attribute names are sorted into
"text only" (labels, documentation, guidance properties: safe anywhere) and everything else.
"""
import json

from SpiffWorkflow.bpmn.util.diff import SpecDiff

from engine.runtime.drafts import keys_of
from engine.runtime.spiff import SERIALIZER

# Attributes of a serialized task spec that only change what people read.
TEXT_ATTRS = {"bpmn_name", "documentation", "description"}
# spiffworkflow:properties that steer the engine; every other property is guidance text.
ENGINE_PROPERTIES = {"form", "due"}


class Changes:
    """A SpecDiff of one stage between two versions, with per-spec change kinds."""

    def __init__(self, old_spec, new_spec):
        self.old_spec, self.new_spec = old_spec, new_spec
        self.diff = SpecDiff(SERIALIZER.registry, old_spec, new_spec)
        self.added = {spec.name for spec in self.diff.added}
        self.removed = {spec.name for spec in self.diff.removed}
        self.kinds = {spec.name: self._kinds(spec, new, self.diff.comparisons.get(spec) or [])
                      for spec, new in self.diff.alignment.items() if new is not None}

    def _kinds(self, old, new, attrs):
        """The set of change kinds of an aligned spec: 'text', 'form', 'due', 'timer', 'flow'…"""
        kinds = set()
        for attr in attrs:
            if attr in TEXT_ATTRS:
                kinds.add("text")
            elif attr == "extensions":
                kinds |= _property_kinds(old, new)
            elif attr == "event_definition":
                kinds.add(_event_kind(old, new))
            elif attr in ("outputs", "inputs"):
                kinds.add(attr)
            elif attr == "lane":
                kinds.add("lane")
            else:
                kinds.add(attr)
        return kinds

    def kinds_of(self, name):
        """Change kinds of the spec called `name` (empty when unchanged or unknown)."""
        return self.kinds.get(name, set())

    def new_of(self, old_spec):
        """The new spec aligned with an old spec, or None when it was removed."""
        return self.diff.alignment.get(old_spec)

    @property
    def text_only(self):
        """True when nothing but texts changed: no spec added or removed, only text kinds."""
        return not self.added and not self.removed and all(
            kinds <= {"text"} for kinds in self.kinds.values())

    def summary(self):
        """Readable lines: added, removed and changed specs (for the dry run)."""
        lines = [f"+ {name}" for name in sorted(self.added)]
        lines += [f"- {name}" for name in sorted(self.removed)]
        lines += [f"~ {name}: {', '.join(sorted(kinds))}"
                  for name, kinds in sorted(self.kinds.items()) if kinds]
        return lines


def _property_kinds(old, new):
    old_props = (getattr(old, "extensions", None) or {}).get("properties", {}) or {}
    new_props = (getattr(new, "extensions", None) or {}).get("properties", {}) or {}
    old_rest = {k: v for k, v in (getattr(old, "extensions", None) or {}).items()
                if k != "properties"}
    new_rest = {k: v for k, v in (getattr(new, "extensions", None) or {}).items()
                if k != "properties"}
    kinds = set()
    for key in set(old_props) | set(new_props):
        if old_props.get(key) != new_props.get(key):
            kinds.add(key if key in ENGINE_PROPERTIES else "text")
    if old_rest != new_rest:  # scripts, called decisions, …: behaviour
        kinds.add("extensions")
    return kinds


def _event_kind(old, new):
    """'text' when only a timer's name (its label) changed, else 'timer'/'event'."""
    first = SERIALIZER.registry.convert(old.event_definition)
    second = SERIALIZER.registry.convert(new.event_definition)
    if "expression" in first:  # timers copy the element's label into their name
        first.pop("name", None)
        second.pop("name", None)
        return "text" if first == second else "timer"
    return "event"


class ChangeCache:
    """Changes per (old bundle, new bundle, stage), computed once per migration context."""

    def __init__(self):
        self._cache = {}

    def get(self, old_bundle, new_bundle, stage):
        """The Changes of `stage` from old_bundle to new_bundle (both must have the stage)."""
        key = (old_bundle.content_hash, new_bundle.content_hash, stage)
        if key not in self._cache:
            self._cache[key] = Changes(old_bundle.process(stage).spec,
                                       new_bundle.process(stage).spec)
        return self._cache[key]


def bundle_text_only(old_bundle, new_bundle, old_files=None, new_files=None):
    """(True, []) when every stage changed in texts only and DMN files are unchanged."""
    reasons = []
    if set(old_bundle.processes) != set(new_bundle.processes):
        reasons.append("stages were added or removed")
    for stage in sorted(set(old_bundle.processes) & set(new_bundle.processes)):
        changes = Changes(old_bundle.process(stage).spec, new_bundle.process(stage).spec)
        if not changes.text_only:
            reasons.append(f"{stage}: {'; '.join(changes.summary())}")
    if old_files is not None and new_files is not None:
        for name in sorted(set(old_files) | set(new_files)):
            if name.endswith(".dmn") and old_files.get(name) != new_files.get(name):
                reasons.append(f"{name}: decision table changed")
            if name.startswith("forms/") and _form_keys(old_files.get(name)) != \
                    _form_keys(new_files.get(name)):
                reasons.append(f"{name}: form fields changed")
    return not reasons, reasons


def _form_keys(text):
    try:
        return keys_of(json.loads(text)) if text else None
    except ValueError:
        return None
