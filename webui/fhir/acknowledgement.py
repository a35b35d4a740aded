"""The MedCom Acknowledgement message that answers every HospitalNotification.

A message Bundle: MessageHeader (event acknowledgement-message, response.identifier = the
answered MessageHeader id, response.code ok / transient-error / fatal-error), our sender and
their receiver Organizations, and an OperationOutcome with the coded result. Every answer is
validated with fhir.resources before it leaves.
"""
import uuid
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle

from webui.fhir.codes import ACK_EVENT_CODE, ERROR_SYSTEM, ERRORS, EVENT_SYSTEMS, SOR_SYSTEM

OUR_ENDPOINT = "https://forlob.dk/fhir"


def _organisation(org_id, sor, name):
    resource = {"resourceType": "Organization", "id": org_id, "name": name}
    if sor:
        resource["identifier"] = [{"system": SOR_SYSTEM, "value": sor}]
    return resource


def outcome(code: str | None, text: str, severity: str = "information") -> dict:
    """An OperationOutcome with one issue: our code (or 'ok') and the readable text."""
    issue_type = ERRORS[code][1] if code else "informational"
    return {"resourceType": "OperationOutcome", "id": str(uuid.uuid4()),
            "issue": [{"severity": severity, "code": issue_type,
                       "details": {"coding": [{"system": ERROR_SYSTEM, "code": code or "HN-OK"}],
                                   "text": text[:1000]},
                       "diagnostics": text[:1000]}]}


def acknowledgement(answered_id: str | None, response_code: str, issue: dict,
                    our_sor: str, their_sor: str | None, now: datetime | None = None) -> dict:
    """The Acknowledgement message Bundle as JSON (validated)."""
    now = now or datetime.now(UTC)
    header_id, ours, theirs = (str(uuid.uuid4()) for _ in range(3))
    header = {
        "resourceType": "MessageHeader", "id": header_id,
        "eventCoding": {"system": EVENT_SYSTEMS[0], "code": ACK_EVENT_CODE},
        "destination": [{"endpoint": f"https://sor2.sum.dsdn.dk/#id={their_sor or 'unknown'}",
                         "receiver": {"reference": f"Organization/{theirs}"}}],
        "sender": {"reference": f"Organization/{ours}"},
        "source": {"endpoint": OUR_ENDPOINT, "software": "Forløb"},
        # an unreadable message has no id to answer; the FHIR `id` type needs one, so "unknown"
        "response": {"identifier": answered_id or "unknown", "code": response_code,
                     "details": {"reference": f"OperationOutcome/{issue['id']}"}},
    }
    bundle = {
        "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "message",
        "timestamp": now.isoformat(timespec="seconds"),
        "entry": [{"fullUrl": f"MessageHeader/{header_id}", "resource": header},
                  {"fullUrl": f"Organization/{ours}", "resource": _organisation(ours, our_sor, "Forløb")},
                  {"fullUrl": f"Organization/{theirs}",
                   "resource": _organisation(theirs, their_sor, "Afsender")},
                  {"fullUrl": f"OperationOutcome/{issue['id']}", "resource": issue}],
    }
    Bundle.parse_obj(bundle)  # a malformed answer is our bug: fail loudly here, not at the sender
    return bundle


def for_problem(problem, our_sor: str, their_sor: str | None = None) -> dict:
    """The fatal-error (or transient-error) Acknowledgement of a broken rule."""
    _status, _type, response_code, meaning = ERRORS[problem.code]
    rule = f" [{problem.key}]" if problem.key else ""   # the guide's rule, when it is one
    issue = outcome(problem.code, f"{problem.code}{rule}: {meaning}. {problem.text}",
                    severity="error" if response_code == "fatal-error" else "warning")
    return acknowledgement(problem.message_id, response_code, issue, our_sor, their_sor)
