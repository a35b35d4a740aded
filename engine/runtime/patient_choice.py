"""A patient's own choice about the 14-day guarantee: a later start, or declining treatment.

L 126 (2023-24) lets the patient choose a later start or decline the offer; the guarantee then
no longer runs to the original deadline. The choice is recorded with its day and reason on the
pathway and judged with the rest of the guarantee fact (projection.judge_guarantee).
"""
from engine.clock import LOCAL_TZ, as_utc
from engine.runtime.projection import effective_due, judge_guarantee

KINDS = ("postponed", "declined")
MAX_REASON = 300


def problem(pathway, kind, on, until, reason, now) -> str | None:
    """Why the choice cannot be recorded (None when it can)."""
    today = as_utc(now).astimezone(LOCAL_TZ).date()
    due = effective_due(pathway)
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    if not (reason or "").strip() or len(reason) > MAX_REASON:
        return f"a reason of 1-{MAX_REASON} characters is required"
    if due is None or pathway.status != "active" or pathway.guarantee_status not in ("open", None):
        return "the guarantee is not running (already met, breached, ended or none)"
    if on is None or on > today or on > due:
        return "the day of the choice must be today or earlier, and not after the deadline"
    if kind == "postponed" and (until is None or until <= due):
        return "a postponement needs a start date after the current deadline"
    return None


def record(pathway, kind, on, until, reason, now):
    """Store the choice on the pathway and judge the guarantee again (caller checked `problem`)."""
    pathway.patient_choice, pathway.patient_choice_on = kind, on
    pathway.patient_choice_until = until if kind == "postponed" else None
    pathway.patient_choice_reason = reason.strip()
    judge_guarantee(pathway, now)
