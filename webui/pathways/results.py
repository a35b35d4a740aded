"""The results card: the latest AUDIT and DUDIT score and zone, the suicide risk, next reassessment.

Each value is one indexed look-up of the newest completed record of that form
((pathway_id, form_id, id) index), so the card costs the same for an old pathway as a new one.
The three look-ups go to the database as one statement.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from engine.db import once
from engine.models import TaskRecord as R

RISK_LABELS = {"ingen": _l("Ingen aktuel risiko"), "lav": _l("Lav"), "moderat": _l("Moderat"),
               "hoej": _l("Høj")}
REASSESSED_STAGES = ("ustabil", "stabil", "overgang")


CARD_FORMS = ("audit", "dudit", "selvmordsrisiko")


@once
def _latest_query():
    newest = [select(func.max(R.id)).where(R.pathway_id == bindparam("pathway_id"),
                                           R.form_id == form_id, R.kind == "task")
              .scalar_subquery() for form_id in CARD_FORMS]
    return select(R).where(R.id.in_(newest))


def _latest(session, pathway_id):
    """{form id: the newest completed record of that form in the pathway} for the card's forms."""
    return {record.form_id: record
            for record in session.scalars(_latest_query(), {"pathway_id": pathway_id})}


def latest_results(session, pathway) -> dict:
    """{"audit", "dudit", "suicide": {score/zone/level, at, record id} or None, "reassess_at"}."""
    found = {}
    latest = _latest(session, pathway.id)
    for form_id, score_key, zone_key in (("audit", "audit_score", "audit_zone_label"),
                                         ("dudit", "dudit_score", "dudit_zone_label")):
        record = latest.get(form_id)
        found[form_id] = record and {"score": (record.data or {}).get(score_key),
                                     "zone": (record.data or {}).get(zone_key),
                                     "at": record.at, "id": record.id}
    record = latest.get("selvmordsrisiko")
    level = record and (record.data or {}).get("suicide_risk_level")
    found["suicide"] = record and {"level": level, "label": RISK_LABELS.get(level, level),
                                   "at": record.at, "id": record.id}
    found["reassess_at"] = pathway.reassess_at if pathway.stage in REASSESSED_STAGES else None
    return found
