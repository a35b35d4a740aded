"""Forms as FHIR: a Questionnaire generated from each form-js definition, and each completed
form (and each WHO-5 answered from home) as a QuestionnaireResponse with its scores.

Plain functions from definitions and rows to JSON; the searchset they travel in is validated
with fhir.resources before it leaves. FHIR ids allow no underscore, so a form id's `_` is `-`.
"""
import re

from flask_babel import force_locale

from engine.clock import as_utc
from forms import who5
from forms.registry import field_label
from webui.patient.views import WHO5_OPTIONS, WHO5_QUESTIONS

BASE_URL = "https://forlob.dk/fhir/Questionnaire"
WHO5_ID = "who5"
# form-js type (and datetime subtype) -> Questionnaire.item.type
ITEM_TYPES = {"textfield": "string", "textarea": "text", "number": "decimal", "checkbox": "boolean",
              "checklist": "choice", "radio": "choice", "select": "choice", "taglist": "choice",
              "date": "date", "time": "time", "datetime": "dateTime"}
REPEATING = ("checklist", "taglist")
PATTERNS = {"date": re.compile(r"^\d{4}-\d{2}-\d{2}$"), "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
            "dateTime": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")}


def fhir_id(form_id) -> str:
    """The FHIR id of a form (ids allow letters, digits, '-' and '.')."""
    return form_id.replace("_", "-")


def _item_type(component):
    kind = component.get("type")
    if kind == "datetime":
        return ITEM_TYPES.get(component.get("subtype") or "datetime", "dateTime")
    if kind in ("checklist", "radio", "select", "taglist") and not component.get("values"):
        return "string"   # options read from data at run time: no fixed list to publish
    return ITEM_TYPES.get(kind, "string")


def _items(definition):
    """One item per input field, then the computed score, zone and cut-off as read-only items."""
    items = []
    for component in definition.fields:
        item = {"linkId": component["key"], "text": field_label(component) or component["key"],
                "type": _item_type(component)}
        validate = component.get("validate") or {}
        if validate.get("required"):
            item["required"] = True
        if component.get("type") in REPEATING:
            item["repeats"] = True
        if item["type"] == "choice":
            item["answerOption"] = [
                {"valueCoding": {"code": str(v["value"]), "display": str(v.get("label") or v["value"])}}
                for v in component["values"]]
        if isinstance(validate.get("maxLength"), int) and item["type"] in ("string", "text"):
            item["maxLength"] = validate["maxLength"]
        items.append(item)
    scoring = definition.meta.get("scoring") or {}
    if scoring:
        items.append({"linkId": scoring["score_key"], "text": "Point i alt", "type": "integer", "readOnly": True})
        items.append({"linkId": scoring["zone_key"] + "_label", "text": "Zone", "type": "string", "readOnly": True})
    return items


def questionnaire(definition, version_id) -> dict:
    """A form-js form (FormDefinition) as a Questionnaire of the definition version."""
    return {"resourceType": "Questionnaire", "id": fhir_id(definition.id),
            "url": f"{BASE_URL}/{fhir_id(definition.id)}", "version": str(version_id),
            "name": re.sub(r"[^A-Za-z0-9]", "", definition.id.title()) or "Form",
            "title": definition.title, "status": "active", "subjectType": ["Patient"],
            "item": _items(definition)}


def who5_questionnaire() -> dict:
    """WHO-5 as the patient answers it from home (the two safety questions follow the five items)."""
    with force_locale("da"):
        options = [{"valueCoding": {"code": str(points), "display": str(label)}} for points, label in WHO5_OPTIONS]
        items = [{"linkId": key, "text": str(text), "type": "choice", "required": True, "answerOption": options}
                 for key, text in WHO5_QUESTIONS]
    items += [{"linkId": "suicidal_thoughts", "text": "Tanker om selvmord", "type": "boolean", "required": True},
              {"linkId": "wants_contact", "text": "Ønsker at blive kontaktet", "type": "boolean", "required": True},
              {"linkId": "percentage", "text": "WHO-5 i procent (0-100)", "type": "integer", "readOnly": True},
              {"linkId": "zone", "text": "Triage (grøn, gul, rød)", "type": "string", "readOnly": True}]
    return {"resourceType": "Questionnaire", "id": WHO5_ID, "url": f"{BASE_URL}/{WHO5_ID}", "version": "1",
            "name": "WHO5", "title": "WHO-5 Trivselsindeks", "status": "active", "subjectType": ["Patient"],
            "item": items}


def _answer(item_type, value, options):
    """The FHIR answer of one stored value (None when there is nothing to tell)."""
    if value is None or value == "" or value == []:
        return None
    if item_type == "boolean":
        return {"valueBoolean": bool(value)} if isinstance(value, bool) else {"valueString": str(value)}
    if item_type == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return {"valueInteger": value}
    if item_type == "decimal" and isinstance(value, int | float) and not isinstance(value, bool):
        return {"valueDecimal": value}
    if item_type == "choice":
        return {"valueCoding": {"code": str(value), "display": options.get(str(value), str(value))}}
    if item_type in PATTERNS and isinstance(value, str) and PATTERNS[item_type].match(value):
        return {f"value{item_type[0].upper()}{item_type[1:]}": value}
    return {"valueString": str(value)[:10000]}


def _response_items(items, data):
    out = []
    for item in items:
        options = {o["valueCoding"]["code"]: o["valueCoding"]["display"] for o in item.get("answerOption", [])}
        values = data.get(item["linkId"])
        answers = [a for a in (_answer(item["type"], v, options)
                               for v in (values if isinstance(values, list) else [values])) if a]
        if answers:
            out.append({"linkId": item["linkId"], "text": item["text"], "answer": answers})
    return out


def questionnaire_response(record, definition, pathway) -> dict:
    """A completed form (a task of the pathway's history) as a QuestionnaireResponse."""
    return {"resourceType": "QuestionnaireResponse", "id": f"task-{record.id}",
            "meta": {"lastUpdated": as_utc(record.at).isoformat()},
            "questionnaire": f"{BASE_URL}/{fhir_id(definition.id)}|{record.version_id}",
            "status": "completed", "subject": {"reference": f"Patient/{pathway.patient_id}"},
            "basedOn": [{"reference": f"CarePlan/{pathway.id}"}],
            "authored": as_utc(record.at).isoformat(),
            "author": {"identifier": {"system": "https://forlob.dk/fhir/NamingSystem/user", "value": record.actor}},
            "item": _response_items(_items(definition), record.data or {})}


def who5_response(row) -> dict:
    """A WHO-5 answered from home, with its percentage and triage zone."""
    data = dict(row.answers or {}, **{k: (row.result or {}).get(k) for k in ("percentage", "zone")})
    data = {k: (str(v) if k in who5.ITEMS else v) for k, v in data.items()}
    return {"resourceType": "QuestionnaireResponse", "id": f"who5-{row.id}",
            "meta": {"lastUpdated": as_utc(row.answered_at).isoformat()},
            "questionnaire": f"{BASE_URL}/{WHO5_ID}|1", "status": "completed",
            "subject": {"reference": f"Patient/{row.patient_id}"},
            "authored": as_utc(row.answered_at).isoformat(),
            "source": {"reference": f"Patient/{row.patient_id}"},
            "item": _response_items(who5_questionnaire()["item"], data)}
