"""The instruments a patient answers from home: questions from the versioned form definitions,
scoring on the server, and the green/yellow/red zone from the deployed `home_triage` DMN.

WHO-5 keeps its own translated page texts (forms/who5.py scores it); AUDIT and DUDIT are shown
from their form definitions in the pathway's version (the same forms staff fill in at Opstart),
so a process owner's change to a question reaches the patient through the four-eyes flow. Their
texts go through the UI catalogue like WHO-5's (the form's Danish text is the msgid), so a text a
process owner changed stays Danish until someone translates it, never blank or stale.
"""
import logging
import re
from typing import Any

from flask_babel import gettext

from engine import service
from engine.errors import InvalidDefinition, NotFound
from forms import scoring, who5
from webui.extensions import db
from webui.pathways.definitions import version_form

INSTRUMENTS = {"who5": "WHO-5 Trivselsindeks", "audit": "AUDIT (alkohol)", "dudit": "DUDIT (stoffer)",
               "naeste_samtale": "Hvad vil du gerne tale om næste gang?"}
# fields of the staff form that the patient does not answer: DUDIT's cut-off follows the
# patient's recorded sex, and the clinician's note is the clinician's
STAFF_ONLY = {"sex", "audit_note", "dudit_note"}
POINTS_SUFFIX = re.compile(r"\s*\(\d+ point\)\s*$")
log = logging.getLogger(__name__)


class InvalidAnswers(ValueError):
    """An answer set that is incomplete or outside the instrument's options."""


def questions(instrument: str, version_id=None) -> list[dict[str, Any]]:
    """The questions of a form for the patient: key, label, options (None: free text), required."""
    form = version_form(version_id, instrument)
    shown = []
    for field in form.fields:
        if field.get("type") not in ("radio", "textarea") or field.get("key") in STAFF_ONLY:
            continue
        options = [(str(v["value"]), POINTS_SUFFIX.sub("", v["label"])) for v in field.get("values", [])] \
            if field["type"] == "radio" else None
        shown.append({"key": field["key"], "label": field.get("label", ""), "options": options,
                      "required": bool((field.get("validate") or {}).get("required"))})
    return shown


def shown_questions(instrument: str, version_id=None) -> list[dict[str, Any]]:
    """`questions` with labels and options in the page's language (Danish when untranslated)."""
    return [dict(q, label=gettext(q["label"]) if q["label"] else "",
                 options=None if q["options"] is None else [(v, gettext(t)) for v, t in q["options"]])
            for q in questions(instrument, version_id)]


def names() -> dict[str, str]:
    """The instruments' names in the page's language."""
    return {key: gettext(name) for key, name in INSTRUMENTS.items()}


def parse(instrument: str, form: dict, version_id=None) -> dict[str, Any]:
    """Validate raw input into an answer set (InvalidAnswers names the missing items)."""
    if instrument == "who5":
        try:
            return who5.parse(form)
        except who5.InvalidAnswers as exc:
            raise InvalidAnswers(str(exc)) from None
    answers: dict[str, Any] = {}
    missing = []
    for question in questions(instrument, version_id):
        raw = str(form.get(question["key"], "")).strip()
        if question["options"] is None:  # free text: kept short, required only when the form says so
            if question["required"] and not raw:
                missing.append(question["key"])
            answers[question["key"]] = raw[:1000]
        elif raw not in {value for value, _label in question["options"]}:
            missing.append(question["key"])
        else:
            answers[question["key"]] = raw
    if missing:
        raise InvalidAnswers(", ".join(missing))
    return answers


def score(instrument: str, answers: dict, sex: str | None = None, version_id=None) -> dict[str, Any]:
    """Score an answer set on the server; the zone comes from the deployed decision table."""
    if instrument == "who5":
        result = who5.score(answers)
        band, call_now = result["band"], result["call_now"]
    elif "scoring" not in version_form(version_id, instrument).meta:
        # no score (e.g. "what to talk about"): a wish to be contacted is the safety rule
        call_now = answers.get("wants_contact") == "ja"
        band = "wants_contact" if call_now else "answered"
        result = {"raw": None, "band": band, "call_now": call_now,
                  "rule": "wants_contact" if call_now else f"{instrument}_answered"}
    else:
        spec = version_form(version_id, instrument).meta["scoring"]
        data = dict(answers)
        if spec.get("bands_by"):
            data[spec["bands_by"]] = sex if sex in spec["bands"] else "M"  # DUDIT: the record's sex
        computed = scoring.score(spec, data)
        band, call_now = computed[spec["zone_key"]], False
        result = {"raw": computed[spec["score_key"]], "band": band,
                  "band_label": computed[spec["zone_key"] + "_label"], "call_now": False,
                  "rule": f"{instrument}_{band}"}
        if "cutoff_key" in spec:
            result["cutoff"] = computed[spec["cutoff_key"]]
    result["zone"] = triage(instrument, band, call_now, fallback=result.get("zone", "yellow"),
                            version_id=version_id)
    return result


def triage(instrument: str, band: str, call_now: bool, fallback: str = "yellow", version_id=None) -> str:
    """green/yellow/red from the `home_triage` DMN of the pathway's version (default: newest).

    A version without the table (deployed before it existed) gives the published default:
    WHO-5's own rules, and yellow (a clinician looks) for anything else."""
    try:
        out = service.decide(db.session, "home_triage",
                             {"home_instrument": instrument, "home_band": band,
                              "home_call_now": bool(call_now)}, version_id)
    except (NotFound, InvalidDefinition):
        log.warning("no home_triage decision in version %s; published default used", version_id)
        return fallback
    zone = out.get("zone")
    return zone if zone in ("green", "yellow", "red") else "yellow"
