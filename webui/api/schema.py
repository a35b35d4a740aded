"""The event schema: every field type-checked as docs/api/openapi.json publishes it."""
from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema
from marshmallow import validate as mv

from forms.text import TextRefused, clean_text

ADMISSION_REASONS = ("psykisk_forvaerring", "selvmordsrisiko", "abstinenser", "afrusning", "andet")
RETURN_STAGES = ("opstart", "ustabil", "stabil", "overgang")
EVENT_TYPES = ("admission", "discharge")
CPR_PATTERN = "^[0-9]{6}-?[0-9]{4}$"  # ASCII digits only: str.isdigit() also takes "²" and "٣"
NOTE_MAX = 2000


class Text(fields.String):
    """A string held to the one text rule (forms/text.py) with a length limit."""

    def __init__(self, max_length, message, **kwargs):
        super().__init__(error_messages={"invalid": message, "required": message,
                                         "null": message}, **kwargs)
        self.max_length, self.message = max_length, message

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_text(text, self.max_length)
        except TextRefused as exc:
            raise ValidationError(f"{self.message} ({exc})") from exc


def _choice(values, message, default=None):
    """A string among fixed values."""
    errors = {"invalid": message, "required": message, "null": message}
    kwargs = {"load_default": default} if default else {"required": True}
    return fields.String(validate=mv.OneOf(values, error=message), error_messages=errors, **kwargs)


class EventSchema(Schema):
    """An admission or discharge event; unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    event_id = Text(100, "event_id must be a string of 1-100 characters", required=True,
                    validate=mv.Length(min=1, error="event_id must be a string of 1-100 characters"))
    type = _choice(EVENT_TYPES, "type must be 'admission' or 'discharge'")
    cpr = fields.String(required=True, validate=mv.Regexp(
        CPR_PATTERN, error="cpr must be 10 digits, as DDMMYY-NNNN or DDMMYYNNNN"),
        error_messages={k: "cpr must be 10 digits, as DDMMYY-NNNN or DDMMYYNNNN"
                        for k in ("invalid", "required", "null")})
    reason = _choice(ADMISSION_REASONS, f"reason must be one of {', '.join(ADMISSION_REASONS)}",
                     "andet")
    # none given: the phase the patient was admitted from (the view fills it in)
    return_stage = fields.String(load_default=None, validate=mv.OneOf(
        RETURN_STAGES, error=f"return_stage must be one of {', '.join(RETURN_STAGES)}"),
        error_messages={"invalid": f"return_stage must be one of {', '.join(RETURN_STAGES)}"})
    discharge_date = fields.Date(load_default=None, error_messages={
        k: "discharge_date must be an ISO date (YYYY-MM-DD)" for k in ("invalid", "null")})
    discharge_note = Text(NOTE_MAX, f"discharge_note must be text of at most {NOTE_MAX} characters",
                          load_default="")

    @validates_schema
    def _no_regex_newline(self, data, **kwargs):
        """A CPR of digits then a newline passes ``$``; refuse it."""
        if "\n" in str(data.get("cpr", "")):
            raise ValidationError("cpr must be 10 digits, as DDMMYY-NNNN or DDMMYYNNNN", "cpr")


def _flat(messages):
    """Marshmallow's nested messages as a list of strings, in field order."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def load_event(body):
    """(event, None) or (None, message): the event's fields, its payload for the engine."""
    if not isinstance(body, dict):
        return None, "The body must be a JSON object."
    try:
        data = EventSchema().load(body)
    except ValidationError as exc:
        order = [name for name in EventSchema().fields if name in exc.messages]
        return None, "; ".join(m for name in order for m in _flat(exc.messages[name]))
    payload = {}
    if data["type"] == "admission":
        payload["admission_reason"] = data["reason"]
    else:
        day = data["discharge_date"] or date.today()
        payload.update(return_stage=data["return_stage"], discharge_note=data["discharge_note"],
                       discharge_date=day.isoformat())
    return {"event_id": data["event_id"], "type": data["type"],
            "cpr": data["cpr"].replace("-", ""), "payload": payload}, None
