"""The editor's live check of one expression: `POST /modeler/api/expression` (compile only)."""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from engine.service import check_expression
from webui.access import require_area
from webui.modeler import bp
from webui.modeler.rate import PerUserRate

KINDS = ("condition", "script", "timer", "due", "dmn")
CHECKS = PerUserRate("MODELER_EXPRESSION_CHECKS_PER_MINUTE")


@bp.post("/api/expression")
@require_area("modeler")
def expression():
    """Compile a condition, script, timer, `due` or DMN cell in the sandbox; never run it."""
    wait = CHECKS.retry_after(current_user.username)
    if wait:  # clinicians share the sandbox workers: one owner may not flood them
        response = jsonify(error="rate_limited", message=_(
            "Du har tjekket mange udtryk på kort tid. Vent %(seconds)s sekunder, og prøv igen.",
            seconds=wait))
        response.headers["Retry-After"] = str(wait)
        return response, 429
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or payload.get("kind") not in KINDS \
            or not isinstance(payload.get("text"), str):
        return jsonify(error="bad_request",
                       message=_("Angiv et udtryk og dets art (betingelse, script, timer, "
                                 "frist eller DMN).")), 400
    result = check_expression(payload["kind"], payload["text"])
    message = None if result.ok else _("Udtrykket kan ikke bruges: %(reason)s",
                                       reason=result.reason)
    return jsonify(ok=result.ok, message=message, line=result.line)
