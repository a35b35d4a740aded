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

from engine.errors import Message
from forms.patterns import pattern_problem
from forms.scoring import check_spec
from forms.text import TextRefused, clean_text, markup_problem

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
FORM_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# form-js component types we render and validate; "text" and friends carry no data. The editor's
# palette offers exactly these (webui/static/modeler/form-editor.js hides the rest).
INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "checklist", "radio", "select", "taglist",
               "datetime"}
LAYOUT_TYPES = {"text", "html", "group", "separator", "spacer"}
OPTION_TYPES = {"checklist", "radio", "select", "taglist"}
DATETIME_SUBTYPES = {"date", "time", "datetime"}
# form-js types that need something the task page does not do (run a button, fetch a URL, upload a
# file, compute from variables, repeat a group), with the reason the owner is told.
UNSUPPORTED_TYPES = {
    "button": "siden har sine egne knapper",
    "iframe": "siden viser ikke indhold fra andre adresser",
    "image": "siden viser ikke billeder fra andre adresser",
    "table": "tabeller med data understøttes ikke",
    "filepicker": "filer kan ikke vedhæftes her",
    "documentPreview": "dokumentvisning understøttes ikke",
    "dynamiclist": "gentagne grupper understøttes ikke",
    "expression": "beregnede felter understøttes ikke",
}
SECTION_KEYS = ("criteria", "purpose", "needs", "activities", "tools")
RULE_KINDS = {"required", "contains"}
# keys whose text a person reads: on the task page (Markdown, raw HTML off) and in the
# form editor, which would insert raw HTML into its canvas
SHOWN_KEYS = frozenset({"label", "description", "text", "content", "placeholder", "title", "draft_notice",
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
        super().__init__(f"formularen {form_id!r} er ugyldig: " + "; ".join(problems))
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


def field_label(component) -> str:
    """The label form-js shows for a component: ``label``, or ``dateLabel``/``timeLabel`` for dates."""
    if component.get("label"):
        return str(component["label"])
    if component.get("type") == "datetime":
        date_label, time_label = component.get("dateLabel"), component.get("timeLabel")
        if component.get("subtype") == "time":
            return str(time_label or "")
        return str(date_label or time_label or "")
    return ""


def _walk(components):
    """Yield every component, descending into groups."""
    for component in components:
        yield component
        if component.get("type") == "group":
            yield from _walk(component.get("components", []))


def _check_component(c, problems, seen):
    """Append the problems of one component to ``problems`` (in Danish: the owner reads them)."""
    ctype = c.get("type")
    if ctype in UNSUPPORTED_TYPES:
        problems.append(Message("feltet %(key)r af typen %(type)r kan ikke bruges: %(why)s",
                                key=c.get("key") or c.get("id") or "", type=ctype,
                                why=UNSUPPORTED_TYPES[ctype]))
        return
    if ctype not in INPUT_TYPES | LAYOUT_TYPES:
        problems.append(Message("ukendt felttype %(type)r", type=ctype))
        return
    if ctype not in INPUT_TYPES:
        return
    key = c.get("key")
    if not isinstance(key, str) or not FIELD_KEY.match(key):
        problems.append(Message("ugyldig feltnøgle %(key)r: små bogstaver, tal og _, begynder med et "
                                "bogstav", key=key))
    elif key in seen:
        problems.append(Message("feltnøglen %(key)r findes flere gange", key=key))
    seen.add(key)
    if not field_label(c):
        problems.append(Message("feltet %(key)r har ingen etiket", key=key))
    if ctype in OPTION_TYPES:
        values = [v.get("value") for v in c.get("values", []) if isinstance(v, dict)]
        if not values or len(values) != len(set(values)) or not all(isinstance(v, str) and v for v in values):
            problems.append(Message("feltet %(key)r skal have valgmuligheder med forskellige, udfyldte "
                                    "tekstværdier", key=key))
    validate = c.get("validate", {})
    for bound in ("min", "max", "minLength", "maxLength"):
        if bound in validate and not isinstance(validate[bound], (int, float)):
            problems.append(Message("feltet %(key)r: %(bound)s skal være et tal", key=key, bound=bound))
    if "pattern" in validate:  # run with RE2 (linear time): refuse what RE2 cannot take
        problem = pattern_problem(validate["pattern"])
        if problem:
            problems.append(f"feltet {key!r}: {problem}")
    if ctype == "datetime" and c.get("subtype", "date") not in DATETIME_SUBTYPES:
        problems.append(Message("feltet %(key)r: ukendt dato/tid-type %(subtype)r", key=key,
                                subtype=c.get("subtype")))


def check_schema(form_id, schema, texts=True):
    """Return the problems of a form-js schema with ``x-forlob`` metadata (empty list: fine)."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return [Message("filen skal indeholde et JSON-objekt")]
    if texts:
        problems += check_texts(schema)
    if schema.get("id") != form_id:
        problems.append(Message("id %(id)r passer ikke til filnavnet", id=schema.get("id")))
    if schema.get("type") != "default":
        problems.append(Message("type skal være 'default'"))
    components = schema.get("components")
    if not isinstance(components, list) or not components:
        problems.append(Message("components skal være en liste med mindst ét felt"))
        components = []
    seen: set[object] = set()  # field keys met so far (malformed ones too)
    for c in _walk(components):
        if not isinstance(c, dict):
            problems.append(Message("hvert felt skal være et objekt"))
            continue
        _check_component(c, problems, seen)
    meta = schema.get("x-forlob")
    if not isinstance(meta, dict):
        return problems + [Message("x-forlob (titel, fase, vejledning) mangler")]
    for key in ("title", "phase", "draft_notice"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            problems.append(Message("x-forlob.%(key)s mangler", key=key))
    sections = meta.get("sections")
    if sections is not None and set(sections) != set(SECTION_KEYS):
        problems.append(f"x-forlob.sections skal have præcis {', '.join(SECTION_KEYS)}")
    if not isinstance(meta.get("sources", []), list):
        problems.append("x-forlob.sources skal være en liste")
    for rule in meta.get("rules", []):
        if rule.get("kind") not in RULE_KINDS or rule.get("field") not in seen:
            problems.append(f"ugyldig regel {rule!r}")
        elif any(k not in seen for k in rule.get("when", {})):
            problems.append(f"reglen {rule!r} afhænger af et ukendt felt")
    scoring = meta.get("scoring")
    if scoring is not None:
        missing = [k for k in scoring.get("items", []) if k not in seen]
        if missing or not scoring.get("items"):
            problems.append(f"pointfelter mangler i formularen: {missing}")
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
        raise FormDefinitionError(form_id, [f"ugyldig JSON: {exc}"]) from exc
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
