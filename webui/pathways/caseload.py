"""The tovholder's caseload: my patients, their phase, the next deadline and reassessment."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import case, func, select

from engine.models import Pathway as P
from engine.models import Patient
from engine.models import WorklistItem as W
from webui.access import participant_clause, require_area
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.common.phases import stage_label
from webui.extensions import db
from webui.pathways import bp
from webui.pathways.complexity import TIER_LABELS

PAGE_SIZE = 50


def caseload(session, user, page=1, tier=None):
    """(rows, total, urgent): (pathway, patient name, next task deadline, has an urgent task) of
    the user's active pathways, urgent ones first; urgent counts the pathways with one.

    `tier` keeps only pathways at that complexity tier ("lav", "moderat" or "hoej").
    """
    urgent = func.max(case((W.urgent, 1), else_=0))
    next_due = (select(W.pathway_id, func.min(W.due_at).label("due"), urgent.label("urgent"))
                .where(W.kind == "task").group_by(W.pathway_id).subquery())
    conditions = [P.tovholder == user.username, P.status == "active",
                  participant_clause(user, P.id)]
    if tier in TIER_LABELS:
        conditions.append(P.complexity_tier == tier)
    total = session.scalar(select(func.count()).select_from(P).where(*conditions))
    urgent_total = session.scalar(
        select(func.count()).select_from(P).join(next_due, next_due.c.pathway_id == P.id)
        .where(*conditions, next_due.c.urgent == 1))
    rows = session.execute(
        select(P, Patient.name, next_due.c.due, func.coalesce(next_due.c.urgent, 0) == 1)
        .join(Patient, Patient.id == P.patient_id)
        .outerjoin(next_due, next_due.c.pathway_id == P.id).where(*conditions)
        .order_by(func.coalesce(next_due.c.urgent, 0).desc(), next_due.c.due.asc().nulls_last(),
                  P.reassess_at.asc().nulls_last(), P.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total, urgent_total


@bp.get("/mine-patienter")
@require_area("patient")
def my_patients():
    """The pathways where I am the tovholder."""
    page = page_number(request.args)
    tier = request.args.get("kompleksitet", "")
    tier = tier if tier in TIER_LABELS else ""
    rows, total, urgent = caseload(db.session, current_user, page, tier or None)
    html = render_template("pathways/caseload.html", rows=rows, total=total, urgent=urgent,
                           page=page, pages=page_count(total, PAGE_SIZE), stage_label=stage_label,
                           tier=tier, tier_labels=TIER_LABELS)
    for pathway, _name, _due, _urgent in rows:
        audit("view_caseload", patient_id=pathway.patient_id, pathway_id=pathway.id)
    if not rows:
        audit("view_caseload", detail="no patients")
    db.session.commit()
    return html
