"""The page a clinician sees when the pathway definition failed in the sandbox."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from engine import service
from webui.extensions import db

LIMITS = {  # SandboxViolation.limit -> what the clinician is told broke
    "time": _l("tidsgrænsen"), "cpu": _l("CPU-grænsen"), "memory": _l("hukommelsesgrænsen"),
    "steps": _l("trin-grænsen"), "size": _l("størrelsesgrænsen"),
    "recursion": _l("rekursionsgrænsen"),
}


def sandbox_failure(exc):
    """Roll the step back, log and audit the failure, and explain it (422, not a bare 500)."""
    db.session.rollback()
    actor = current_user.username if current_user.is_authenticated else "anonymous"
    try:
        service.record_sandbox_failure(db.session, exc, actor, source=request.remote_addr or "")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("could not record a sandbox failure: %s", exc)
    limit = LIMITS.get(exc.limit)
    message = _("Forløbsdefinitionen fejlede ved elementet “%(element)s”. Intet blev gemt. "
                "Giv procesejeren besked, og prøv igen senere.", element=exc.element or "?")
    return render_template("errors/error.html", status=422, message=message,
                           title=_("Forløbsdefinitionen fejlede"),
                           detail=_("Overskredet: %(limit)s", limit=limit) if limit else None), 422
