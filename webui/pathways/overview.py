"""An overview consultation on request: a clinician asks, and the pathway opens the task now.

The yearly one comes from the timer in Ustabil and Stabil (`overview_due`); this route delivers
the BPMN message `overblik_anmodet` those stages wait for, so both lead to the same task.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import service
from engine.errors import Conflict, NoRecipient
from webui.access import get_visible_pathway, require_area
from webui.audit import audit
from webui.extensions import db
from webui.pathways import bp
from webui.roles import CLINICAL_ROLES

REQUEST_STAGES = ("ustabil", "stabil")  # the stages that hold the yearly consultation
REASON_MAX = 500


def may_request_overview(user, pathway) -> bool:
    """Clinical staff who see the pathway may ask for an overview consultation in Ustabil/Stabil."""
    return bool(pathway.status == "active" and pathway.stage in REQUEST_STAGES
                and CLINICAL_ROLES & set(user.roles))


@bp.post("/forloeb/<int:pathway_id>/overblik")
@require_area("patient")
def request_overview(pathway_id):
    """Ask for an overview consultation now; the tovholder gets the task."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    if not may_request_overview(current_user, pathway):
        abort(403)
    patient_id = pathway.patient_id
    reason = (request.form.get("overview_reason") or "").strip()
    if not reason or len(reason) > REASON_MAX:
        flash(_("Skriv hvorfor (højst %(n)s tegn).", n=REASON_MAX), "error")
        return redirect(url_for("pathways.patient", patient_id=patient_id))
    try:
        service.deliver_message(db.session, "overblik_anmodet", patient_id,
                                {"overview_reason": reason,
                                 "overview_requested_by": current_user.username},
                                current_user.username)
    except (NoRecipient, Conflict):
        db.session.rollback()
        flash(_("Der er allerede en overblikskonsultation åben for patienten."), "warning")
        return redirect(url_for("pathways.patient", patient_id=patient_id))
    audit("overview.request", patient_id=patient_id, pathway_id=pathway_id)
    db.session.commit()
    flash(_("Overblikskonsultationen er sat på tovholderens opgaveliste."), "success")
    return redirect(url_for("pathways.patient", patient_id=patient_id))


@bp.app_context_processor
def overview_helpers():
    """Templates may ask whether to offer the request."""
    return {"may_request_overview": may_request_overview}
