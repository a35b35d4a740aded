"""Notices between sectors: an inbox per organisation (admission, discharge, handover)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from engine.models import Notice, Patient
from webui.access import require_area
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.extensions import db
from webui.models import utcnow
from webui.security import safe_local_path

bp = Blueprint("notices", __name__, url_prefix="/meddelelser", template_folder="templates")
PAGE_SIZE = 25
ON_WORKLIST = 5

KIND_LABELS = {"admitted": _l("Indlæggelse"), "discharged": _l("Udskrivelse"),
               "handover": _l("Overdragelse"),
               "reconcile_referral": _l("Henvisning til afstemning")}


def _mine():
    """Conditions: notices addressed to the user's organisation."""
    return [Notice.org_code == current_user.organisation_code]


def unread_for_worklist(session):
    """(the newest unread notices of my organisation, how many are unread) for the worklist."""
    unread = [*_mine(), Notice.read_at.is_(None)]
    count = session.scalar(select(func.count()).select_from(Notice).where(*unread))
    rows = session.execute(select(Notice, Patient.name).join(Patient, Patient.id == Notice.patient_id)
                           .where(*unread).order_by(Notice.created_at.desc(), Notice.id.desc())
                           .limit(ON_WORKLIST)).all() if count else []
    return rows, count


@bp.app_context_processor
def notice_helpers():
    """Labels of notice kinds for every template."""
    return {"notice_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind))}


@bp.get("/")
@require_area("worklist")
def inbox():
    """My organisation's notices, newest first; unread ones are marked."""
    page = page_number(request.args)
    only_unread = request.args.get("ulaeste") == "1"
    conditions = _mine() + ([Notice.read_at.is_(None)] if only_unread else [])
    total = db.session.scalar(select(func.count()).select_from(Notice).where(*conditions))
    rows = db.session.execute(select(Notice, Patient.name)
                              .join(Patient, Patient.id == Notice.patient_id).where(*conditions)
                              .order_by(Notice.created_at.desc(), Notice.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    html = render_template("notices/inbox.html", rows=rows, total=total, page=page,
                           pages=page_count(total, PAGE_SIZE), only_unread=only_unread)
    for notice, _name in rows:
        audit("view_notice", patient_id=notice.patient_id, pathway_id=notice.pathway_id,
              detail=f"notice={notice.id} {notice.kind}")
    db.session.commit()
    return html


@bp.post("/<int:notice_id>/laest")
@require_area("worklist")
def mark(notice_id):
    """Mark a notice read (or unread again with read=0)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.org_code != current_user.organisation_code:
        abort(404)
    read = request.form.get("read", "1") == "1"
    notice.read_at, notice.read_by = (utcnow(), current_user.username) if read else (None, None)
    audit("read_notice" if read else "unread_notice", patient_id=notice.patient_id,
          pathway_id=notice.pathway_id, detail=f"notice={notice.id}")
    db.session.commit()
    flash(_("Meddelelsen er markeret som læst.") if read else
          _("Meddelelsen er markeret som ulæst."), "success")
    return redirect(safe_local_path(request.form.get("next")) or url_for("notices.inbox"))
