"""Form definitions: form-js JSON, checked for well-formedness and cached by content.

The repository's forms live in ``forms/definitions``; a deployed version carries its own copies
(``forms/<id>.json`` in its bundle), which ``parse_form`` reads for pathways on that version.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from forms.scoring import check_spec
from forms.text import TextRefused, clean_text, markup_problem

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
FORM_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# form-js component types we render and validate; "text" and friends carry no data.
INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "checklist", "radio", "select", "datetime"}
LAYOUT_TYPES = {"text", "group", "separator", "spacer"}
OPTION_TYPES = {"checklist", "radio", "select"}
SECTION_KEYS = ("criteria", "purpose", "needs", "activities", "tools")
RULE_KINDS = {"required", "contains"}
# keys whose text a person reads: on the task page (Markdown, raw HTML off) and in the
# form editor, which would insert raw HTML into its canvas
SHOWN_KEYS = frozenset({"label", "description", "text", "placeholder", "title", "draft_notice",
                        "criteria", "purpose", "needs", "activities", "tools"})
TEXT_MAX = 20000  # the longest text a definition may hold (a guide section)


def _strings(value, key=None):
    """Every (key, string) in a parsed JSON value; list items carry their list's key."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, item in value.items():
            yield None, k
            yield from _strings(item, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)


def check_texts(schema) -> list[str]:
    """Problems of a definition's text: every string follows the one text rule, shown text
    holds no raw HTML. Checked when a definition is saved or previewed (not when a deployed
    one is read, so a version saved before this rule still opens)."""
    problems: list[str] = []
    for key, text in _strings(schema):
        try:
            clean_text(text, TEXT_MAX)
        except TextRefused as exc:
            problems.append(f"text {text[:40]!r} {exc}")
            continue
        if key in SHOWN_KEYS:
            reason = markup_problem(text)
            if reason:
                problems.append(f"{key} {text[:60]!r}: {reason}")
    return problems


class FormDefinitionError(ValueError):
    """A form definition file is malformed; ``problems`` lists what is wrong."""

    def __init__(self, form_id, problems):
        super().__init__(f"form {form_id!r} is malformed: " + "; ".join(problems))
        self.form_id = form_id
        self.problems = problems


class UnknownForm(KeyError):
    """No form definition with that id exists."""


@dataclass(frozen=True)
class FormDefinition:
    """A loaded form: the raw form-js schema, our metadata and the input fields in order."""

    id: str
    schema: dict
    meta: dict
    fields: tuple = field(default_factory=tuple)

    @property
    def title(self):
        """The form's Danish title."""
        return self.meta["title"]

    @property
    def field_map(self):
        """Input components by key."""
        return {f["key"]: f for f in self.fields}


def _walk(components):
    """Yield every component, descending into groups."""
    for component in components:
        yield component
        if component.get("type") == "group":
            yield from _walk(component.get("components", []))


def _check_component(c, problems, seen):
    """Append the problems of one component to ``problems``."""
    ctype = c.get("type")
    if ctype not in INPUT_TYPES | LAYOUT_TYPES:
        problems.append(f"unknown component type {ctype!r}")
        return
    if ctype not in INPUT_TYPES:
        return
    key = c.get("key")
    if not isinstance(key, str) or not FIELD_KEY.match(key):
        problems.append(f"bad field key {key!r}")
    elif key in seen:
        problems.append(f"duplicate field key {key!r}")
    seen.add(key)
    if not c.get("label"):
        problems.append(f"field {key!r} has no label")
    if ctype in OPTION_TYPES:
        values = [v.get("value") for v in c.get("values", []) if isinstance(v, dict)]
        if not values or len(values) != len(set(values)) or not all(isinstance(v, str) and v for v in values):
            problems.append(f"field {key!r} needs unique non-empty string option values")
    validate = c.get("validate", {})
    for bound in ("min", "max", "minLength", "maxLength"):
        if bound in validate and not isinstance(validate[bound], (int, float)):
            problems.append(f"field {key!r}: {bound} must be a number")
    if ctype == "datetime" and c.get("subtype") != "date":
        problems.append(f"field {key!r}: only date subtype is supported")


def check_schema(form_id, schema, texts=True):
    """Return the problems of a form-js schema with ``x-forlob`` metadata (empty list: fine)."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return ["the file must hold a JSON object"]
    if texts:
        problems += check_texts(schema)
    if schema.get("id") != form_id:
        problems.append(f"id {schema.get('id')!r} does not match the file name")
    if schema.get("type") != "default":
        problems.append("type must be 'default'")
    components = schema.get("components")
    if not isinstance(components, list) or not components:
        problems.append("components must be a non-empty list")
        components = []
    seen: set[object] = set()  # field keys met so far (malformed ones too)
    for c in _walk(components):
        if not isinstance(c, dict):
            problems.append("every component must be an object")
            continue
        _check_component(c, problems, seen)
    meta = schema.get("x-forlob")
    if not isinstance(meta, dict):
        return problems + ["x-forlob metadata is missing"]
    for key in ("title", "phase", "draft_notice"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            problems.append(f"x-forlob.{key} is missing")
    sections = meta.get("sections")
    if sections is not None and set(sections) != set(SECTION_KEYS):
        problems.append(f"x-forlob.sections must have exactly {', '.join(SECTION_KEYS)}")
    if not isinstance(meta.get("sources", []), list):
        problems.append("x-forlob.sources must be a list")
    for rule in meta.get("rules", []):
        if rule.get("kind") not in RULE_KINDS or rule.get("field") not in seen:
            problems.append(f"bad rule {rule!r}")
        elif any(k not in seen for k in rule.get("when", {})):
            problems.append(f"rule {rule!r} depends on an unknown field")
    scoring = meta.get("scoring")
    if scoring is not None:
        missing = [k for k in scoring.get("items", []) if k not in seen]
        if missing or not scoring.get("items"):
            problems.append(f"scoring items missing from the form: {missing}")
        else:
            fields = {c["key"]: c for c in _walk(components) if isinstance(c, dict) and c.get("key")}
            problems += check_spec(scoring, fields)
    return problems


def _definition(form_id, schema):
    """A checked FormDefinition from a parsed schema (FormDefinitionError when malformed)."""
    problems = check_schema(form_id, schema, texts=False)  # texts: checked when saved
    if problems:
        raise FormDefinitionError(form_id, problems)
    fields = tuple(c for c in _walk(schema["components"]) if c.get("type") in INPUT_TYPES)
    return FormDefinition(id=form_id, schema=schema, meta=schema["x-forlob"], fields=fields)


def parse_form(form_id, text) -> FormDefinition:
    """A form from its JSON text (as stored in a deployed bundle), checked; cached by content."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _parse_cached(form_id, hashlib.sha256(text.encode("utf-8")).hexdigest(), text)


@lru_cache(maxsize=512)
def _parse_cached(form_id, digest, text):
    """parse_form's cache: one parse per (form id, content hash) per process."""
    if not isinstance(form_id, str) or not FORM_ID.match(form_id):
        raise UnknownForm(form_id)
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormDefinitionError(form_id, [f"invalid JSON: {exc}"]) from exc
    return _definition(form_id, schema)


def form_text(form_id):
    """The JSON text of a form in forms/definitions (UnknownForm when there is none)."""
    if not isinstance(form_id, str) or not FORM_ID.match(form_id):
        raise UnknownForm(form_id)
    path = DEFINITIONS_DIR / f"{form_id}.json"
    if not path.is_file():
        raise UnknownForm(form_id)
    return path.read_text(encoding="utf-8")


def load_form(form_id) -> FormDefinition:
    """Load and check one form of the repository's forms/definitions (UnknownForm if none)."""
    return parse_form(form_id, form_text(form_id))


def form_ids():
    """The ids of every form definition on disk, sorted."""
    return sorted(p.stem for p in DEFINITIONS_DIR.glob("*.json"))
