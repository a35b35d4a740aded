"""Administration: the audit log per patient and per user; accounts (staff.py), organisations."""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from engine import service
from engine.models import AuditEntry as A
from engine.models import Patient
from webui.access import require_area
from webui.admin.audit_text import action_sentence, readable_detail
from webui.audit import audit as audit_read
from webui.auth import sessions, unlock
from webui.common.paging import page_count, page_number
from webui.extensions import db
from webui.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database


@bp.context_processor
def _confinement():
    """Every admin page shows the sandbox layers the kernel refused (the service runs anyway)."""
    report = service.sandbox_confinement()
    return {"sandbox_unconfined": {k: v for k, v in report.items() if not v.startswith("on")}}


def _patient_filter(text):
    """Resolve the patient filter (a CPR number or a patient id) to a patient id or None."""
    text = (text or "").strip().replace("-", "")
    if not text:
        return None
    # isdigit() alone also accepts digits such as "²" that int() refuses
    if not (text.isascii() and text.isdigit()):
        return -1
    if len(text) == 10:
        return db.session.scalar(select(Patient.id).where(Patient.cpr == text)) or -1
    return int(text) if int(text) <= MAX_ID else -1


@bp.get("/audit")
@require_area("admin")
def audit():
    """Read the audit log, filtered by patient (CPR or id) and/or by user."""
    patient_text = request.args.get("patient", "")
    username = request.args.get("user", "").strip()
    conditions = []
    patient_id = _patient_filter(patient_text)
    if patient_id is not None:
        conditions.append(A.patient_id == patient_id)
    if username:
        conditions.append(A.actor == username)
    page = page_number(request.args)
    # a look-up by CPR reveals who is a patient, so reading the log is itself logged
    audit_read("view_audit", patient_id=patient_id if patient_id and patient_id > 0 else None,
               detail=f"user={username[:80]} page={page}")  # never the CPR number itself
    db.session.commit()  # before the reads, so the loaded rows are not expired
    total = db.session.scalar(select(func.count()).select_from(A).where(*conditions))
    entries = db.session.scalars(select(A).where(*conditions).order_by(A.at.desc(), A.id.desc())
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    pages = page_count(total, PAGE_SIZE)
    return render_template("admin/audit.html", entries=entries, total=total, page=page,
                           pages=pages, patient_text=patient_text, username=username,
                           action_sentence=action_sentence, readable_detail=readable_detail)


@bp.post("/users/<int:user_id>/end-sessions")
@require_area("admin")
def end_sessions(user_id):
    """End every session of a user at once (for example after a lost laptop)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    ended = sessions.end_all_for(user.id, "administrator")
    audit_read("end_sessions", detail=f"user={user.username} ended={ended}")
    db.session.commit()
    flash(_("%(count)s sessioner for %(user)s er afsluttet.", count=ended, user=user.username),
          "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unlock-link")
@require_area("admin")
def unlock_link(user_id):
    """Issue a one-time unlock link for a user who cannot get past the back-off (shown once)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        abort(404)
    try:
        token = unlock.issue(user, current_user.username, request.remote_addr or "")
    except unlock.TooManyLinks:
        flash(_("%(user)s har fået for mange oplåsningslinks i dag.", user=user.username), "error")
        return redirect(url_for("admin.users"))
    url = url_for("auth.unlock_login", token=token, _external=True)
    response = make_response(render_template("admin/unlock_link.html", user=user, url=url,
                                             hours=unlock.setting("UNLOCK_LINK_HOURS")))
    response.headers["Cache-Control"] = "no-store"
    return response


from webui.admin import markers, organisations, reconciliation, staff  # noqa: E402,F401  (register pages on bp)
