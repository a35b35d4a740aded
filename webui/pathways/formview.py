"""Turn a form-js definition into view models for the Jinja form macros, and read posts back."""
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from forms.registry import field_label

# Raw HTML in form texts is escaped: only Markdown formatting is rendered.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})

# form-js component type → how its value is read from a post.
MULTI_VALUE_TYPES = frozenset({"checklist", "taglist"})
BOOLEAN_TYPES = frozenset({"checkbox"})
CONTAINER_TYPES = frozenset({"group", "dynamiclist"})
STATIC_TYPES = frozenset({"text", "html", "separator", "spacer", "image"})
INPUT_TYPES = frozenset({"textfield", "textarea", "number", "radio", "select", "datetime",
                         "checkbox", "checklist", "taglist", "expression"})


def markdown(text) -> Markup:
    """Render form text (Markdown, no raw HTML) to safe HTML."""
    return _rendered(str(text or ""))


@lru_cache(maxsize=2048)  # a form's texts are the same on every page view: parsed once each
def _rendered(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text))  # noqa: S704  (markdown-it with raw HTML off)


def walk_inputs(components):
    """Yield every input component, looking inside groups."""
    for component in components or []:
        if component.get("type") in CONTAINER_TYPES:
            yield from walk_inputs(component.get("components"))
        elif component.get("type") in INPUT_TYPES and component.get("key"):
            yield component


def raw_from_post(definition: dict, form) -> dict:
    """The submitted values of the form's own fields (other posted names are ignored)."""
    raw = {}
    for component in walk_inputs(definition.get("components")):
        key, kind = component["key"], component.get("type")
        if kind in MULTI_VALUE_TYPES:
            raw[key] = form.getlist(key)
        elif kind in BOOLEAN_TYPES:
            raw[key] = key in form
        elif kind == "expression":
            continue  # computed by the server, never taken from the browser
        else:
            raw[key] = form.get(key, "")
    return raw


def _options(component):
    """The (value, label) options of a choice component."""
    return [(str(v.get("value")), v.get("label", v.get("value"))) for v in component.get("values") or []]


def _selected(value):
    """The set of chosen values as strings, for choice widgets."""
    if isinstance(value, (list, tuple, set)):
        return {str(v) for v in value}
    if value in (None, ""):
        return set()
    return {str(value).lower() if isinstance(value, bool) else str(value)}


def _input_type(component):
    """The HTML input type of a datetime component."""
    subtype = component.get("subtype", "date")
    return {"date": "date", "time": "time", "datetime": "datetime-local"}.get(subtype, "date")


def shown_elsewhere(definition: dict) -> list[str]:
    """Metadata texts the page shows beside the form (title, draft notice, sections, sources)."""
    meta = definition.get("x-forlob") or {}
    texts = [meta.get("title"), meta.get("draft_notice"), *(meta.get("sources") or [])]
    texts += [v if isinstance(v, str) else "\n".join(map(str, v))
              for v in (meta.get("sections") or {}).values()]
    return [t for t in texts if isinstance(t, str) and len(t) > 3]


def _repeats(component, skip_texts) -> bool:
    """True for a text component that only repeats metadata shown beside the form."""
    text = component.get("text") or ""
    return component.get("type") == "text" and any(t in text for t in skip_texts)


def build_fields(components, values: dict, errors: dict, prefix="f", skip_texts=()):
    """View models for the components, with current values and error lists."""
    fields = []
    for index, component in enumerate(components or []):
        if _repeats(component, skip_texts):
            continue
        kind = component.get("type", "")
        key = component.get("key") or ""
        validate = component.get("validate") or {}
        value = values.get(key, component.get("defaultValue")) if key else None
        field = {
            "type": kind, "key": key, "id": f"{prefix}-{key or index}",
            "label": field_label(component), "description": component.get("description", ""),
            "required": bool(validate.get("required")), "min": validate.get("min"),
            "max": validate.get("max"), "maxlength": validate.get("maxLength"),
            "options": _options(component), "value": value, "selected": _selected(value),
            "errors": errors.get(key, []) if key else [],
            "input_type": _input_type(component) if kind == "datetime" else None,
            "html": markdown(component.get("text") or component.get("content") or "") if kind in ("text", "html")
            else None,
        }
        if kind in CONTAINER_TYPES:
            field["children"] = build_fields(component.get("components"), values, errors,
                                             prefix=f"{prefix}-{index}", skip_texts=skip_texts)
        fields.append(field)
    return fields


def unknown_errors(definition: dict, errors: dict) -> dict:
    """Errors for keys that no rendered field shows (so they are not silently lost)."""
    keys = {c["key"] for c in walk_inputs(definition.get("components"))}
    return {k: v for k, v in (errors or {}).items() if k not in keys}


def guide_sections(definition: dict) -> list[tuple[str, str, Markup]]:
    """The five parts of the phase (criteria, purpose, needs, activities, tools) to show."""
    meta = definition.get("x-forlob") or {}
    sections = meta.get("sections") or {}
    return [(key, SECTION_LABELS[key], _as_markdown(sections[key]))
            for key in SECTION_LABELS if sections.get(key)]


def _as_markdown(value) -> Markup:
    """Render a section that is text or a list of items."""
    if isinstance(value, (list, tuple)):
        return markdown("\n".join(f"- {item}" for item in value))
    return markdown(value)


SECTION_LABELS = {
    "criteria": _l("Kriterier"),
    "purpose": _l("Formål"),
    "needs": _l("Patientens oplevelse og behov"),
    "activities": _l("Aktiviteter"),
    "tools": _l("Standarder, værktøjer og retningslinjer"),
}
