"""Record pathway markers as the pathway's own history is written, in the same transaction.

The engine writes a history row (TaskRecord) for every start, stage change, end and completed
task, and sets `treatment_started_at` and `guarantee_due` on the pathway. A `before_flush`
hook on the web app's sessions turns those into markers, so every door (patient page, JSON
API, HospitalNotification, timers, CLI) records them without the engine knowing of markers.
"""
from datetime import date, datetime

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, inspect, select

from engine.clock import utcnow
from engine.db import once
from engine.models import Pathway, TaskRecord
from webui.markers.codes import default_table
from webui.markers.models import PathwayMarker

OUTPATIENT = ("opstart", "ustabil", "stabil", "overgang")


def marker_table():
    """The code table in force (the app's configured one, else the default)."""
    if has_app_context():
        return current_app.extensions.get("marker_codes") or default_table()
    return default_table()


def points_of_record(record):
    """(point, key suffix) of the measurement points a new history row is."""
    data = record.data or {}
    if record.kind == "start":
        return [("henvisning_modtaget", "")]
    if record.kind == "task" and record.form_id == "visitation":
        return [("visitation", "")]
    if record.kind != "stage":
        return []
    before, after, run = data.get("from"), data.get("to"), f":{record.run_no}"
    points = []
    if after is None:
        return [("afslutning", "")]
    if before == "indlagt" and after != "indlagt":
        points.append(("udskrivelse", run))
    if after == "indlagt" and before != "indlagt":
        points.append(("indlaeggelse", run))
    if after in OUTPATIENT and after != before:
        points.append((f"fase_{after}", run))
    return points


def _added(obj, name):
    """The value an attribute was just given (None when it did not change to a value)."""
    added = inspect(obj).attrs[name].history.added
    return added[0] if added and added[0] is not None else None


def _wanted(session):
    """(pathway_id, patient_id, point, key, at, value) of what this flush records."""
    known = {o.id: o for o in session.identity_map.values() if isinstance(o, Pathway)}
    patients = {pid: o.patient_id for pid, o in known.items()}
    wanted = []
    # history rows first: a referral's start comes before the guarantee set in the same flush
    for obj in session.new:
        if isinstance(obj, TaskRecord):
            for point, suffix in points_of_record(obj):
                wanted.append((obj.pathway_id, patients.get(obj.pathway_id), point, point + suffix, obj.at, None))
            pathway = known.get(obj.pathway_id)
            if obj.kind == "start" and pathway is not None and isinstance(pathway.guarantee_due, date):
                # the referral's script sets the deadline as the pathway starts, and the start
                # writes the pathway's row in an earlier flush, while it has no id: seen here
                due = pathway.guarantee_due.isoformat()
                wanted.append((pathway.id, pathway.patient_id, "garantifrist", f"garantifrist:{due}", obj.at, due))
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Pathway) and obj.id is not None:
            started = _added(obj, "treatment_started_at")
            if started is not None:
                wanted.append((obj.id, obj.patient_id, "behandlingsstart", "behandlingsstart", started, None))
            due = _added(obj, "guarantee_due")
            if isinstance(due, date):
                wanted.append((obj.id, obj.patient_id, "garantifrist", f"garantifrist:{due.isoformat()}",
                               obj.updated_at or utcnow(), due.isoformat()))
    return wanted


def hint(session, pathway_id, point, at):
    """Give the next `point` marker of this pathway in this session the time `at` (the time the
    hospital registered, not the time its message was processed)."""
    session.info.setdefault("marker_times", {})[(pathway_id, point)] = at


def forget_hints(session):
    """Drop hints nothing used (the pathway did not move), so no later change in the session
    takes them."""
    session.info.pop("marker_times", None)


def correct(session, pathway_id, point, at):
    """Move the latest `point` marker of the pathway to `at` (a hospital's correction); returns
    whether there was one."""
    marker = session.scalar(select(PathwayMarker).where(
        PathwayMarker.pathway_id == pathway_id, PathwayMarker.point == point)
        .order_by(PathwayMarker.id.desc()).limit(1))
    if marker is None:
        return False
    marker.at = at
    return True


def new_marker(table, pathway_id, patient_id, point, key, at, value):
    """One stored marker with its code from the table (live recording and backfill alike)."""
    code = table.code(point)
    return PathwayMarker(pathway_id=pathway_id, patient_id=patient_id, point=point, key=key[:80],
                         system=table.system, code=code["code"], display=code["display"][:200],
                         at=at, value=value)


@once
def _stored_query():
    return select(PathwayMarker.id).where(PathwayMarker.pathway_id == bindparam("pathway_id"),
                                          PathwayMarker.key == bindparam("key"))


def record_markers(session, _context, _instances):
    """before_flush: add the markers this flush's history rows and pathway changes are."""
    wanted = _wanted(session)
    if not wanted:
        return
    table, hints = marker_table(), session.info.get("marker_times") or {}
    with session.no_autoflush:
        for pathway_id, patient_id, point, key, at, value in wanted:
            at = hints.pop((pathway_id, point), at)
            if patient_id is None:
                patient_id = session.scalar(select(Pathway.patient_id).where(Pathway.id == pathway_id))
            pending = any(isinstance(o, PathwayMarker) and o.pathway_id == pathway_id and o.key == key
                          for o in session.new)
            if pending or session.scalar(_stored_query(), {"pathway_id": pathway_id,
                                                           "key": key}) is not None:
                continue   # stored once: a point that happened before is not stored again
            session.add(new_marker(table, pathway_id, patient_id, point, key,
                                at if isinstance(at, datetime) else utcnow(), value))


def register(session_target):
    """Listen on the web app's sessions (once, however many apps are created)."""
    if not event.contains(session_target, "before_flush", record_markers):
        event.listen(session_target, "before_flush", record_markers)

