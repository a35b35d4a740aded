"""The FHIR messaging endpoint: MedCom HospitalNotification in, MedCom Acknowledgement out.

Views only parse, call and render: the rules are in hospital_notification and guide_rules (pure), the effects
in effects, the answers in acknowledgement. Clients and tokens are the hospital-systems API's
(docs/api.md); every message, accepted, replayed or refused, is audited as `api:<client>`.
"""
from flask import Blueprint, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from engine.audit import record
from webui.api.tokens import client_for, client_sor_codes
from webui.extensions import csrf, db
from webui.fhir import acknowledgement as ack
from webui.fhir.effects import Receiver, Refusal
from webui.fhir.hospital_notification import MAX_BYTES, Problem, parse
from webui.fhir.models import HospitalMessage
from webui.fhir.xml_input import XML_TYPES, to_json, to_xml
from webui.models import utcnow
from webui.security import RequestRefused

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one

FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"
MEDIA_TYPES = (FHIR_JSON, "application/json")


def _our_sor():
    return current_app.config.get("FHIR_SOR_ID", "1000000000000000")


def _answer(bundle, status, **headers):
    if request.mimetype in XML_TYPES:   # answer in the format the message came in
        response = current_app.response_class(to_xml(bundle), status=status, mimetype=FHIR_XML)
    else:
        response = current_app.response_class(current_app.json.dumps(bundle), status=status,
                                              mimetype=FHIR_JSON)
    response.headers.update(headers)
    return response


def _audit(actor, action, detail, patient_id=None, pathway_id=None):
    record(db.session, actor[:80], action, patient_id=patient_id, pathway_id=pathway_id,
           detail=detail[:500], source=request.remote_addr or "")


def _refuse(actor, problem, their_sor=None, **headers):
    """Audit and answer a broken rule; nothing else of the request is written."""
    db.session.rollback()
    rule = f" [{problem.key}]" if problem.key else ""   # the guide's rule, when it is one
    _audit(actor, "hn_refused", f"{problem.message_id or '-'}: {problem.code}{rule} {problem.text}")
    db.session.commit()
    return _answer(ack.for_problem(problem, _our_sor(), their_sor), problem.status, **headers)


def _read_body():
    """The raw body, or None when it is larger than a HospitalNotification may be."""
    if (request.content_length or 0) > MAX_BYTES:
        return None
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return None
    return raw if len(raw) <= MAX_BYTES else None


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A body over the app's upload limit is refused before the view runs: answer it in FHIR too."""
    client = client_for(request.headers.get("Authorization"))
    return _refuse(f"api:{client.name}" if client else "api:unknown",
                   Problem("HN-SIZE", f"at most {MAX_BYTES} bytes are accepted"))


# the app-wide text door (webui/security.py) refuses these before the view runs
DOOR_CODES = {"invalid_text": "HN-ENCODING", "too_deep": "HN-NESTING"}


@bp.errorhandler(RequestRefused)
def refused_at_the_door(exc):
    """Text the app's door refuses is answered as a MedCom Acknowledgement, like every rule."""
    client = client_for(request.headers.get("Authorization"))
    return _refuse(f"api:{client.name}" if client else "api:unknown",
                   Problem(DOOR_CODES.get(exc.code_name, "HN-ENCODING"), str(exc.description)))


@bp.post("/$process-message")
def process_message():
    """Receive one MedCom HospitalNotification message and answer with an Acknowledgement."""
    client = client_for(request.headers.get("Authorization"))
    if client is None:
        return _refuse("api:unknown", Problem("HN-AUTH", "missing, unknown or revoked token"),
                       **{"WWW-Authenticate": 'Bearer realm="forlob"'})
    actor, client_id = f"api:{client.name}", client.id
    if request.mimetype not in MEDIA_TYPES + XML_TYPES:
        return _refuse(actor, Problem("HN-MEDIA-TYPE", f"got {request.mimetype or 'nothing'}"))
    raw = _read_body()
    if raw is None:
        return _refuse(actor, Problem("HN-SIZE", f"at most {MAX_BYTES} bytes are accepted"))
    if request.mimetype in XML_TYPES:   # XML becomes the same JSON, then meets the same rules
        raw, why = to_json(raw)
        if raw is None:
            return _refuse(actor, Problem("HN-XML", why or "unreadable"))
    note, problem, body = parse(raw)
    if problem:
        return _refuse(actor, problem)
    bound = client_sor_codes(client)
    if bound and note.sender_sor not in bound:   # a client speaks for its own hospitals only
        return _refuse(actor, Problem("HN-SENDER-NOT-CLIENT", f"sender SOR {note.sender_sor} is not bound to "
                                      f"this client", note.message_id), note.sender_sor)
    seen = db.session.scalar(select(HospitalMessage).where(
        HospitalMessage.client_id == client_id, HospitalMessage.message_id == note.message_id))
    if seen is not None:
        if seen.digest != note.digest:
            return _refuse(actor, Problem("HN-DUPLICATE-ID", "the first message with this id is "
                                          "kept; send a new id for new content", note.message_id),
                           note.sender_sor)
        _audit(actor, "hn_replay", f"{note.message_id}: {note.code} answered before",
               seen.patient_id, seen.pathway_id)
        db.session.commit()
        return _answer(seen.ack, seen.http_status, **{"Idempotent-Replay": "true"})
    try:
        done = Receiver(db.session, client, note, actor).apply()
    except Refusal as refusal:
        return _refuse(actor, Problem(refusal.code, refusal.text, note.message_id), note.sender_sor)
    issue = ack.outcome(None, f"{done.outcome}: {done.text}")
    answer = ack.acknowledgement(note.message_id, "ok", issue, _our_sor(), note.sender_sor)
    db.session.add(HospitalMessage(
        client_id=client_id, message_id=note.message_id, digest=note.digest, code=note.code,
        episode=note.episode, cpr=note.cpr, sender_sor=note.sender_sor, patient_id=done.patient_id,
        pathway_id=done.pathway_id, outcome=done.outcome, http_status=200, ack=answer, body=body))
    client.last_used_at = utcnow()
    _audit(actor, "hn_message", f"{note.message_id}: {note.code} {done.outcome}",
           done.patient_id, done.pathway_id)
    try:
        db.session.commit()
    except IntegrityError:  # the same id arrived twice at once: the other one won
        return _refuse(actor, Problem("HN-TRANSIENT", "the same message is being processed",
                                      note.message_id), note.sender_sor)
    return _answer(answer, 200)
