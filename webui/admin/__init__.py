"""Administration: the audit log per patient and per user, and the list of accounts."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from engine.models import AuditEntry as A
from engine.models import Patient
from webui.access import require_area
from webui.audit import audit as audit_read
from webui.auth import sessions
from webui.common.paging import page_count, page_number
from webui.extensions import db
from webui.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database


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
                           pages=pages, patient_text=patient_text, username=username)


@bp.get("/users")
@require_area("admin")
def users():
    """List staff accounts with their organisation and roles."""
    accounts = db.session.scalars(select(User).order_by(User.organisation_code, User.username)).all()
    live = {u.id: sessions.live_count(u.id) for u in accounts}
    return render_template("admin/users.html", accounts=accounts, live=live)


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


from webui.admin import markers, organisations, reconciliation  # noqa: E402,F401  (register their pages on bp)
