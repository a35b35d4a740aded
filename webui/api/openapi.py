"""The OpenAPI 3.1 description of the hospital-systems API (served and copied to docs/api/)."""

_ERROR = {"type": "object", "required": ["type", "title", "status", "detail", "code"],
          "description": "Problem details (RFC 9457) with a stable `code`.",
          "properties": {"type": {"type": "string", "format": "uri-reference"},
                         "title": {"type": "string"}, "status": {"type": "integer"},
                         "detail": {"type": "string"}, "code": {"type": "string"}}}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before the next call.",
                                "schema": {"type": "integer", "minimum": 1}}}


def _error(description, codes, headers=None):
    """A response object for an error status."""
    response = {"description": description + " `code` is one of: " + ", ".join(codes) + ".",
                "content": _PROBLEM}
    if headers:
        response["headers"] = headers
    return response


SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Forløb hospital-systems API",
        "version": "1.0.0",
        "description": (
            "Hospital systems report admissions and discharges of patients in the integrated "
            "dual-diagnosis pathway. Each integration client has its own bearer token "
            "(`flask api create-client NAME --org CODE`; only a hash is stored). Patients are "
            "matched by CPR number among the pathways the client's organisation takes part in. "
            "An accepted event id is remembered: sending it again returns the first answer with "
            "the header `Idempotent-Replay: true` and changes nothing; the same event id with another "
            "body is refused with 409 `idempotency_conflict`. A client belongs to a region's "
            "psychiatry (or a unit under it). Every error, on any path under /api, is problem "
            "details (RFC 9457) with a stable `code`. Failed authentication is limited per "
            "address and calls per client (429 with Retry-After). Every call is audited."),
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": _ERROR,
            "Event": {
                "type": "object", "required": ["event_id", "type", "cpr"],
                "properties": {
                    "event_id": {"type": "string", "minLength": 1, "maxLength": 100,
                                 "description": "The sender's unique id of the event (text: no "
                                                "control characters but newline and tab)."},
                    "type": {"type": "string", "enum": ["admission", "discharge"]},
                    "cpr": {"type": "string", "pattern": "^[0-9]{6}-?[0-9]{4}$"},
                    "reason": {"type": "string", "default": "andet",
                               "enum": ["psykisk_forvaerring", "selvmordsrisiko", "abstinenser",
                                        "afrusning", "andet"],
                               "description": "admission only: why the patient was admitted"},
                    "return_stage": {"type": "string",
                                     "enum": ["opstart", "ustabil", "stabil", "overgang"],
                                     "description": "discharge only: the outpatient phase the "
                                                    "patient returns to; default: the phase "
                                                    "the patient was admitted from"},
                    "discharge_date": {"type": "string", "format": "date"},
                    "discharge_note": {"type": "string", "maxLength": 2000,
                                       "description": "discharge only: the plan after discharge"},
                },
                "examples": [
                    {"event_id": "sp-2026-000123", "type": "admission", "cpr": "010190-1235",
                     "reason": "abstinenser"},
                    {"event_id": "sp-2026-000124", "type": "discharge", "cpr": "0101901235",
                     "discharge_date": "2026-02-01", "discharge_note": "Opfølgning i ambulatoriet"},
                ],
            },
            "Accepted": {
                "type": "object", "required": ["status", "event_id", "pathway_id", "stage"],
                "properties": {"status": {"const": "accepted"}, "event_id": {"type": "string"},
                               "pathway_id": {"type": "integer"}, "stage": {"type": "string"}},
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/events": {
            "post": {
                "operationId": "postEvent",
                "summary": "Report an admission or a discharge",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Event"}}}},
                "responses": {
                    "200": {"description": "Accepted (or a replay of an accepted event id).",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Accepted"}}}},
                    "400": _error("The body is not a valid event, holds text that is not valid "
                                  "Unicode or has control characters, or nests too deep.",
                                  ["invalid_json", "invalid_event", "invalid_text", "too_deep",
                                   "bad_request"]),
                    "401": _error("Missing, unknown or revoked token.", ["unauthorized"]),
                    "403": _error("The client's organisation is not a region's psychiatry.",
                                  ["organisation_not_allowed"]),
                    "404": _error("No patient with this CPR number in a pathway of your "
                                  "organisation.", ["unknown_patient"]),
                    "409": _error("The patient has no active pathway, or it does not wait for "
                                  "this event now (e.g. a discharge of a patient who is not "
                                  "admitted), or the event id was used for another body.",
                                  ["no_pathway", "not_waiting", "idempotency_conflict"]),
                    "413": _error("The body is too large.", ["payload_too_large"]),
                    "415": _error("The body is not JSON.", ["unsupported_media_type"]),
                    "429": _error("Too many failed authentications from this address, or too "
                                  "many calls from this client.", ["rate_limited"], _RETRY_AFTER),
                },
            },
        },
        "/openapi.json": {
            "get": {"operationId": "getOpenApi", "summary": "This description", "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}}},
        },
    },
}
