"""Differences between versions in the owner's language: Danish kinds, labels and readable values."""
import re
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from webui.orgdata import REGIONS
from webui.pathways.formview import SECTION_LABELS

KINDS = {"element": _l("Element"), "flow": _l("Forbindelse"), "lane": _l("Bane"), "rule": _l("Regel"),
         "form": _l("Formular"), "field": _l("Felt"), "file": _l("Fil")}
CHANGES = {"added": _l("tilføjet"), "removed": _l("fjernet"), "changed": _l("ændret")}
# engine property keys (engine/definitions/diff.py) → what the owner calls them
PROPERTIES = {
    "name": _l("Navn"), "type": _l("Type"), "conditionExpression": _l("Betingelse"),
    "script": _l("Script"), "preScript": _l("Før-script"), "postScript": _l("Efter-script"),
    "timeDate": _l("Timer (dato)"), "timeDuration": _l("Timer (varighed)"),
    "timeCycle": _l("Timer (gentagelse)"), "calledDecisionId": _l("Beslutningstabel"),
    "resultVariable": _l("Resultat gemmes i"), "property:form": _l("Formular"),
    "property:phase": _l("Fase"), "property:due": _l("Frist"), "tasks": _l("Opgaver i banen"),
    "sourceRef": _l("Fra"), "targetRef": _l("Til"), "event": _l("Hændelse"), "default": _l("Standardvej"),
    "label": _l("Etiket"), "dateLabel": _l("Etiket (dato)"), "timeLabel": _l("Etiket (tid)"),
    "key": _l("Nøgle"), "description": _l("Hjælpetekst"), "values": _l("Valgmuligheder"),
    "text": _l("Tekst"), "content": _l("Tekst (HTML)"), "subtype": _l("Dato/tid-type"),
    "defaultValue": _l("Standardværdi"), "validate.required": _l("Skal udfyldes"),
    "validate.min": _l("Mindst"), "validate.max": _l("Højst"), "validate.minLength": _l("Mindst antal tegn"),
    "validate.maxLength": _l("Højst antal tegn"), "validate.pattern": _l("Mønster"),
    "conditional.hide": _l("Skjules når"), "x-forlob.title": _l("Titel"), "x-forlob.phase": _l("Fase"),
    "x-forlob.draft_notice": _l("Udkast-note"), "x-forlob.sources": _l("Kilder"),
    "x-forlob.kind": _l("Art"), "x-forlob.rules": _l("Regler"), "x-forlob.scoring": _l("Pointgivning"),
    "description (rule)": _l("Beskrivelse"),
}
TYPES = {"userTask": _l("Opgave"), "scriptTask": _l("Scriptopgave"), "businessRuleTask": _l("Regelopgave"),
         "exclusiveGateway": _l("Valg"), "inclusiveGateway": _l("Valg (flere)"),
         "parallelGateway": _l("Parallel"), "startEvent": _l("Start"), "endEvent": _l("Slut"),
         "intermediateCatchEvent": _l("Venter"), "boundaryEvent": _l("Kanthændelse"),
         "sequenceFlow": _l("Forbindelse"), "lane": _l("Bane"), "process": _l("Proces")}
ISO_DAY = re.compile(r'^"?(\d{4}-\d{2}-\d{2})"?$')
QUOTED = re.compile(r'^"(.*)"$')


def _property(key):
    """The Danish name of a property key."""
    if key.startswith("x-forlob.sections."):
        section = key.rsplit(".", 1)[-1]
        return f"{_l('Vejledning')}: {SECTION_LABELS.get(section, section)}"
    if key.startswith("→ "):
        return key[2:]
    return str(PROPERTIES.get(key, key))


def value_text(key, value):
    """A value as the owner reads it: dates in Danish, regions by name, yes/no, types by name."""
    if value is None:
        return "–"
    text = str(value)
    if key == "type":
        return str(TYPES.get(text, text))
    if text in ("true", "false", "True", "False"):
        return str(_l("ja")) if text.lower() == "true" else str(_l("nej"))
    day = ISO_DAY.match(text.strip())
    if day:
        try:
            return format_date(date.fromisoformat(day.group(1)), "medium")
        except ValueError:
            return text
    quoted = QUOTED.match(text.strip())
    if quoted and quoted.group(1) in REGIONS:
        return REGIONS[quoted.group(1)][1]
    return quoted.group(1) if quoted else text


def rule_title(inputs):
    """A decision row by its inputs: "Region Sjælland, patientgruppe 3"."""
    parts = []
    for column, cell in inputs or []:
        shown = value_text(column, cell)
        if cell in ("", "-"):
            continue
        parts.append(shown if shown.lower().startswith(column.lower()) else f"{column.lower()} {shown}")
    text = ", ".join(parts) or str(_l("alle"))
    return text[:1].upper() + text[1:]


def _rows(change):
    """(property, old text, new text, word diff or None) for each property of a change."""
    old, new = change.get("old") or {}, change.get("new") or {}
    rows = []
    for key in sorted(set(old) | set(new), key=lambda k: (k.startswith("→"), k)):
        if change["kind"] == "rule" and change["change"] != "changed" and not key.startswith("→"):
            continue  # the row's inputs are its title already
        label = str(PROPERTIES["description (rule)"]) if key == "description" and change["kind"] == "rule" \
            else _property(key)
        rows.append({"label": label, "old": value_text(key, old.get(key)) if key in old else None,
                     "new": value_text(key, new.get(key)) if key in new else None,
                     "words": (change.get("words") or {}).get(key)})
    return rows


def present(changes):
    """The engine's change list as the review pages show it (Danish, no JSON, no ids as titles)."""
    shown = []
    for change in changes:
        if change["kind"] == "rule":
            title = rule_title(change.get("inputs"))
        else:
            title = change.get("name") or change["id"]
        shown.append({**change, "kind_label": str(KINDS.get(change["kind"], change["kind"])),
                      "change_label": str(CHANGES.get(change["change"], change["change"])),
                      "title": title, "rows": _rows(change)})
    return shown
