"""The hospital-systems API: admission and discharge events as JSON, per-client bearer tokens.

Every call is audited (actor ``api:<client>``). An event id is kept with the answer it got,
so a resend gets the very same answer and changes nothing (idempotency).
"""
from datetime import date

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from engine import service
from engine.audit import record
from engine.errors import Conflict, NoRecipient
from engine.models import Pathway, PathwayParticipant, Patient
from webui.api.models import ApiEvent
from webui.api.openapi import SPEC
from webui.api.tokens import client_for
from webui.extensions import csrf, db
from webui.models import utcnow
from webui.pathways.task_rules import admitted_from

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one

EVENT_MESSAGES = {"admission": "indlagt", "discharge": "udskrevet"}
ADMISSION_REASONS = ("psykisk_forvaerring", "selvmordsrisiko", "abstinenser", "afrusning", "andet")
RETURN_STAGES = ("opstart", "ustabil", "stabil", "overgang")


def _audit(client_name, action, patient_id=None, pathway_id=None, detail=""):
    """Audit one API call in the current transaction."""
    record(db.session, f"api:{client_name}"[:80], action, patient_id=patient_id,
           pathway_id=pathway_id, detail=detail[:500], source=request.remote_addr or "")


def _error(status, code, message):
    """A JSON error body with a stable code and a readable message."""
    return {"error": code, "message": message}, status


def _validate(body):
    """(event fields, None) or (None, error) for a posted event."""
    if not isinstance(body, dict):
        return None, _error(400, "invalid_json", "The body must be a JSON object.")
    problems = []
    event_id, kind, cpr = body.get("event_id"), body.get("type"), body.get("cpr")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100:
        problems.append("event_id must be a string of 1-100 characters")
    if kind not in EVENT_MESSAGES:
        problems.append("type must be 'admission' or 'discharge'")
    if not isinstance(cpr, str) or not (cpr.replace("-", "").isdigit() and len(cpr.replace("-", "")) == 10):
        problems.append("cpr must be 10 digits")
    payload = {}
    if kind == "admission":
        reason = body.get("reason", "andet")
        if reason not in ADMISSION_REASONS:
            problems.append(f"reason must be one of {', '.join(ADMISSION_REASONS)}")
        payload["admission_reason"] = reason
    if kind == "discharge":
        stage = body.get("return_stage")  # none given: the phase the patient came from
        if stage is not None and stage not in RETURN_STAGES:
            problems.append(f"return_stage must be one of {', '.join(RETURN_STAGES)}")
        note = body.get("discharge_note", "")
        if not isinstance(note, str) or len(note) > 2000:
            problems.append("discharge_note must be text of at most 2000 characters")
        try:
            day = date.fromisoformat(body.get("discharge_date") or date.today().isoformat())
        except (TypeError, ValueError):
            problems.append("discharge_date must be an ISO date (YYYY-MM-DD)")
            day = None
        payload.update(return_stage=stage, discharge_note=note,
                       discharge_date=day.isoformat() if day else None)
    if problems:
        return None, _error(400, "invalid_event", "; ".join(problems))
    return {"event_id": event_id, "type": kind, "cpr": cpr.replace("-", ""),
            "payload": payload}, None


def _deliver(client, event):
    """Match the patient and deliver the message; returns (body, status, patient_id, pathway_id)."""
    patient = db.session.scalar(select(Patient).where(Patient.cpr == event["cpr"]))
    # a patient whose pathways the client's organisation takes no part in is "unknown" to it
    pathway = patient and db.session.scalar(
        select(Pathway).join(PathwayParticipant, PathwayParticipant.pathway_id == Pathway.id)
        .where(Pathway.patient_id == patient.id,
               PathwayParticipant.org_code == client.organisation_code)
        .order_by(Pathway.id.desc()).limit(1))
    if patient is None or pathway is None:
        return (*_error(404, "unknown_patient", "No patient with this CPR number is known to "
                                                "your organisation."), None, None)
    if pathway.status != "active":
        return (*_error(409, "no_pathway", "The patient has no active pathway."), patient.id,
                pathway.id)
    if event["type"] == "discharge" and event["payload"].get("return_stage") is None:
        event["payload"]["return_stage"] = admitted_from(db.session, pathway)
    payload = dict(event["payload"], source_event=event["event_id"],
                   admitted_by=f"api:{client.name}")
    try:
        moved = service.deliver_message(db.session, EVENT_MESSAGES[event["type"]], patient.id,
                                        payload, f"api:{client.name}")
    except (NoRecipient, Conflict):
        db.session.rollback()
        wanted = "an admission" if event["type"] == "admission" else "a discharge"
        return (*_error(409, "not_waiting", f"The patient's pathway is not waiting for {wanted} "
                                            f"(current phase: {pathway.stage})."),
                patient.id, pathway.id)
    return ({"status": "accepted", "event_id": event["event_id"], "pathway_id": moved.id,
             "stage": moved.stage}, 200, patient.id, moved.id)


@bp.post("/events")
def events():
    """Receive one admission or discharge event from a hospital system."""
    client = client_for(request.headers.get("Authorization"))
    if client is None:
        _audit("unknown", "api_denied", detail="missing or invalid token")
        db.session.commit()
        body, status = _error(401, "unauthorized", "A valid bearer token is required.")
        return jsonify(body), status, {"WWW-Authenticate": 'Bearer realm="forlob"'}
    name, client_id = client.name, client.id
    if not request.is_json:
        _audit(name, "api_event", detail="rejected: not JSON")
        db.session.commit()
        body, status = _error(415, "unsupported_media_type", "Send application/json.")
        return jsonify(body), status
    event, problem = _validate(request.get_json(silent=True))
    if problem:
        _audit(name, "api_event", detail=f"rejected: {problem[0]['message']}")
        db.session.commit()
        return jsonify(problem[0]), problem[1]
    seen = db.session.scalar(select(ApiEvent).where(ApiEvent.client_id == client_id,
                                                    ApiEvent.event_id == event["event_id"]))
    if seen is not None:
        _audit(name, "api_event_replay", seen.patient_id, seen.pathway_id,
               detail=f"event {event['event_id']} answered before")
        db.session.commit()
        return jsonify(seen.response), seen.status_code, {"Idempotent-Replay": "true"}
    body, status, patient_id, pathway_id = _deliver(client, event)
    client.last_used_at = utcnow()
    if status == 200:  # only an applied event is kept: a refused one may be sent again later
        db.session.add(ApiEvent(client_id=client_id, event_id=event["event_id"],
                                kind=event["type"], patient_id=patient_id, pathway_id=pathway_id,
                                status_code=status, response=body))
    _audit(name, "api_event", patient_id, pathway_id,
           detail=f"{event['type']} event {event['event_id']}: {status} {body.get('error', 'ok')}")
    db.session.commit()
    return jsonify(body), status


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API."""
    return jsonify(SPEC)
