"""The patient's own area (/mig/): their own login, session rules, pages and templates."""
from functools import wraps

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from engine.audit import record
from webui.extensions import db
from webui.patient import sessions

bp = Blueprint("patient", __name__, url_prefix="/mig", template_folder="templates")
# staff actions on the staff patient page (activation codes, contacts, questionnaires)
staff_bp = Blueprint("patient_staff", __name__, template_folder="templates")


def actor_of(account) -> str:
    """How a patient account is named in the audit log."""
    return f"{account.role}:{account.username}"


def patient_audit(account, action: str, detail: str = "") -> None:
    """Record what a patient (or relative) read or did, in the current transaction."""
    record(db.session, actor_of(account), action, patient_id=account.patient_id,
           detail=detail[:500], source=request.remote_addr or "")


def patient_required(view):
    """View decorator: a live patient session, else the patient login; staff are refused (403)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        account = sessions.current_account()
        if account is None:
            if current_user.is_authenticated:
                abort(403)
            return redirect(url_for("patient.login", next=request.path))
        return view(account, *args, **kwargs)
    return wrapped


from webui.patient import auth_views, passkey_views, staff_views, views  # noqa: E402,F401  (routes register on bp)
