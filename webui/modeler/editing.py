"""The editor's server side: the editor page, raw file downloads, and the first editor's save."""
from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import InvalidDefinition, ScenarioFailed, StaleBase
from engine.modeling import current_version, propose
from webui.access import require_area
from webui.audit import audit
from webui.competencies.models import METHODS
from webui.extensions import db
from webui.i18n import localise_problems
from webui.modeler import bp
from webui.modeler.pages import _safe_name, _version_or_404
from webui.modeler.review import form_ids, four_eyes, problems_json, run_scenarios, warm_reached


@bp.get("/versions/<int:version_id>/files/<path:filename>")
@require_area("modeler")
def version_file(version_id, filename):
    """The raw text of one file of a version, as a download (never rendered as a page)."""
    version = _version_or_404(version_id)
    text = (version.files or {}).get(filename)
    if text is None:
        abort(404)
    # Uploaded XML could carry XHTML; plain text plus attachment keeps the browser from running it.
    return text, 200, {"Content-Type": "text/plain; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="{_safe_name(filename)}"',
                       "X-Content-Type-Options": "nosniff"}


@bp.get("/versions/<int:version_id>/edit")
@bp.get("/versions/<int:version_id>/edit/<path:filename>")
@require_area("modeler")
def edit(version_id, filename=None):
    """The editor on a version's bundle (the page itself is built by the editor's template)."""
    version = _version_or_404(version_id)
    files = sorted(version.files or {})
    diagrams = [n for n in files if n.endswith(".bpmn")]
    filename = filename or request.args.get("file") or (diagrams[0] if diagrams else None)
    if filename not in files:
        abort(404)
    current = current_version(db.session)
    warm_reached(version)  # so that the first Valider runs only the scenarios the change touches
    # the page names its own version and the current one, so an editor never shows a stale number
    return render_template("modeler/edit.html", version=version, files=files, filename=filename,
                           forms=form_ids(version.files), current_v=current,
                           current_id=current.id if current else None,
                           competences=[{"value": code, "label": f"{label} ({code})"}
                                        for code, label in METHODS.items()])


@bp.post("/versions/<int:version_id>/deploy")
@require_area("modeler")
def deploy(version_id):
    """The first editor's save of one file (JSON): proposed like any other change."""
    base = _version_or_404(version_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str) \
            or not isinstance(payload.get("filename"), str) \
            or payload["filename"] not in (base.files or {}):
        return jsonify(ok=False, problems=[[None, None, None, _("Ugyldig forespørgsel.")]]), 400
    try:
        version, existed = propose(db.session, base.id, {payload["filename"]: payload["xml"]},
                                   current_user.username, note=str(payload.get("note", ""))[:200],
                                   four_eyes=four_eyes(), run_scenarios=run_scenarios)
    except (InvalidDefinition, StaleBase, ScenarioFailed) as exc:
        db.session.rollback()
        problems = localise_problems(getattr(exc, "problems", None) or [(None, None, None, exc.args[0])])
        return jsonify(ok=False, problems=[list(p) for p in problems],
                       details=problems_json(problems)), 422
    if not existed:
        audit("definition_propose", detail=f"version {version.id}")
    db.session.commit()
    return jsonify(ok=True, version=version.id, status=version.status, existing=existed,
                   url=url_for("modeler.version_page", version_id=version.id))
