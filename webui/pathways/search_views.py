"""Find a patient: by CPR number or name, among the patients the user may see."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from engine.models import Pathway, Patient
from webui.access import participant_clause, require_area
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.common.phases import stage_label
from webui.extensions import db
from webui.pathways import bp

PAGE_SIZE = 50
MAX_QUERY = 100


def _search(query, page):
    """(rows, total): each row is (patient, newest visible pathway), ordered by name."""
    newest = (select(func.max(Pathway.id).label("pathway_id"), Pathway.patient_id)
              .where(participant_clause(current_user, Pathway.id))
              .group_by(Pathway.patient_id).subquery())
    conditions = []
    digits = query.replace("-", "").replace(" ", "")
    if digits.isascii() and digits.isdigit() and len(digits) == 10:
        conditions.append(Patient.cpr == digits)
    elif query:
        # Names are matched case-insensitively on both databases.
        conditions.append(func.lower(Patient.name).contains(query.lower(), autoescape=True))
    base = (select(Patient, Pathway).join(newest, newest.c.patient_id == Patient.id)
            .join(Pathway, Pathway.id == newest.c.pathway_id).where(*conditions))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(Patient.name, Patient.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total


@bp.get("/patienter")
@require_area("patient")
def patients():
    """Search the patients whose pathways the user's organisation takes part in."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    page = page_number(request.args)
    rows, total = _search(query, page)
    # Each patient shown is a read of that patient's data.
    for patient, pathway in rows:
        audit("search_patients", patient_id=patient.id, pathway_id=pathway.id,
              detail=f"page {page}, {total} found")
    if not rows:
        audit("search_patients", detail=f"no patients found (page {page})")
    pages = page_count(total, PAGE_SIZE)
    # rendered before the commit: a commit expires the rows, and reloading them one by one
    # cost about 100 queries per page (and fails when one is deleted meanwhile)
    html = render_template("pathways/patients.html", rows=rows, total=total, query=query,
                           page=page, pages=pages, stage_label=stage_label)
    db.session.commit()
    return html
