"""Background validation in the modeler's JSON API: queue a job (202), then poll its progress."""
from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import NotFound
from webui.access import require_area
from webui.audit import audit
from webui.extensions import db
from webui.modeler import bp
from webui.modeler.api import _error, _payload
from webui.modeler.validation_jobs import MAX_OPEN, TooMany, as_json, create
from webui.models import ValidationJob


@bp.post("/api/validation-jobs")
@require_area("modeler")
def api_validation_job_create():
    """Queue base+changes for validation with every scenario; answers at once with the poll URL."""
    base_id, files, error = _payload()
    if error:
        return error
    try:
        job = create(db.session, current_user.username, base_id, files)
    except NotFound:
        return _error(404, "not_found", _("Versionen findes ikke."))
    except TooMany:
        response, status = _error(429, "too_many_jobs", _(
            "Du har allerede %(count)s valideringer i gang. Vent, til en af dem er færdig.",
            count=MAX_OPEN))
        response.headers["Retry-After"] = "10"
        return response, status
    audit("definition_validate_queued", detail=f"job {job.id} on version {base_id}")
    db.session.commit()
    url = url_for("modeler.api_validation_job", job_id=job.id)
    return jsonify(**as_json(job), url=url), 202, {"Location": url}


@bp.get("/api/validation-jobs/<int:job_id>")
@require_area("modeler")
def api_validation_job(job_id):
    """A validation job's status and progress ("done" of "total" scenarios), then its outcome."""
    job = db.session.get(ValidationJob, job_id)
    if job is None:
        return _error(404, "not_found", _("Valideringen findes ikke."))
    return jsonify(as_json(job))
