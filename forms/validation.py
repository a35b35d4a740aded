"""Server-side validation: a marshmallow schema built from a form definition.

The browser is never trusted: unknown keys are dropped, every field is type-checked,
options must be among the defined ones, numbers must lie in range and text within its
maximum length. Computed values (scores) are always recomputed here.
"""
import math

from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow import validate as mv

from forms.patterns import matches
from forms.registry import FormDefinition, load_form
from forms.scoring import score
from forms.text import TextRefused, clean_text

DEFAULT_MAX_LENGTH = {"textfield": 200, "textarea": 4000}
EMPTY: tuple[object, ...] = ("", None, [])
MSG = {
    "required": "Feltet skal udfyldes.",
    "text": "Skal være tekst.",
    "too_long": "Teksten må højst være {max} tegn.",
    "too_short": "Teksten skal være mindst {min} tegn.",
    "pattern": "Værdien har ikke det rigtige format.",
    "number": "Skal være et tal.",
    "integer": "Skal være et helt tal.",
    "range": "Værdien skal være mellem {min} og {max}.",
    "min": "Værdien skal være mindst {min}.",
    "max": "Værdien må højst være {max}.",
    "option": "Ukendt valgmulighed.",
    "list": "Skal være en liste af valgmuligheder.",
    "duplicate": "Samme valgmulighed er valgt flere gange.",
    "date": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "time": "Skal være et klokkeslæt (TT:MM).",
    "datetime": "Skal være en dato og et klokkeslæt (ÅÅÅÅ-MM-DDTTT:MM).",
    "boolean": "Skal være ja eller nej.",
    "checked": "Skal være afkrydset.",
    "form": "Formularens data skal være et objekt med felter.",
    "characters": "Teksten må kun indeholde almindelige tegn, linjeskift og tabulator.",
}
BASE_ERRORS = {"required": MSG["required"], "null": MSG["required"]}


class FormInvalid(ValueError):
    """Submitted data failed validation; ``errors`` maps field key to Danish messages."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class Number(fields.Field):
    """A number from JSON or form text; booleans, NaN and infinities are refused."""

    def __init__(self, integer, **kwargs):
        super().__init__(**kwargs)
        self.integer = integer

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError(MSG["number"])
        try:
            number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
        except ValueError as exc:
            raise ValidationError(MSG["number"]) from exc
        if not math.isfinite(number):
            raise ValidationError(MSG["number"])
        if self.integer:
            if number != int(number):
                raise ValidationError(MSG["integer"])
            return int(number)
        return number


class Text(fields.String):
    """A string held to the one text rule of every door (forms/text.py); newlines normalised."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_text(text, max_length=10**6)  # the field's own Length sets the limit
        except TextRefused as exc:
            raise ValidationError(MSG["characters"]) from exc


def _range(v):
    """Range validator with a Danish message, or None when the field has no bounds."""
    lo, hi = v.get("min"), v.get("max")
    if lo is None and hi is None:
        return None
    key = "range" if lo is not None and hi is not None else ("min" if lo is not None else "max")
    return mv.Range(min=lo, max=hi, error=MSG[key].format(min=lo, max=hi))


class _Pattern(mv.Validator):
    """Matches the whole value with RE2 (forms/patterns.py), never with Python's re."""

    def __init__(self, pattern):
        self.pattern = pattern

    def __call__(self, value):
        if not matches(self.pattern, value):
            raise ValidationError(MSG["pattern"])
        return value


def _text(c, required):
    """String field with length (and optional pattern) limits."""
    v = c.get("validate", {})
    high = v.get("maxLength", DEFAULT_MAX_LENGTH[c["type"]])
    checks: list[mv.Validator] = [mv.Length(max=high, error=MSG["too_long"].format(max=high))]
    if v.get("minLength"):
        checks.append(mv.Length(min=v["minLength"], error=MSG["too_short"].format(min=v["minLength"])))
    if v.get("pattern"):
        checks.append(_Pattern(v["pattern"]))
    return Text(validate=checks, error_messages={"invalid": MSG["text"]})


def _number(c, required):
    """Number field, integer when the form allows no decimals."""
    check = _range(c.get("validate", {}))
    return Number(integer=c.get("decimalDigits", 0) == 0, validate=[check] if check else [])


def _options(c):
    """The option values defined for a select/radio/checklist component."""
    return [o["value"] for o in c["values"]]


def _choice(c, required):
    """Single choice among the defined options."""
    return fields.String(validate=mv.OneOf(_options(c), error=MSG["option"]),
                         error_messages={"invalid": MSG["option"]})


def _unique(values):
    """Refuse the same option twice."""
    if len(values) != len(set(values)):
        raise ValidationError(MSG["duplicate"])


def _checklist(c, required):
    """Several choices among the defined options."""
    inner = fields.String(validate=mv.OneOf(_options(c), error=MSG["option"]),
                          error_messages={"invalid": MSG["option"]})
    return fields.List(inner, validate=_unique, error_messages={"invalid": MSG["list"]})


def _checkbox(c, required):
    """Yes/no; a required checkbox must be ticked."""
    return fields.Boolean(validate=[mv.Equal(True, error=MSG["checked"])] if required else [],
                          error_messages={"invalid": MSG["boolean"]})


def _date(c, required):
    """A calendar date, a time of day or both, in ISO form, after the component's subtype."""
    subtype = c.get("subtype", "date")
    if subtype == "time":
        return fields.Time(error_messages={"invalid": MSG["time"]})
    if subtype == "datetime":
        return fields.NaiveDateTime(error_messages={"invalid": MSG["datetime"]})
    return fields.Date(error_messages={"invalid": MSG["date"]})


FIELD_BUILDERS = {"textfield": _text, "textarea": _text, "number": _number, "radio": _choice,
                  "select": _choice, "checklist": _checklist, "taglist": _checklist, "checkbox": _checkbox,
                  "datetime": _date}
DEFAULTS = {"checklist": list, "taglist": list, "checkbox": lambda: False}


def _build_field(c):
    """The marshmallow field for one form-js component."""
    required = bool(c.get("validate", {}).get("required"))
    built = FIELD_BUILDERS[c["type"]](c, required)
    built.required = required
    built.load_default = None if required else DEFAULTS.get(c["type"], lambda: None)
    built.error_messages = {**built.error_messages, **BASE_ERRORS}
    return built


# id(definition) → (definition, schema class); keeping the definition alive keeps its id unique.
_SCHEMAS: dict[int, tuple[FormDefinition, type[Schema]]] = {}


def _definition(form):
    """A FormDefinition from a form id (the repository's form) or a definition itself."""
    return form if isinstance(form, FormDefinition) else load_form(form)


def _schema_class(definition):
    """The marshmallow schema class of a form definition, built once per definition."""
    hit = _SCHEMAS.get(id(definition))
    if hit is None or hit[0] is not definition:
        fields_ = {c["key"]: _build_field(c) for c in definition.fields}
        hit = (definition, Schema.from_dict(fields_, name=f"Form_{definition.id}"))
        _SCHEMAS[id(definition)] = hit
    return hit[1]


def build_schema(form) -> Schema:
    """A marshmallow schema instance for the form (id or definition; unknown keys are dropped)."""
    return _schema_class(_definition(form))(unknown=EXCLUDE)


def _matches(when, data):
    """True when every condition of a rule holds for the cleaned data."""
    return all(data.get(k) in (v if isinstance(v, list) else [v]) for k, v in when.items())


def _rule_required(rule, value):
    """The field must be filled in."""
    return value in EMPTY


def _rule_contains(rule, value):
    """The checklist must include every listed option."""
    return not set(rule["values"]) <= set(value or [])


RULES = {"required": _rule_required, "contains": _rule_contains}


def _flatten(messages):
    """Marshmallow's nested messages (lists, per-index dicts) as one flat list of strings."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


def _present(raw):
    """Drop empty values so that an empty required field reads as missing."""
    return {k: v for k, v in raw.items() if not (v in EMPTY and not isinstance(v, bool))}


def validate(form, raw) -> dict:
    """Validate ``raw`` against the form (id or definition); return cleaned data plus scores."""
    definition = _definition(form)
    if not isinstance(raw, dict):
        raise FormInvalid({"_form": [MSG["form"]]})
    known = {c["key"] for c in definition.fields}
    try:
        cleaned = build_schema(definition).load(_present({k: v for k, v in raw.items() if k in known}))
        errors = {}
    except ValidationError as exc:
        errors = {k: _flatten(v) for k, v in exc.messages_dict.items()}
        cleaned = {k: v for k, v in exc.valid_data.items()} if isinstance(exc.valid_data, dict) else {}
    for rule in definition.meta.get("rules", []):
        key = rule["field"]
        if key in errors or not all(k in cleaned for k in rule.get("when", {})):
            continue
        if _matches(rule.get("when", {}), cleaned) and RULES[rule["kind"]](rule, cleaned.get(key)):
            errors.setdefault(key, []).append(rule.get("message", MSG["required"]))
    if errors:
        raise FormInvalid(errors)
    cleaned = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in cleaned.items()}
    if definition.meta.get("scoring"):
        cleaned.update(score(definition.meta["scoring"], cleaned))
    return cleaned


def from_multidict(form, multidict) -> dict:
    """Turn an HTML form post (a werkzeug MultiDict) into raw data shaped for ``validate``."""
    raw = {}
    for c in _definition(form).fields:
        key = c["key"]
        if c["type"] in ("checklist", "taglist"):
            raw[key] = multidict.getlist(key)
        elif c["type"] == "checkbox":
            raw[key] = multidict.get(key, "") not in ("", "0", "false", "off")
        elif key in multidict:
            raw[key] = multidict.get(key)
    return raw
