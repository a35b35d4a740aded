"""The OpenAPI 3.1 description of the hospital-systems API (served and copied to docs/api/)."""

_ERROR = {"type": "object", "required": ["error", "message"],
          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}


def _error(description, codes):
    """A response object for an error status."""
    return {"description": description + " `error` is one of: " + ", ".join(codes) + ".",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


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
            "the header `Idempotent-Replay: true` and changes nothing. Every call is audited."),
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
                                 "description": "The sender's unique id of the event."},
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
                    "400": _error("The body is not a valid event.", ["invalid_json", "invalid_event"]),
                    "401": _error("Missing, unknown or revoked token.", ["unauthorized"]),
                    "404": _error("No patient with this CPR number in a pathway of your "
                                  "organisation.", ["unknown_patient"]),
                    "409": _error("The patient has no active pathway, or it does not wait for "
                                  "this event now (e.g. a discharge of a patient who is not "
                                  "admitted).", ["no_pathway", "not_waiting"]),
                    "415": _error("The body is not JSON.", ["unsupported_media_type"]),
                },
            },
        },
        "/openapi.json": {
            "get": {"operationId": "getOpenApi", "summary": "This description", "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}}},
        },
    },
}
