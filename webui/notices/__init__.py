"""Notices between sectors: an inbox per organisation (admission, discharge, handover)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from engine.db import once
from engine.models import Notice, Patient
from forms.registry import UnknownForm, load_form
from webui.access import require_area
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.common.phases import STAGE_LABELS
from webui.extensions import db
from webui.models import utcnow
from webui.security import safe_local_path

bp = Blueprint("notices", __name__, url_prefix="/meddelelser", template_folder="templates")
PAGE_SIZE = 25
ON_WORKLIST = 5
ACUTE_LABEL = _l("Akutfunktion/modtagelse")

KIND_LABELS = {"admitted": _l("Indlæggelse"), "discharged": _l("Udskrivelse"),
               "handover": _l("Overdragelse"), "deceased": _l("Dødsfald"),
               "hn_review": _l("Sygehusadvis til vurdering"),
               "reconcile_referral": _l("Henvisning til afstemning")}
# notice data key → (form, field) whose option labels name its codes
CODED_FIELDS = {"reason": ("indlagt_henvendelse", "admission_reason"),
                "handover_to": ("overdragelse", "handover_to"),
                "checklist": ("indlagt_udskrivelse", "discharge_checklist")}
STAGE_KEYS = ("return_stage", "admitted_from")


def _option_labels(form_id, key) -> dict:
    """{value: label} of a choice field of a form in forms/definitions ({} when not there)."""
    try:
        fields = load_form(form_id).fields
    except UnknownForm:
        return {}
    field = next((f for f in fields if f.get("key") == key), {})
    return {v.get("value"): v.get("label") for v in field.get("values") or []}


def value_label(key, value) -> str:
    """A coded value of a notice shown in words (e.g. psykisk_forvaerring → Akut psykisk forværring)."""
    if value in (None, ""):
        return "–"
    if isinstance(value, list):
        return ", ".join(value_label(key, v) for v in value)
    if key in STAGE_KEYS:
        return str(ACUTE_LABEL) if value == "akut" else str(STAGE_LABELS.get(value, value))
    form_id, field = CODED_FIELDS.get(key, (None, None))
    return str(_option_labels(form_id, field).get(value, value)) if form_id else str(value)


def _mine():
    """Conditions: notices addressed to the user's organisation."""
    return [Notice.org_code == current_user.organisation_code]


@once
def _unread_queries():
    """(count, newest rows) of an organisation's unread notices, bound as `org_code`."""
    unread = (Notice.org_code == bindparam("org_code"), Notice.read_at.is_(None))
    return (select(func.count()).select_from(Notice).where(*unread),
            select(Notice, Patient.name).join(Patient, Patient.id == Notice.patient_id)
            .where(*unread).order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(ON_WORKLIST))


def unread_for_worklist(session):
    """(the newest unread notices of my organisation, how many are unread) for the worklist."""
    count_query, rows_query = _unread_queries()
    params = {"org_code": current_user.organisation_code}
    count = session.scalar(count_query, params)
    rows = session.execute(rows_query, params).all() if count else []
    return rows, count


@bp.app_context_processor
def notice_helpers():
    """Labels of notice kinds for every template."""
    return {"notice_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
            "notice_value": value_label}


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
