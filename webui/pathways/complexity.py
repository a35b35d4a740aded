"""Complexity tier and the intensity it sets: current tier, its history, the `intensity` decision.

The tier comes from the overview consultation (Opstartsvurdering, and later the optional part
of a phase reassessment); the projection keeps the newest on the pathway row. The intensity is
read from the `intensity` decision of the pathway's own version (bpmn/intensity.dmn), so a
process owner's edit in the modeler changes what every page shows for pathways on that version.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from engine import service
from engine.db import once
from engine.errors import NotFound
from engine.models import TaskRecord as R

TIER_LABELS = {"lav": _l("Lav kompleksitet"), "moderat": _l("Moderat kompleksitet"),
               "hoej": _l("Høj kompleksitet")}
OFFER_LABELS = {"basis": _l("Basistilbud"), "udvidet": _l("Udvidet tilbud"),
                "individuel": _l("Individuelt tilrettelagt tilbud")}
DIGITAL_LABELS = {"selvmonitorering": _l("Selvmonitorering"), "digitalt": _l("Digitalt tilbud"),
                  "ingen": _l("Intet (tæt personlig kontakt)")}
CONSULTATION_FORMS = ("opstart_vurdering", "ustabil_vurdering", "stabil_vurdering", "overblik")
HISTORY_LOOKBACK = 40  # assessments looked at for the history; a page must not grow with age
HISTORY_SHOWN = 5


def intensity(session, tier, version_id) -> dict | None:
    """The decision's outputs for a tier in a version, or None (no tier, or no such decision)."""
    if tier not in TIER_LABELS:
        return None
    try:
        return service.decide(session, "intensity", {"complexity_tier": tier}, version_id)
    except NotFound:
        return None


@once
def _history_query():
    return (select(R.id, R.at, R.actor, R.data).where(
        R.pathway_id == bindparam("pathway_id"), R.form_id.in_(CONSULTATION_FORMS),
        R.kind == "task").order_by(R.id.desc()).limit(HISTORY_LOOKBACK))


def history(session, pathway) -> list[dict]:
    """The newest tier decisions (date, tier, reason, factors, who), newest first."""
    rows = session.execute(_history_query(), {"pathway_id": pathway.id}).all()
    found = []
    for record_id, at, actor, data in rows:
        tier = (data or {}).get("complexity_tier")
        if tier in TIER_LABELS:
            found.append({"id": record_id, "at": at, "actor": actor, "tier": tier,
                          "reason": (data or {}).get("complexity_reason") or "",
                          "factors": (data or {}).get("complexity_factors") or []})
    return found[:HISTORY_SHOWN]
