"""Process owners: deployed pathway versions, uploads, and the in-browser BPMN modeler.

Uploads and modeler saves go through the engine's one deploy path (`deploy_bundle`), so
they are parsed safely and validated exactly like the files deployed at start-up.
"""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webui.access import require_area
from webui.extensions import db

bp = Blueprint("modeler", __name__, url_prefix="/modeler", template_folder="templates")
ALLOWED_SUFFIXES = (".bpmn", ".dmn")


def _version_or_404(version_id):
    """The definition version, or 404."""
    from engine.models import DefinitionVersion
    version = db.session.get(DefinitionVersion, version_id)
    if version is None:
        abort(404)
    return version


def _merged_bundle(base, changed: dict[str, bytes]) -> dict[str, bytes]:
    """The base version's files with the changed ones replaced or added."""
    files = {name: text.encode("utf-8") for name, text in (base.files or {}).items()} if base else {}
    files.update(changed)
    return files


def _deploy(changed: dict[str, bytes], base, note: str):
    """Deploy base+changed as a new version; return (version, problems)."""
    from engine.errors import InvalidDefinition
    from engine.service import deploy_bundle
    try:
        version = deploy_bundle(db.session, _merged_bundle(base, changed), current_user.username,
                                note=note)
    except InvalidDefinition as exc:
        db.session.rollback()
        return None, exc.problems
    db.session.commit()
    return version, []


def _versions_page(problems):
    """The newest versions with their active pathway counts, and any upload problems."""
    from engine.models import DefinitionVersion, Pathway
    counts = dict(db.session.execute(
        select(Pathway.version_id, func.count()).where(Pathway.status == "active")
        .group_by(Pathway.version_id)).all())
    versions = db.session.scalars(
        select(DefinitionVersion).order_by(DefinitionVersion.id.desc()).limit(50)).all()
    return render_template("modeler/index.html", versions=versions, counts=counts,
                           problems=problems)


@bp.get("/")
@require_area("modeler")
def index():
    """List the deployed versions, newest first, with how many pathways run on each."""
    return _versions_page([])


@bp.post("/upload")
@require_area("modeler")
def upload():
    """Deploy uploaded BPMN/DMN files on top of the newest version's bundle."""
    from engine.service import latest_version
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    problems = []
    if not uploads:
        problems.append((None, None, None, _("Vælg mindst én .bpmn- eller .dmn-fil.")))
    bad = [f.filename for f in uploads if not f.filename.lower().endswith(ALLOWED_SUFFIXES)]
    if bad:
        problems.append((", ".join(bad), None, None, _("Kun .bpmn- og .dmn-filer kan uploades.")))
    if not problems:
        changed = {_safe_name(f.filename): f.read() for f in uploads}
        version, problems = _deploy(changed, latest_version(db.session),
                                    request.form.get("note", "").strip())
        if version is not None:
            flash(_("Version %(id)s er udrullet.", id=version.id), "success")
            return redirect(url_for("modeler.index"))
    return _versions_page(problems), 422


def _safe_name(filename: str) -> str:
    """A bare file name: no directories may sneak into the bundle."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


@bp.get("/versions/<int:version_id>/files/<path:filename>")
@require_area("modeler")
def version_file(version_id, filename):
    """The raw XML of one file of a version, as a download (never rendered as a page)."""
    version = _version_or_404(version_id)
    text = (version.files or {}).get(filename)
    if text is None:
        abort(404)
    # Uploaded XML could carry XHTML; plain text plus attachment keeps the browser from running it.
    return text, 200, {"Content-Type": "text/plain; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="{_safe_name(filename)}"',
                       "X-Content-Type-Options": "nosniff"}


@bp.get("/versions/<int:version_id>/edit/<path:filename>")
@require_area("modeler")
def edit(version_id, filename):
    """The bpmn-js modeler on one BPMN file of a version."""
    version = _version_or_404(version_id)
    if filename not in (version.files or {}) or not filename.endswith(".bpmn"):
        abort(404)
    return render_template("modeler/edit.html", version=version, filename=filename)


@bp.post("/versions/<int:version_id>/deploy")
@require_area("modeler")
def deploy(version_id):
    """Deploy the modeler's edited XML of one file as a new version (JSON in, JSON out)."""
    base = _version_or_404(version_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str) \
            or not isinstance(payload.get("filename"), str) \
            or payload["filename"] not in (base.files or {}):
        return jsonify(ok=False, problems=[[None, None, None, _("Ugyldig forespørgsel.")]]), 400
    version, problems = _deploy({payload["filename"]: payload["xml"].encode("utf-8")}, base,
                                str(payload.get("note", ""))[:200])
    if version is None:
        return jsonify(ok=False, problems=[list(p) for p in problems]), 422
    return jsonify(ok=True, version=version.id,
                   url=url_for("modeler.edit", version_id=version.id, filename=payload["filename"]))


# The expression check lives in its own module; importing it registers its route on `bp`.
from webui.modeler import expressions, preview  # noqa: E402,F401
