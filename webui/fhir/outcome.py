"""The OperationOutcome every FHIR answer that is not a resource carries."""
from flask import current_app

FHIR_JSON = "application/fhir+json"
READ_ERRORS = "https://forlob.dk/fhir/CodeSystem/read-errors"
# HTTP status -> the OperationOutcome issue type FHIR's RESTful API pairs with it
ISSUE_TYPES = {401: "security", 403: "forbidden", 404: "not-found", 405: "not-supported",
               406: "not-supported", 413: "too-costly", 415: "not-supported", 429: "throttled"}
# HTTP status of an error no view answered -> our code
HTTP_CODES = {404: "READ-NOT-FOUND", 405: "READ-METHOD", 429: "READ-THROTTLED"}


def is_fhir(path):
    """True for a request under /fhir/, which a FHIR client reads only as FHIR."""
    return path == "/fhir" or path.startswith("/fhir/")


def operation_outcome(code, text, status):
    """An OperationOutcome with our code and a readable text, as a FHIR JSON response."""
    body = {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": ISSUE_TYPES.get(status, "invalid" if status < 500 else "exception"),
        "diagnostics": text, "details": {"coding": [{"system": READ_ERRORS, "code": code}], "text": text}}]}
    return current_app.response_class(current_app.json.dumps(body), status=status, mimetype=FHIR_JSON)


def for_http_error(exc):
    """An HTTP error no FHIR view answered itself (no such URL, a method not allowed)."""
    status = exc.code or 500
    text = {404: "no such FHIR resource or operation"}.get(status, exc.name)
    response = operation_outcome(HTTP_CODES.get(status, "READ-HTTP"), text, status)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
