"""The results card: the latest AUDIT and DUDIT score and zone, the suicide risk, next reassessment.

Each value is one indexed look-up of the newest completed record of that form
((pathway_id, form_id, id) index), so the card costs the same for an old pathway as a new one.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine.models import TaskRecord as R

RISK_LABELS = {"ingen": _l("Ingen aktuel risiko"), "lav": _l("Lav"), "moderat": _l("Moderat"),
               "hoej": _l("Høj")}
REASSESSED_STAGES = ("ustabil", "stabil", "overgang")


def _latest(session, pathway_id, form_id):
    """The newest completed record of a form in the pathway, or None."""
    return session.scalar(select(R).where(R.pathway_id == pathway_id, R.form_id == form_id,
                                          R.kind == "task").order_by(R.id.desc()).limit(1))


def latest_results(session, pathway) -> dict:
    """{"audit", "dudit", "suicide": {score/zone/level, at, record id} or None, "reassess_at"}."""
    found = {}
    for form_id, score_key, zone_key in (("audit", "audit_score", "audit_zone_label"),
                                         ("dudit", "dudit_score", "dudit_zone_label")):
        record = _latest(session, pathway.id, form_id)
        found[form_id] = record and {"score": (record.data or {}).get(score_key),
                                     "zone": (record.data or {}).get(zone_key),
                                     "at": record.at, "id": record.id}
    record = _latest(session, pathway.id, "selvmordsrisiko")
    level = record and (record.data or {}).get("suicide_risk_level")
    found["suicide"] = record and {"level": level, "label": RISK_LABELS.get(level, level),
                                   "at": record.at, "id": record.id}
    found["reassess_at"] = pathway.reassess_at if pathway.stage in REASSESSED_STAGES else None
    return found
