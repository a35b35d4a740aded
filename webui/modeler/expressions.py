"""The editor's live check of one expression: `POST /modeler/api/expression` (compile only)."""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import NotFound
from engine.modeling import apply_changes, check_expression, get_version, known_names
from webui.access import require_area
from webui.extensions import db
from webui.i18n import localise
from webui.modeler import bp
from webui.modeler.rate import PerUserRate

KINDS = ("condition", "script", "timer", "due", "dmn")
CHECKS = PerUserRate("MODELER_EXPRESSION_CHECKS_PER_MINUTE")


def _known(payload):
    """The names the data can hold on base_version with the page's changed files, or None.

    Without a base version only the sandbox compiles the text (no names are checked).
    """
    base, files = payload.get("base_version"), payload.get("files") or {}
    if not isinstance(base, int) or isinstance(base, bool) or not isinstance(files, dict):
        return None
    try:
        version = get_version(db.session, base)
    except NotFound:
        return None
    changes = {k: v for k, v in files.items() if isinstance(k, str) and (v is None or isinstance(v, str))}
    return known_names(apply_changes(version.files, changes))


@bp.post("/api/expression")
@require_area("modeler")
def expression():
    """Compile a condition, script, timer, `due` or DMN cell in the sandbox; never run it.

    With `base_version` (and the page's changed `files`) names no data can hold are flagged too,
    each with the closest known name.
    """
    wait = CHECKS.retry_after(current_user.username)
    if wait:  # one owner may not flood the owner lane that other owners share
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
    result = check_expression(payload["kind"], payload["text"], _known(payload))
    if result.ok:
        message = None
    elif result.unknown:
        message = _("Udtrykket læser et navn, som ingen data har: %(reason)s", reason=localise(result.reason))
    else:
        message = _("Udtrykket kan ikke bruges: %(reason)s", reason=result.reason)
    unknown = [{"name": n, "suggestion": s} for n, s, _line in result.unknown]
    return jsonify(ok=result.ok, message=message, line=result.line, unknown=unknown)
