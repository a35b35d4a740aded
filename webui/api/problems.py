"""Problem details (RFC 9457) for every error under /api: type, title, status, detail, code."""
from http import HTTPStatus

from flask import jsonify

MEDIA_TYPE = "application/problem+json"
# werkzeug's exceptions carry no stable code of ours: one per status for those
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
              429: "rate_limited", 500: "server_error"}


def problem_body(status, code, detail):
    """The problem-details object: type, title, status, detail and a stable code."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"type": f"urn:forlob:problem:{code}", "title": title, "status": status,
            "detail": detail, "code": code}


def problem(status, code, detail, headers=None):
    """A problem-details response with a stable machine-readable code."""
    response = jsonify(problem_body(status, code, detail))
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_problem(exc):
    """A werkzeug HTTPException as problem details, keeping its headers (Allow, Retry-After)."""
    status = exc.code or 500
    code = getattr(exc, "code_name", None) or HTTP_CODES.get(status, f"http_{status}")
    detail = exc.description if status < 500 else "The server could not answer; nothing was changed."
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return problem(status, code, detail, headers)
