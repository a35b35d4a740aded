"""The patient's own choice about the 14-day guarantee: a later start, or declining treatment."""
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine import service
from engine.service import InvalidInput
from webui.access import get_visible_pathway, require_area
from webui.audit import audit
from webui.common.timeutil import local_today
from webui.extensions import db
from webui.pathways import bp
from webui.pathways import guarantee as guarantee_fact

END_REASON = "Patienten takkede nej til behandling"
KINDS = {"postponed": _l("Patienten ønsker en senere start"),
         "declined": _l("Patienten takker nej til behandling nu")}


def may_record_choice(user, pathway) -> bool:
    """The region's psychiatry staff and the tovholder record a choice while the guarantee runs."""
    running = guarantee_fact.of_pathway(pathway).status == "open"
    staff = ("regional_clinician" in user.roles and user.organisation_code == pathway.region_org) \
        or (pathway.tovholder is not None and user.username == pathway.tovholder)
    return bool(pathway.status == "active" and running and staff)


@bp.app_context_processor
def choice_helpers():
    """Templates may ask whether to offer the form, and name the kinds."""
    return {"may_record_choice": may_record_choice, "choice_kinds": KINDS}


def _date(name):
    """A date field of the form (None when empty or malformed)."""
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


@bp.post("/forloeb/<int:pathway_id>/patientens-valg")
@require_area("patient")
def patient_choice(pathway_id):
    """Record a postponement or declining, with the day and the reason; nothing else changes."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    if not may_record_choice(current_user, pathway):
        abort(403)
    kind, on, until = request.form.get("kind", ""), _date("choice_on"), _date("choice_until")
    reason = request.form.get("choice_reason", "").strip()
    end = request.form.get("end_pathway") == "1"
    due = guarantee_fact.of_pathway(pathway).due
    problems = []
    if kind not in KINDS:
        problems.append(_("Vælg, om patienten udskyder eller takker nej."))
    if on is None or on > local_today() or (due and on > due):
        problems.append(_("Angiv dagen for patientens valg: i dag eller tidligere, og senest fristen."))
    if kind == "postponed" and (until is None or (due and until <= due)):
        problems.append(_("Angiv den startdato, patienten ønsker; den skal ligge efter fristen."))
    if end and kind != "declined":
        problems.append(_("Forløbet kan kun afsluttes her, når patienten takker nej."))
    if not reason or len(reason) > 300:
        problems.append(_("Skriv patientens begrundelse (højst 300 tegn)."))
    if not problems:
        try:
            service.record_patient_choice(db.session, pathway.id, kind, on, reason,
                                          current_user.username, until=until)
            if end:  # the clinician's choice: a patient who declines may also keep the pathway
                service.end_pathway(db.session, pathway.id, END_REASON, current_user.username)
        except InvalidInput:
            db.session.rollback()
            problems.append(_("Valget kunne ikke registreres: garantien løber ikke længere."))
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(url_for("pathways.patient", patient_id=pathway.patient_id) + "#choice")
    audit("patient_choice", patient_id=pathway.patient_id, pathway_id=pathway.id,
          detail=kind + (" (ended)" if end else ""))
    db.session.commit()
    flash(_("Patientens valg er registreret."), "success")
    return redirect(url_for("pathways.patient", patient_id=pathway.patient_id))
