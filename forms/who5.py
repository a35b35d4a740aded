"""WHO-5 well-being index answered from home: published scoring and the green/yellow/red triage.

Scoring (WHO, 1998 version): five items scored 0-5, raw total 0-25, multiplied by 4 to give a
percentage 0-100. A percentage of 50 or less indicates poor well-being; 28 or less indicates
likely depression. The home form adds two safety questions that are not part of WHO-5:
suicidal thoughts and a wish to be contacted. Either one makes the answer red at once.
"""
from typing import Any

ITEMS = ("who5_1", "who5_2", "who5_3", "who5_4", "who5_5")
POINTS = range(0, 6)
POOR_AT_MOST = 50
DEPRESSION_AT_MOST = 28

# Triage as a first-match decision table: (rule id, condition, zone). Documented in
# docs/patient.md; the order matters (safety questions before the score).
RULES: tuple[tuple[str, str, str], ...] = (
    ("suicidal_thoughts", "suicidal thoughts reported", "red"),
    ("wants_contact", "patient asks to be contacted", "red"),
    ("likely_depression", f"percentage <= {DEPRESSION_AT_MOST}", "red"),
    ("poor_wellbeing", f"percentage <= {POOR_AT_MOST}", "yellow"),
    ("good_wellbeing", f"percentage > {POOR_AT_MOST}", "green"),
)


class InvalidAnswers(ValueError):
    """An answer set that is incomplete or outside the instrument's options."""


def parse(form: dict[str, Any]) -> dict[str, Any]:
    """Validate raw form input into an answer set; raise InvalidAnswers naming what is wrong."""
    answers: dict[str, Any] = {}
    missing = []
    for key in ITEMS:
        raw = str(form.get(key, "")).strip()
        if not raw.isdigit() or int(raw) not in POINTS:
            missing.append(key)
            continue
        answers[key] = int(raw)
    for key in ("suicidal_thoughts", "wants_contact"):
        raw = str(form.get(key, "")).strip()
        if raw not in ("ja", "nej"):
            missing.append(key)
            continue
        answers[key] = raw == "ja"
    if missing:
        raise InvalidAnswers(", ".join(missing))
    answers["talk_about"] = str(form.get("talk_about", "")).strip()[:1000]
    return answers


def score(answers: dict[str, Any]) -> dict[str, Any]:
    """Raw total (0-25), percentage (0-100), band, and the triage zone with the rule that fired."""
    raw = sum(int(answers[key]) for key in ITEMS)
    percentage = raw * 4
    if percentage <= DEPRESSION_AT_MOST:
        band = "likely_depression"
    elif percentage <= POOR_AT_MOST:
        band = "poor_wellbeing"
    else:
        band = "good_wellbeing"
    if answers.get("suicidal_thoughts"):
        rule = "suicidal_thoughts"
    elif answers.get("wants_contact"):
        rule = "wants_contact"
    else:
        rule = band
    zone = next(z for rule_id, _text, z in RULES if rule_id == rule)
    return {"raw": raw, "percentage": percentage, "band": band, "zone": zone, "rule": rule,
            "call_now": bool(answers.get("suicidal_thoughts") or answers.get("wants_contact"))}
