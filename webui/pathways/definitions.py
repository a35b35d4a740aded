"""Look-ups of the definitions a page shows: form schemas and a stage's BPMN XML."""
from lxml import etree

from engine import service
from engine.errors import NotFound
from engine.models import DefinitionVersion
from forms.registry import load_form, parse_form
from webui.extensions import db

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


# (content hash, form id) → FormDefinition; a deployed bundle never changes, so this never goes stale.
_FORMS: dict = {}


def version_form(version_id, form_id):
    """The FormDefinition a definition version carries (the repository's for older versions)."""
    try:
        digest = service.version_digest(db.session, version_id) if version_id else None
    except NotFound:
        digest = None
    if digest is None:
        return load_form(form_id)
    key = (digest, form_id)
    if key not in _FORMS:
        files = db.session.get(DefinitionVersion, version_id).files or {}
        text = files.get(f"forms/{form_id}.json")
        # versions deployed before forms joined the bundle fall back to the repository's form
        _FORMS[key] = parse_form(form_id, text) if text is not None else load_form(form_id)
    return _FORMS[key]


def form_definition(form_id, version_id=None) -> dict:
    """The form-js schema (with x-forlob metadata) of a form id in a definition version."""
    return version_form(version_id, form_id).schema


def score_lines(definition: dict, data: dict) -> list[tuple[str, object]]:
    """(kind, value) pairs (score, zone, cutoff) of the computed result a completed form carries."""
    spec = (definition.get("x-forlob") or {}).get("scoring") or {}
    keys = {"score": spec.get("score_key"), "zone": (spec.get("zone_key") or "") + "_label",
            "cutoff": spec.get("cutoff_key")}
    return [(kind, data[key]) for kind, key in keys.items() if key and key in (data or {})]


def _defines_process(xml: bytes, process_id: str) -> bool:
    """True when a BPMN file defines the executable process with that id."""
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return any(p.get("id") == process_id for p in root.iter(f"{{{BPMN_NS}}}process"))


# (content hash, stage) → XML; a deployed bundle never changes, so this never goes stale.
_STAGE_XML: dict[tuple[str, str], str] = {}


def stage_xml(session, version_id, stage) -> str | None:
    """The BPMN XML of the file in that definition version which defines the stage's process."""
    try:
        content_hash = service.version_digest(session, version_id)
    except NotFound:
        return None
    key = (content_hash, stage)
    if key not in _STAGE_XML:
        found = _find_stage_xml(session, version_id, stage)
        if found is None:
            return None
        _STAGE_XML[key] = found
    return _STAGE_XML[key]


def _find_stage_xml(session, version_id, stage):
    """Search the version's BPMN files for the one defining the stage's process."""
    version = session.get(DefinitionVersion, version_id)
    if version is None:
        return None
    for name, content in sorted((version.files or {}).items()):
        if not name.endswith(".bpmn"):
            continue
        raw = content.encode("utf-8") if isinstance(content, str) else content
        if _defines_process(raw, stage):
            return raw.decode("utf-8")
    return None
