"""The hospital-systems API: admission and discharge events as JSON, per-client bearer tokens.

Every call is audited (actor ``api:<client>``). An event id is kept with the answer it got,
so a resend gets the very same answer and changes nothing (idempotency); the same id with
another body is refused (409 idempotency_conflict). Every error is problem details (RFC 9457).
"""
import hashlib
import json

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from engine import service
from engine.audit import record
from engine.errors import Conflict, NoRecipient
from engine.models import Pathway, PathwayParticipant, Patient
from webui.api import limits
from webui.api.models import ApiEvent
from webui.api.openapi import SPEC
from webui.api.problems import problem, problem_body
from webui.api.schema import load_event
from webui.api.tokens import acts_for_psychiatry, client_for
from webui.extensions import csrf, db
from webui.models import utcnow
from webui.pathways.task_rules import admitted_from

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one

EVENT_MESSAGES = {"admission": "indlagt", "discharge": "udskrevet"}


def _audit(client_name, action, patient_id=None, pathway_id=None, detail=""):
    """Audit one API call in the current transaction."""
    record(db.session, f"api:{client_name}"[:80], action, patient_id=patient_id,
           pathway_id=pathway_id, detail=detail[:500], source=request.remote_addr or "")


def _error(status, code, message):
    """An error body (problem details, RFC 9457) with a stable code, and its status."""
    return problem_body(status, code, message), status


def _fingerprint(body):
    """A SHA-256 of the event's body, independent of key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


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


def _refuse(name, detail, status, code, message, headers=None):
    """Audit a refused call and answer it with problem details."""
    _audit(name, "api_event", detail=f"rejected: {detail}"[:500])
    db.session.commit()
    return problem(status, code, message, headers)


@bp.post("/events")
def events():
    """Receive one admission or discharge event from a hospital system."""
    address = request.remote_addr or ""
    wait = limits.failed_auth_wait(address)
    client = client_for(request.headers.get("Authorization"))
    if client is None:
        if wait:  # refused unheard, and unaudited: a flood must not fill the audit trail
            return problem(429, "rate_limited", "Too many failed authentications from this "
                           "address; wait and try again.", {"Retry-After": str(wait)})
        _audit("unknown", "api_denied", detail="missing or invalid token")
        db.session.commit()
        return problem(401, "unauthorized", "A valid bearer token is required.",
                       {"WWW-Authenticate": 'Bearer realm="forlob"'})
    name, client_id = client.name, client.id
    wait = limits.client_wait(f"api:{name}"[:80])
    if wait:
        return problem(429, "rate_limited", "Too many calls from this client; wait and try "
                       "again.", {"Retry-After": str(wait)})
    if not acts_for_psychiatry(client.organisation_code):
        return _refuse(name, "client not bound to a psychiatry", 403, "organisation_not_allowed",
                       "This client's organisation does not report psychiatric admissions "
                       "and discharges.")
    if not request.is_json:
        return _refuse(name, "not JSON", 415, "unsupported_media_type", "Send application/json.")
    body = request.get_json(silent=True)
    event, message = load_event(body)
    if message:
        code = "invalid_json" if not isinstance(body, dict) else "invalid_event"
        return _refuse(name, message, 400, code, message)
    fingerprint = _fingerprint(dict(body, cpr=event["cpr"]))  # the dash is only a spelling
    seen = db.session.scalar(select(ApiEvent).where(ApiEvent.client_id == client_id,
                                                    ApiEvent.event_id == event["event_id"]))
    if seen is not None and seen.request_hash not in (None, fingerprint):
        _audit(name, "api_event", seen.patient_id, seen.pathway_id,
               detail=f"rejected: event {event['event_id']} sent again with another body")
        db.session.commit()
        return problem(409, "idempotency_conflict", "This event_id was used before for an event "
                       "with another body; send a new event_id for a new event.")
    if seen is not None:
        _audit(name, "api_event_replay", seen.patient_id, seen.pathway_id,
               detail=f"event {event['event_id']} answered before")
        db.session.commit()
        return jsonify(seen.response), seen.status_code, {"Idempotent-Replay": "true"}
    body_out, status, patient_id, pathway_id = _deliver(client, event)
    client.last_used_at = utcnow()
    if status == 200:  # only an applied event is kept: a refused one may be sent again later
        db.session.add(ApiEvent(client_id=client_id, event_id=event["event_id"],
                                kind=event["type"], patient_id=patient_id, pathway_id=pathway_id,
                                status_code=status, response=body_out, request_hash=fingerprint))
    _audit(name, "api_event", patient_id, pathway_id,
           detail=f"{event['type']} event {event['event_id']}: {status} {body_out.get('code', 'ok')}")
    db.session.commit()
    response = jsonify(body_out)
    response.status_code = status
    if status != 200:
        response.mimetype = "application/problem+json"
    return response


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API."""
    return jsonify(SPEC)
