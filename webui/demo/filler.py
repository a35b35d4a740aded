"""Valid answers for any form, for demo data: a value per field type, plus chosen overrides."""
from datetime import date

from forms.registry import load_form


def _text(component, today):
    """Short demo text within the field's length limit."""
    limit = (component.get("validate") or {}).get("maxLength") or 200
    return ("Demo: " + (component.get("label") or "tekst"))[:limit]


def _number(component, today):
    """The smallest allowed number (0 when unbounded)."""
    return (component.get("validate") or {}).get("min", 0)


def _first_option(component, today):
    """The first option's value."""
    return component["values"][0]["value"]


def _all_options(component, today):
    """Every option ticked."""
    return [v["value"] for v in component["values"]]


def _date(component, today):
    """Today's date (or 09:00, or both, after the subtype) as ISO text."""
    subtype = component.get("subtype", "date")
    if subtype == "time":
        return "09:00"
    return f"{today.isoformat()}T09:00" if subtype == "datetime" else today.isoformat()


# form-js type → how a valid demo answer is made
FILLERS = {
    "textfield": _text,
    "textarea": _text,
    "number": _number,
    "checkbox": lambda component, today: True,
    "checklist": _all_options,
    "taglist": _all_options,
    "radio": _first_option,
    "select": _first_option,
    "datetime": _date,
}


# Values for fields with a format (pattern) that generic demo text would not match.
FORM_DEFAULTS = {
    "indskrivning": {"tovholder": "tovholder.kbh", "tovholder_org": "region-hovedstaden"},
    "henvisning": {"municipality": "koebenhavn"},
    # a phase reassessment is not an overview consultation unless someone fills that part in
    "ustabil_vurdering": {"complexity_tier": None, "complexity_reason": None, "complexity_factors": []},
    "stabil_vurdering": {"complexity_tier": None, "complexity_reason": None, "complexity_factors": []},
}


def answers(form_id: str, overrides: dict | None = None, today: date | None = None) -> dict:
    """A complete, valid set of answers for a form, with some values chosen by the caller."""
    today = today or date.today()
    data = {f["key"]: FILLERS[f["type"]](f, today) for f in load_form(form_id).fields}
    data.update(FORM_DEFAULTS.get(form_id, {}))
    data.update(overrides or {})
    return data
