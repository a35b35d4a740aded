"""The modeler's JSON API (docs/modeler.md, "The JSON API"): versions, validate, propose, diff, review."""
from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import InvalidDefinition, NotFound, ScenarioFailed, StaleBase
from engine.modeling import added_names, check_candidate, diff_bundles, propose, rebase
from engine.service import current_version, get_version
from webui.access import require_area
from webui.audit import audit
from webui.common.assets import compressed
from webui.extensions import db
from webui.i18n import localise
from webui.modeler import bp
from webui.modeler.changes import present
from webui.modeler.pages import review_action
from webui.modeler.rate import PerUserRate
from webui.modeler.rebasing import stale_message
from webui.modeler.review import (
    form_ids,
    four_eyes,
    newer_json,
    problems_json,
    run_scenarios,
    scenarios_for_change,
)

MAX_NOTE = 200
# a validate request parses the whole bundle here and starts a scenario process: 10 a minute
VALIDATIONS = PerUserRate("MODELER_VALIDATIONS_PER_MINUTE", default=10)


def _error(status, code, message, **extra):
    """A JSON error answer; nothing of the attempt is kept."""
    db.session.rollback()
    return jsonify(error=code, message=message, **extra), status


def _payload():
    """(base version id, changed files) of a validate/propose body, or an error answer."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, None, _error(400, "bad_request", _("Ugyldig forespørgsel."))
    base, files = body.get("base_version"), body.get("files", {})
    if not isinstance(base, int) or isinstance(base, bool) or not isinstance(files, dict) or \
            not all(isinstance(k, str) and (v is None or isinstance(v, str))
                    for k, v in files.items()):
        return None, None, _error(400, "bad_request",
                                  _("Angiv base_version (tal) og files (navn → tekst)."))
    return base, files, None


def _version_json(version):
    current = current_version(db.session)
    return {"id": version.id, "status": version.status, "files": dict(version.files or {}),
            "forms": form_ids(version.files), "current_id": current.id if current else None,
            "base_version": version.base_version_id, "note": version.note,
            "proposed_by": version.deployed_by, "approved_by": version.approved_by}


@bp.get("/api/versions/<int:version_id>")
@require_area("modeler")
def api_version(version_id):
    """One version's files, forms and status, plus which version is current."""
    try:
        version = get_version(db.session, version_id)
    except NotFound:
        return _error(404, "not_found", _("Versionen findes ikke."))
    return compressed(jsonify(_version_json(version)))  # the editor's largest answer (~390 KB)


@bp.get("/api/versions/current")
@require_area("modeler")
def api_current():
    """The current version (what new pathways start on)."""
    version = current_version(db.session)
    if version is None:
        return _error(404, "not_found", _("Ingen version er udrullet endnu."))
    return compressed(jsonify(_version_json(version)))


@bp.post("/api/validate")
@require_area("modeler")
def api_validate():
    """Validate base+changes and (when valid) run the scenarios; stores nothing."""
    wait = VALIDATIONS.retry_after(current_user.username)
    if wait:
        response, status = _error(429, "rate_limited", _(
            "Du har valideret mange gange på kort tid. Vent %(seconds)s sekunder, og prøv igen.",
            seconds=wait))
        response.headers["Retry-After"] = str(wait)
        return response, status
    base_id, files, error = _payload()
    if error:
        return error
    try:
        merged, target = rebase(db.session, get_version(db.session, base_id), files)
        # only the scenarios the change can alter; propose runs them all
        results = check_candidate(merged, scenarios_for_change(target), added_names(target.files, files))
    except NotFound:
        return _error(404, "not_found", _("Versionen findes ikke."))
    except StaleBase as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=[{"file": None, "element": None, "line": None,
                                            "message": localise(exc.args[0]), "source": "stale"}],
                       scenarios=[])
    except InvalidDefinition as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=problems_json(exc.problems), scenarios=[])
    except ScenarioFailed as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=[], scenarios=exc.results)
    db.session.rollback()
    return jsonify(ok=True, problems=[], scenarios=results)


@bp.post("/api/propose")
@require_area("modeler")
def api_propose():
    """Propose base+changes as a new version (refused when stale, invalid or failing)."""
    base_id, files, error = _payload()
    if error:
        return error
    note = str((request.get_json(silent=True) or {}).get("note") or "").strip()[:MAX_NOTE]
    try:
        version, existed = propose(db.session, base_id, files, current_user.username, note=note,
                                   four_eyes=four_eyes(), run_scenarios=run_scenarios)
    except NotFound:
        return _error(404, "not_found", _("Versionen findes ikke."))
    except StaleBase as exc:
        base = get_version(db.session, base_id)
        newest = exc.newer[-1]
        diff = diff_bundles(base.files, newest.files)
        return _error(409, "stale_base", stale_message(newest, ", ".join(exc.changed_files)),
                      newer=newer_json(exc.newer), diff={"changes": present(diff)},
                      onto=newest.id, onto_status=newest.status)
    except InvalidDefinition as exc:
        return _error(422, "invalid", _("Definitionen har fejl og blev ikke foreslået."),
                      problems=problems_json(exc.problems))
    except ScenarioFailed as exc:
        failed = [r for r in exc.results if not r.get("ok")]
        return _error(422, "scenario_failed", _(
            "Scenariet “%(title)s” fejler i trin %(step)s: %(message)s",
            title=failed[0].get("title"), step=failed[0].get("step"),
            message=failed[0].get("message")), scenarios=exc.results)
    url = url_for("modeler.version_page", version_id=version.id)
    if existed:
        db.session.rollback()
        return jsonify(version=version.id, status=version.status, existing=True, url=url,
                       message=_("Indholdet findes allerede som version %(id)s (%(status)s). "
                                 "Intet nyt er udrullet.", id=version.id,
                                 status=version.status)), 200
    audit("definition_propose", detail=f"version {version.id} from {base_id}: "
                                       f"{', '.join(sorted(files))}")
    db.session.commit()
    return jsonify(version=version.id, status=version.status, url=url, existing=False), 201


@bp.get("/api/diff")
@require_area("modeler")
def api_diff():
    """Element-, flow-, lane-, rule-, form- and field-level differences of two versions."""
    try:
        old = get_version(db.session, request.args.get("from", type=int) or 0)
        new = get_version(db.session, request.args.get("to", type=int) or 0)
    except NotFound:
        return _error(404, "not_found", _("Versionen findes ikke."))
    return jsonify(changes=diff_bundles(old.files, new.files), **{"from": old.id, "to": new.id})


@bp.post("/api/versions/<int:version_id>/approve")
@require_area("modeler")
def api_approve(version_id):
    """A second process owner approves a proposed version (JSON)."""
    message, status, code = review_action("approve", version_id)
    return jsonify(ok=status < 400, message=message, error=code), status
