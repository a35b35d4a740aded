"""`flask markers backfill`: the markers of history written before markers were recorded.

Each marker gets the time of the event it marks, as live recording gives it. That is the
history row's time, except for an admission, a discharge or a death a HospitalNotification
told: their time is the hospital's own (the stay's start or end, as corrected since). Live
recording takes it from the message (recorder.hint); backfill finds it through the message's
history row (`source_event`), the kept message and its stay.
"""
from sqlalchemy import select

from engine.models import Pathway, TaskRecord
from webui.fhir.message_body import RuleBroken
from webui.fhir.message_parts import Parts, when
from webui.fhir.models import HospitalMessage, HospitalStay
from webui.markers.models import PathwayMarker
from webui.markers.recorder import marker_table, new_marker, points_of_record

# the notifications whose message moved the pathway into (or, SLHJ, out of) the inpatient stage
# with the hospital's time: an admission (or a cancelled discharge) starts at the stay's start
ADMITTING = ("STIN", "STAA", "AN_SLHJ")
DISCHARGING = ("SLHJ",)


def _told_end(message):
    """The Encounter's end in a kept message (a discharge cancelled since has none on its stay)."""
    try:
        period = Parts(message.body).encounter.get("period") or {}
        return when(period["end"], "period.end") if period.get("end") else None
    except (RuleBroken, KeyError, IndexError, TypeError, AttributeError):
        return None


def _stay(session, message):
    return session.scalar(select(HospitalStay).where(HospitalStay.client_id == message.client_id,
                                                     HospitalStay.episode == message.episode))


def _hospital_time(session, pathway_id, source_event, point):
    """The hospital's time of the admission or discharge a HospitalNotification applied, if one did."""
    if not source_event:
        return None
    message = session.scalar(select(HospitalMessage).where(
        HospitalMessage.pathway_id == pathway_id, HospitalMessage.message_id == str(source_event))
        .order_by(HospitalMessage.id).limit(1))
    if message is None:
        return None
    stay = _stay(session, message)
    if point == "indlaeggelse" and message.code in ADMITTING:
        return stay.started_at if stay is not None else None
    if point == "udskrivelse" and message.code in DISCHARGING:
        return (stay.ended_at if stay is not None else None) or _told_end(message)
    return None


def _death_time(session, pathway_id):
    """The hospital's time of death, when a death notification (MORS) ended the pathway."""
    message = session.scalar(select(HospitalMessage).where(
        HospitalMessage.pathway_id == pathway_id, HospitalMessage.code == "MORS",
        HospitalMessage.outcome == "applied").order_by(HospitalMessage.id).limit(1))
    if message is None:
        return None
    stay = _stay(session, message)
    return (stay.ended_at if stay is not None else None) or _told_end(message)


def _points(session, pathway):
    """(point, key, time, value) of every point the pathway's history rows and fields are."""
    found, delivered = [], None
    for record in session.scalars(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway.id, TaskRecord.kind.in_(("start", "stage", "task", "message")))
            .order_by(TaskRecord.id)):
        if record.kind == "message":   # a delivered message is written just before the move it caused
            delivered = record
            continue
        source = (delivered.data or {}).get("source_event") if delivered is not None and \
            delivered.at == record.at else None
        for point, suffix in points_of_record(record):
            at = None
            if point in ("indlaeggelse", "udskrivelse"):
                at = _hospital_time(session, pathway.id, source, point)
            elif point == "afslutning":
                at = _death_time(session, pathway.id)
            found.append((point, point + suffix, at or record.at, None))
    if pathway.guarantee_due is not None:   # set by the referral's script as the pathway starts
        found.append(("garantifrist", f"garantifrist:{pathway.guarantee_due.isoformat()}", pathway.started_at,
                      pathway.guarantee_due.isoformat()))
    if pathway.treatment_started_at is not None:
        found.append(("behandlingsstart", "behandlingsstart", pathway.treatment_started_at, None))
    return found


def backfill(session, pathway_ids=None) -> int:
    """Add the markers the pathways' history has and the table lacks (each point still stored
    once); returns how many were added."""
    query = select(Pathway)
    if pathway_ids is not None:
        query = query.where(Pathway.id.in_(list(pathway_ids)))
    table, added = marker_table(), 0
    for pathway in session.scalars(query.order_by(Pathway.id)):
        have = set(session.scalars(select(PathwayMarker.key).where(PathwayMarker.pathway_id == pathway.id)))
        for point, key, at, value in _points(session, pathway):
            if key in have:
                continue
            have.add(key)
            session.add(new_marker(table, pathway.id, pathway.patient_id, point, key, at, value))
            added += 1
        session.flush()
    return added
